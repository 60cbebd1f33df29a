package render

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// The seed report prints 行政处罚 as 「13宗共113200元」: the texts stand in their cells,
// not in a note under the table.
func TestPrintedTextsInTheirCells(t *testing.T) {
	doc := loadFixture(t, "chaoyang-emergency-2020.json")
	page := parse(t, renderPage(t, doc, nil, PageOptions{}))
	var penalty []string
	for _, tr := range all(gridTable(t, page, "proactive"), isAtom(atom.Tr)) {
		ths := all(tr, isAtom(atom.Th))
		if len(ths) == 1 && text(ths[0]) == "行政处罚" {
			for _, td := range all(tr, isAtom(atom.Td)) {
				penalty = append(penalty, text(td))
			}
		}
	}
	if want := []string{"13宗共113200元", "7宗共312800元", "7宗共312800元"}; !slices.Equal(penalty, want) {
		t.Errorf("行政处罚 cells %q, want %q", penalty, want)
	}
	if notes := all(page, func(n *html.Node) bool { return hasClass(n, "note") }); len(notes) != 0 {
		t.Errorf("a note is printed: %q", text(notes[0]))
	}
	// Without the texts, the numbers.
	doc.Printed = nil
	page = parse(t, renderPage(t, doc, nil, PageOptions{}))
	if s := text(gridTable(t, page, "proactive")); strings.Contains(s, "113200") || !strings.Contains(s, "13") {
		t.Errorf("table 二 without printed texts: %q", s)
	}
}

func TestTitlePreambleSignature(t *testing.T) {
	doc := loadFixture(t, "legacy-2023.json")
	page := parse(t, renderPage(t, doc, nil, PageOptions{}))
	if got := text(first(t, page, "h1", isAtom(atom.H1))); got != doc.Title {
		t.Errorf("h1 %q, want %q", got, doc.Title)
	}
	if got := text(first(t, page, "title", isAtom(atom.Title))); got != doc.Title {
		t.Errorf("title %q, want %q", got, doc.Title)
	}
	article := first(t, page, "article", isAtom(atom.Article))
	var order []string
	for c := article.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		switch {
		case hasClass(c, "preamble"):
			order = append(order, "preamble")
		case hasClass(c, "signature"):
			order = append(order, "signature")
		case hasClass(c, "part"):
			order = append(order, attr(c, "id"))
		}
	}
	if want := []string{"preamble", "s1", "s2", "s3", "s4", "s5", "s6", "signature"}; !slices.Equal(order, want) {
		t.Errorf("article order %q, want %q", order, want)
	}
	pre := first(t, page, "preamble", func(n *html.Node) bool { return hasClass(n, "preamble") })
	if !strings.Contains(text(pre), "统计期限自2023年1月1日起") {
		t.Errorf("preamble %q", text(pre))
	}
	sig := first(t, page, "signature", func(n *html.Node) bool { return hasClass(n, "signature") })
	if len(all(sig, isAtom(atom.Br))) != 1 || !strings.HasPrefix(text(sig), doc.Signature.Name) || !strings.HasSuffix(text(sig), doc.Signature.Date) {
		t.Errorf("signature %q", text(sig))
	}
	// A report without them prints the standard title and neither part.
	plain := loadFixture(t, "sample-2021.json")
	page = parse(t, renderPage(t, plain, nil, PageOptions{}))
	if got := text(first(t, page, "h1", isAtom(atom.H1))); got != Title(plain.Agency, plain.Year) {
		t.Errorf("standard title %q", got)
	}
	if n := all(page, func(n *html.Node) bool { return hasClass(n, "preamble") || hasClass(n, "signature") }); len(n) != 0 {
		t.Errorf("%d preamble/signature elements without the fields", len(n))
	}
}

// gip-2021 with requests.other prints one （六）其他处理 row, as the report printed it.
func TestLegacyRowPrintedOnce(t *testing.T) {
	doc := loadFixture(t, "legacy-2023.json")
	page := parse(t, renderPage(t, doc, nil, PageOptions{}))
	var six []string
	for _, th := range all(gridTable(t, page, "requests"), isAtom(atom.Th)) {
		if strings.Contains(text(th), "（六）") || strings.Contains(text(th), "3.其他") {
			six = append(six, text(th))
		}
	}
	if !slices.Equal(six, []string{"（六）其他处理"}) {
		t.Errorf("（六） headers %q, want one （六）其他处理 row", six)
	}
}

func TestUnitInHeader(t *testing.T) {
	doc := loadFixture(t, "chaoyang-emergency-2020.json")
	heads := func() []string {
		var out []string
		for _, th := range all(gridTable(t, parse(t, renderPage(t, doc, nil, PageOptions{})), "proactive"), isAtom(atom.Th)) {
			if strings.HasPrefix(text(th), "采购总金额") {
				out = append(out, text(th))
			}
		}
		return out
	}
	if got := heads(); !slices.Equal(got, []string{"采购总金额"}) {
		t.Errorf("without a unit: %q", got)
	}
	doc.Units = map[string]string{"proactive.procurement.amount": "万元"}
	if got := heads(); !slices.Equal(got, []string{"采购总金额（单位：万元）"}) {
		t.Errorf("in 万元: %q", got)
	}
	doc.Units = nil
	if got := heads(); !slices.Equal(got, []string{"采购总金额"}) {
		t.Errorf("the unit stayed in the shared layout: %q", got)
	}
}
