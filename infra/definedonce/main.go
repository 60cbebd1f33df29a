// Command definedonce fails when a fact that the code must define once is written more
// than once (or not at all): the 保密审查 attestation sentence and the year bounds of a
// report. `make lint` runs it from the repository root:
//
//	go run ./infra/definedonce [root]
//
// It reads the non-test Go files (string literals and integer literals; comments do not
// count) and the files the web side serves or parses (.html and .js: their text). Tests,
// testdata and documentation may repeat a fact: they check or explain it, they do not
// define it.
package main

import (
	"fmt"
	"go/scanner"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Fact is one value the code must spell once.
type Fact struct {
	Name string
	// Text is found inside Go string literals and anywhere in web files.
	Text string
	// Int is found as a Go integer literal, and in web files as a word of its own
	// (not inside a longer number or name: 20081, x2100).
	Int string
}

// Facts are the values of issue 10 point 2 that must be defined once.
var Facts = []Fact{
	{Name: "the 保密审查 attestation sentence", Text: "已按规定进行保密审查，同意公开"},
	{Name: "the first year a report may be for", Int: "2008"},
	{Name: "the last year a report may be for", Int: "2100"},
}

// Place is one occurrence of a fact.
type Place struct {
	File string // slash-separated, relative to the root
	Line int
}

func (p Place) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// skipDirs are not walked: build output, tools, fixtures, documentation (directories
// whose name starts with "." are skipped too: .git, .venv, .aws-sam).
var skipDirs = map[string]bool{"bin": true, "tools": true, "testdata": true, "node_modules": true, "docs": true}

// self is this command's directory, relative to the root: Facts names the facts, it
// does not define them.
const self = "infra/definedonce"

// Find returns every place under root where each fact is written, in file order.
func Find(root string, facts []Fact) (map[string][]Place, error) {
	found := map[string][]Place{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || skipDirs[name] || rel == self) {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(name, "_test.go"):
			return nil
		case strings.HasSuffix(name, ".go"):
			return findGo(path, rel, facts, found)
		case strings.HasSuffix(name, ".html"), strings.HasSuffix(name, ".js"), strings.HasSuffix(name, ".mjs"):
			return findText(path, rel, facts, found)
		}
		return nil
	})
	return found, err
}

// findGo counts the facts in a Go file's tokens: string literals hold a Text, integer
// literals are an Int. Comments are skipped.
func findGo(path, rel string, facts []Fact, found map[string][]Place) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	fset := token.NewFileSet()
	file := fset.AddFile(rel, -1, len(src))
	var errs scanner.ErrorList
	var s scanner.Scanner
	s.Init(file, src, func(pos token.Position, msg string) { errs.Add(pos, msg) }, 0)
	for {
		pos, tok, lit := s.Scan()
		if tok == token.EOF {
			break
		}
		line := fset.Position(pos).Line
		for _, f := range facts {
			switch {
			case tok == token.STRING && f.Text != "":
				v, err := strconv.Unquote(lit)
				if err != nil {
					v = lit
				}
				for range strings.Count(v, f.Text) {
					found[f.Name] = append(found[f.Name], Place{rel, line})
				}
			case tok == token.INT && f.Int != "" && strings.ReplaceAll(lit, "_", "") == f.Int:
				found[f.Name] = append(found[f.Name], Place{rel, line})
			}
		}
	}
	if errs.Len() > 0 {
		return fmt.Errorf("%s: %w", rel, errs.Err())
	}
	return nil
}

// findText counts the facts in a template or script, line by line.
func findText(path, rel string, facts []Fact, found map[string][]Place) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	for i, line := range strings.Split(string(src), "\n") {
		for _, f := range facts {
			n := 0
			if f.Text != "" {
				n = strings.Count(line, f.Text)
			} else if f.Int != "" {
				n = len(wholeNumber(f.Int).FindAllStringIndex(line, -1))
			}
			for range n {
				found[f.Name] = append(found[f.Name], Place{rel, i + 1})
			}
		}
	}
	return nil
}

var numberRes = map[string]*regexp.Regexp{}

func wholeNumber(n string) *regexp.Regexp {
	re, ok := numberRes[n]
	if !ok {
		re = regexp.MustCompile(`(^|[^0-9A-Za-z_])` + regexp.QuoteMeta(n) + `($|[^0-9A-Za-z_])`)
		numberRes[n] = re
	}
	return re
}

// Check returns one problem per fact not written exactly once, naming where it is.
func Check(root string, facts []Fact) ([]string, error) {
	found, err := Find(root, facts)
	if err != nil {
		return nil, err
	}
	var problems []string
	for _, f := range facts {
		places := found[f.Name]
		if len(places) == 1 {
			continue
		}
		what := f.Text
		if what == "" {
			what = f.Int
		}
		if len(places) == 0 {
			problems = append(problems, fmt.Sprintf("%s (%q) is defined nowhere: it must be written once, outside tests", f.Name, what))
			continue
		}
		files := map[string]bool{}
		for _, p := range places {
			files[p.File] = true
		}
		names := make([]string, 0, len(files))
		for f := range files {
			names = append(names, f)
		}
		sort.Strings(names)
		var b strings.Builder
		fmt.Fprintf(&b, "%s (%q) must be written once, outside tests; it is written %d times, in %s:", f.Name, what, len(places), strings.Join(names, ", "))
		for _, p := range places {
			fmt.Fprintf(&b, "\n\t%s", p)
		}
		problems = append(problems, b.String())
	}
	return problems, nil
}

func main() {
	root := "."
	if len(os.Args) > 2 {
		fmt.Fprintln(os.Stderr, "usage: definedonce [root]")
		os.Exit(2)
	}
	if len(os.Args) == 2 {
		root = os.Args[1]
	}
	problems, err := Check(root, Facts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "definedonce:", err)
		os.Exit(2)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p)
	}
	if len(problems) > 0 {
		fmt.Fprintf(os.Stderr, "definedonce: %d fact(s) not defined exactly once: define each in one place and refer to it\n", len(problems))
		os.Exit(1)
	}
}
