package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const sentence = "已按规定进行保密审查，同意公开"

// tree writes files (slash path → content) under a new directory and returns it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// defined is a tree where each fact is defined once, with copies where they may be.
func defined() map[string]string {
	return map[string]string{
		"shared/facts/facts.go": "package facts\n\n// Reports are for 2008 (条例) to 2100.\nconst (\n\tMinYear = 2_008\n\tMaxYear = 2100\n)\n\nconst Attestation = `" + sentence + "`\n",
		// Tests, fixtures, docs and hidden directories may repeat a fact.
		"shared/facts/facts_test.go":     "package facts\n\nvar _ = []any{\"" + sentence + "\", 2008, 2100}\n",
		"shared/facts/testdata/a.go":     "package a\n\nconst y = 2008\n",
		"shared/facts/testdata/a.html":   "<p>" + sentence + "</p>\n",
		"docs/facts.md":                  sentence + " 2008 2100\n",
		"README.md":                      sentence + " 2008 2100\n",
		".venv/lib/x.js":                 "const y = 2008;\n",
		"shared/web/templates/page.html": "<p>{{.Attestation}}，自 20080 起 12008 号</p>\n",
		// Numbers that only contain the digits, or are other values, do not count.
		"shared/web/static/app.js": "const year = 20081, id = 'x2100x';\nexport { year, id };\n",
		"shared/other/other.go":    "package other\n\nconst n, m = 20080, 0x2008\nconst s = \"2008 年\"\n",
	}
}

func TestDefinedOncePasses(t *testing.T) {
	problems, err := Check(tree(t, defined()), Facts)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Fatalf("each fact is defined once, but Check reports:\n%s", strings.Join(problems, "\n"))
	}
}

func TestDuplicateFails(t *testing.T) {
	for _, c := range []struct {
		name, file, content string
		fact                string   // the Name of the fact reported
		places              []string // where Check says it is written
	}{
		{
			name: "the sentence again in a Go message", fact: Facts[0].Name,
			file:    "shared/approval/decide.go",
			content: "package approval\n\nvar msg = \"请勾选「" + sentence + "」后再同意。\"\n",
			places:  []string{"shared/approval/decide.go:3", "shared/facts/facts.go:9"},
		},
		{
			name: "the sentence again in a template", fact: Facts[0].Name,
			file:    "shared/web/templates/review.html",
			content: "<h1>审批</h1>\n<label><input type=checkbox> " + sentence + "</label>\n",
			places:  []string{"shared/facts/facts.go:9", "shared/web/templates/review.html:2"},
		},
		{
			name: "the first year again in Go", fact: Facts[1].Name,
			file:    "shared/web/drafts.go",
			content: "package web\n\nfunc ok(y int) bool {\n\treturn y >= 2008\n}\n",
			places:  []string{"shared/facts/facts.go:5", "shared/web/drafts.go:4"},
		},
		{
			name: "the last year again in a script", fact: Facts[2].Name,
			file:    "shared/web/static/new.js",
			content: "if (y > 2100) alert('年份');\n",
			places:  []string{"shared/facts/facts.go:6", "shared/web/static/new.js:1"},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			files := defined()
			files[c.file] = c.content
			root := tree(t, files)
			problems, err := Check(root, Facts)
			if err != nil {
				t.Fatal(err)
			}
			if len(problems) != 1 {
				t.Fatalf("want one problem (%s), got %d:\n%s", c.fact, len(problems), strings.Join(problems, "\n"))
			}
			p := problems[0]
			if !strings.HasPrefix(p, c.fact+" ") || !strings.Contains(p, "written 2 times") {
				t.Errorf("problem does not name %q written twice:\n%s", c.fact, p)
			}
			for _, place := range c.places {
				if !strings.Contains(p, "\n\t"+place) {
					t.Errorf("problem does not list %s:\n%s", place, p)
				}
			}
			found, err := Find(root, Facts)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, pl := range found[c.fact] {
				got = append(got, pl.String())
			}
			if !reflect.DeepEqual(got, c.places) {
				t.Errorf("Find(%s) = %v, want %v", c.fact, got, c.places)
			}
		})
	}
}

func TestMissingFails(t *testing.T) {
	files := defined()
	files["shared/facts/facts.go"] = "package facts\n\nconst Attestation = \"" + sentence + "\"\n"
	problems, err := Check(tree(t, files), Facts)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 2 {
		t.Fatalf("the year bounds are gone: want 2 problems, got %d:\n%s", len(problems), strings.Join(problems, "\n"))
	}
	for i, f := range Facts[1:] {
		if !strings.HasPrefix(problems[i], f.Name+" ") || !strings.Contains(problems[i], "defined nowhere") {
			t.Errorf("problem %d does not say %s is defined nowhere: %s", i, f.Name, problems[i])
		}
	}
}

func TestUnreadableGoFails(t *testing.T) {
	files := defined()
	files["shared/bad/bad.go"] = "package bad\n\nconst s = \"unterminated\n"
	if _, err := Check(tree(t, files), Facts); err == nil || !strings.Contains(err.Error(), "shared/bad/bad.go") {
		t.Fatalf("a Go file the scanner cannot read: want an error naming it, got %v", err)
	}
}
