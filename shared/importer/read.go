package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"

	"nianbao/shared/report"
)

// placeholders are the texts nianbao prints in a section left empty.
var placeholders = map[string]bool{"（未填写）": true}

// read turns a file's blocks into a report.
func read(blocks []block, opt Options) (*Result, error) {
	blocks = layoutTables(blocks)
	var tables []int
	for i, b := range blocks {
		if b.table != nil {
			tables = append(tables, i)
		}
	}
	heads := findHeadings(blocks)
	title, titleAt := findTitle(blocks, heads)
	agency, year, titleKept := parseTitle(title)
	if opt.Agency != "" {
		agency = opt.Agency
	}
	if opt.Year != 0 {
		year = opt.Year
	}

	// The format: as given, else the year's, unless the other format's labels read
	// strictly more of the tables; a file without a year reads by the header wording
	// (国办公开办函〔2019〕60号 / 〔2021〕30号), else by the labels alone.
	var candidates []*report.Format
	if opt.Format != "" {
		f, ok := report.Lookup(opt.Format)
		if !ok {
			return nil, fmt.Errorf("未知的报告格式 %q（应为 gip-2019 或 gip-2021）", opt.Format)
		}
		candidates = []*report.Format{f}
	} else {
		preferred := preferredFormat(blocks, year)
		candidates = []*report.Format{preferred}
		for _, f := range report.Formats() {
			if f != preferred {
				candidates = append(candidates, f)
			}
		}
	}
	var best *tableRead
	for _, f := range candidates {
		tr := readTables(f, blocks, tables)
		if best == nil || tr.cells > best.cells {
			best = tr
		}
	}
	if best.found == 0 {
		return nil, ErrNoReport
	}
	f := best.format
	doc := report.New(f, agency, year)
	doc.Proactive, doc.Requests, doc.Appeals = best.grids["proactive"], best.grids["requests"], best.grids["appeals"]
	if len(best.printed) > 0 {
		doc.Printed = best.printed
	}
	if len(best.units) > 0 {
		doc.Units = best.units
	}

	// The texts: the 编制说明 between the title and 一、, each section from its heading to the
	// next, the notes after a table, the 落款 at the end of 六.
	lines := func(from, to int, inside *html.Node) []string {
		var out []string
		for i := from; i < to && i < len(blocks); i++ {
			b := blocks[i]
			if b.table != nil || b.skip || (inside != nil && !within(b.anc, inside)) {
				continue
			}
			for _, l := range b.lines {
				if !junkLine(l) && !placeholders[l] {
					out = append(out, l)
				}
			}
		}
		return out
	}
	if heads[0].block >= 0 && titleAt >= 0 {
		doc.Sections.Preamble = strings.Join(lines(titleAt+1, heads[0].block, nil), "\n")
	}
	container := containerOf(blocks, heads, tables)
	for k, s := range f.Sections {
		h := heads[k]
		if h.block < 0 {
			continue
		}
		end := len(blocks)
		for _, n := range heads[k+1:] {
			if n.block >= 0 {
				end = n.block
				break
			}
		}
		var ls []string
		if h.rest != "" {
			ls = append(ls, h.rest)
		}
		var inside *html.Node
		if k == len(f.Sections)-1 {
			inside = container
		}
		if s.Table == nil {
			ls = append(ls, lines(h.block+1, end, inside)...)
			if k == len(f.Sections)-1 {
				ls, doc.Signature = signature(ls, agency)
				if s.Hint != "" && len(ls) == 1 && ls[0] == s.Hint {
					ls = nil
				}
			}
			setText(doc, s.Field, strings.Join(ls, "\n"))
			continue
		}
		// Notes: the lines after the section's last table.
		last := h.block
		for _, t := range tables {
			if t > h.block && t < end {
				last = t
			}
		}
		if last > h.block {
			setNote(doc, s.Table.Key, strings.Join(lines(last+1, end, nil), "\n"))
		}
	}
	if doc.Agency == "" {
		doc.Agency = doc.Signature.Name
	}
	if titleKept && strings.ReplaceAll(title, " ", "") != report.DefaultTitle(doc.Agency, doc.Year) {
		doc.Title = title
	}
	if doc.Signature.Date == "" && doc.Signature.Name == doc.Agency {
		doc.Signature = report.Signature{}
	}
	return &Result{Doc: doc, Problems: best.problems, Tables: best.found}, nil
}

func setText(d *report.Document, field, s string) {
	switch field {
	case "overview":
		d.Sections.Overview = s
	case "problems":
		d.Sections.Problems = s
	case "other":
		d.Sections.Other = s
	}
}

func setNote(d *report.Document, key, s string) {
	switch key {
	case "proactive":
		d.Notes.Proactive = s
	case "requests":
		d.Notes.Requests = s
	case "appeals":
		d.Notes.Appeals = s
	}
}

// heading is where a section's heading was found: its block, and the text after it on
// the same line (a portal may run the heading into the first paragraph).
type heading struct {
	block int
	rest  string
}

// findHeadings finds 一、总体情况 … 六、其他需要报告的事项 (the same in both formats), in
// order; a heading not found has block -1.
func findHeadings(blocks []block) []heading {
	secs := report.Formats()[0].Sections
	out := make([]heading, len(secs))
	for i := range out {
		out[i].block = -1
	}
	k := 0
	for i, b := range blocks {
		if b.table != nil || b.tag == "title" || b.skip {
			continue
		}
		for _, l := range b.lines {
			for j := k; j < len(secs); j++ {
				want := fold(secs[j].Heading)
				fl := headingFold(l)
				if !strings.HasPrefix(fl, want) {
					continue
				}
				out[j] = heading{block: i, rest: restAfter(l, secs[j].Heading)}
				k = j + 1
				break
			}
		}
	}
	return out
}

// headingFold folds a line for comparing with a heading: 「一.总体情况」「一，总体情况」 and
// 「一 总体情况」 are written for 「一、总体情况」.
func headingFold(s string) string {
	t := []rune(strings.TrimSpace(s))
	if len(t) > 2 && strings.ContainsRune("一二三四五六", t[0]) {
		switch {
		case strings.ContainsRune(".．,，:：", t[1]):
			t[1] = '、'
		case unicode.IsSpace(t[1]):
			t = append([]rune{t[0], '、'}, t[1:]...)
		}
	}
	return fold(string(t))
}

// restAfter is the text of line after its heading (matched folded).
func restAfter(line, heading string) string {
	want := fold(heading)
	n := utf8.RuneCountInString(want)
	for i := range line {
		f := headingFold(line[:i])
		if f == want {
			return strings.TrimLeft(strings.TrimSpace(line[i:]), "：:")
		}
		if utf8.RuneCountInString(f) > n+1 { // folding only drops characters (and adds one 、)
			break
		}
	}
	return ""
}

var titleRe = regexp.MustCompile(`报告$`)

// findTitle is the report's title: the last heading (<h1>, Word's Title style) or line
// ending in 报告 before 一、总体情况 (a breadcrumb above it does not end so), else the
// page's <title>.
func findTitle(blocks []block, heads []heading) (string, int) {
	end := heads[0].block
	if end < 0 {
		end = len(blocks)
	}
	at, h1 := -1, -1
	for i := 0; i < end; i++ {
		b := blocks[i]
		if b.table != nil || b.skip {
			continue
		}
		for _, l := range b.lines {
			if titleRe.MatchString(l) && strings.Contains(l, "政府信息公开") && utf8.RuneCountInString(l) <= 80 && !strings.ContainsAny(l, "。；") {
				at = i
				if b.tag == "h1" {
					h1 = i
				}
			}
		}
	}
	if h1 >= 0 {
		at = h1
	}
	if at >= 0 {
		ls := blocks[at].lines
		for i, l := range ls {
			if titleRe.MatchString(l) {
				// A title broken before its year (「XX局」 / 「2024年度…报告」) is one title.
				if i > 0 && yearFirst.MatchString(l) && !strings.ContainsAny(ls[i-1], "。；：:") {
					l = ls[i-1] + l
				}
				return l, at
			}
		}
	}
	for _, b := range blocks {
		if b.tag == "title" && strings.Contains(b.lines[0], "报告") {
			// The <title> often carries the site's name after a separator.
			t := b.lines[0]
			for _, sep := range []string{"_", "|", " - ", "－"} {
				if i := strings.Index(t, sep); i > 0 {
					t = strings.TrimSpace(t[:i])
				}
			}
			return t, -1
		}
	}
	return "", -1
}

var (
	titleAgencyFirst = regexp.MustCompile(`^(.+?)(\d{4})年度?政府信息公开(?:工作)?年度报告$`)
	titleYearFirst   = regexp.MustCompile(`^(\d{4})年度?([^度].*?)政府信息公开(?:工作)?年度报告$`)
	anyYear          = regexp.MustCompile(`(\d{4})年`)
	yearFirst        = regexp.MustCompile(`^\d{4}年度?政府信息公开`)
)

// parseTitle reads the agency and the year from a title; kept says the title is the
// report's (not empty).
func parseTitle(t string) (agency string, year int, kept bool) {
	t = strings.ReplaceAll(t, " ", "")
	if t == "" {
		return "", 0, false
	}
	if m := titleAgencyFirst.FindStringSubmatch(t); m != nil {
		y, _ := strconv.Atoi(m[2])
		return m[1], y, true
	}
	if m := titleYearFirst.FindStringSubmatch(t); m != nil {
		y, _ := strconv.Atoi(m[1])
		return m[2], y, true
	}
	if m := anyYear.FindStringSubmatch(t); m != nil {
		y, _ := strconv.Atoi(m[1])
		return "", y, true
	}
	return "", 0, true
}

func preferredFormat(blocks []block, year int) *report.Format {
	if year != 0 {
		return report.ForYear(year)
	}
	for _, b := range blocks {
		for _, l := range b.lines {
			for _, f := range report.Formats() {
				if strings.Contains(l, f.Document) {
					return f
				}
			}
		}
	}
	fs := report.Formats()
	return fs[len(fs)-1]
}

// containerOf is the page element holding the report, from 一、 to its tables and 六、:
// what follows 六 outside it (the portal's footer) is not section 六.
func containerOf(blocks []block, heads []heading, tables []int) *html.Node {
	var chains [][]*html.Node
	for _, h := range heads {
		if h.block >= 0 && blocks[h.block].anc != nil {
			chains = append(chains, blocks[h.block].anc)
		}
	}
	for _, t := range tables {
		if blocks[t].anc != nil {
			chains = append(chains, blocks[t].anc[:len(blocks[t].anc)-1])
		}
	}
	if len(chains) < 2 {
		return nil
	}
	var lca *html.Node
	for i := 0; ; i++ {
		var n *html.Node
		for _, c := range chains {
			if i >= len(c) || (n != nil && c[i] != n) {
				return lca
			}
			n = c[i]
		}
		lca = n
	}
}

func within(anc []*html.Node, n *html.Node) bool {
	if anc == nil {
		return true
	}
	for _, a := range anc {
		if a == n {
			return true
		}
	}
	return false
}

// signature takes the 落款 off the end of section 六: a date line (or the blank date of a
// copy not yet dated), and the short line before it naming the agency.
func signature(ls []string, agency string) ([]string, report.Signature) {
	var sig report.Signature
	// What follows the 落款 (a page's 更正记录, a portal's footer) is not the report.
	for i, l := range ls {
		if l == "更正记录" {
			ls = ls[:i]
			break
		}
	}
	for i, l := range ls {
		d := strings.ReplaceAll(digits(l), " ", "")
		if dateLine.MatchString(d) || blankDate.MatchString(d) {
			ls = ls[:i+1]
			break
		}
	}
	n := len(ls)
	if n == 0 {
		return ls, sig
	}
	last := strings.ReplaceAll(digits(ls[n-1]), " ", "")
	isDate := dateLine.MatchString(last)
	if isDate || blankDate.MatchString(last) {
		if isDate {
			sig.Date = ls[n-1]
		}
		n--
		if n > 0 && utf8.RuneCountInString(ls[n-1]) <= 40 && !strings.ContainsAny(ls[n-1], "。；，,") {
			sig.Name = ls[n-1]
			n--
		}
		return ls[:n], sig
	}
	if agency != "" && ls[n-1] == agency {
		return ls[:n-1], report.Signature{Name: agency}
	}
	return ls, sig
}

// layoutTables turns the tables that hold none of the report's labels, and do not
// continue a table that does, into text: a portal lays its title, dates and footer out
// in tables.
func layoutTables(blocks []block) []block {
	var all []map[string]bool
	for _, f := range report.Formats() {
		for _, t := range f.Tables() {
			all = append(all, labelSet(t))
		}
	}
	out := make([]block, 0, len(blocks))
	prevReport := false
	for _, b := range blocks {
		if b.table == nil {
			out = append(out, b)
			if len(b.lines) > 0 {
				prevReport = false
			}
			continue
		}
		hits := 0
		seen := map[*tcell]bool{}
		for _, r := range b.table {
			for _, c := range r {
				if c == nil || seen[c] {
					continue
				}
				seen[c] = true
				for _, set := range all {
					if isLabel(set, c.text) {
						hits++
						break
					}
				}
			}
		}
		if hits >= 3 || prevReport {
			out = append(out, b)
			prevReport = hits >= 3 || prevReport
			continue
		}
		tb := block{tag: "td", anc: b.anc}
		for _, r := range b.table {
			seen := map[*tcell]bool{}
			for _, c := range r {
				if c != nil && !seen[c] && c.text != "" {
					seen[c] = true
					tb.lines = append(tb.lines, c.text)
				}
			}
		}
		if len(tb.lines) > 0 {
			out = append(out, tb)
		}
	}
	return out
}
