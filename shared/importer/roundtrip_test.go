package importer

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"nianbao/shared/filing"
	"nianbao/shared/render"
	"nianbao/shared/report"
)

var fixtures = []string{"sample-2021.json", "legacy-2023.json", "chaoyang-emergency-2020.json"}

func fixture(t testing.TB, name string) *report.Document {
	t.Helper()
	raw, err := os.ReadFile("../report/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.DecodeBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// canonical is a document as a reader of its printed copy can know it: texts as their
// paragraphs (a page prints one paragraph per line, the indentation its own), units only
// where they differ from the column's (the page prints 本年收费金额（单位：万元） either way),
// printed texts only where they are not the number itself.
func canonical(t *testing.T, d *report.Document) map[string]any {
	t.Helper()
	c := d.Clone()
	para := func(s string) string { return strings.Join(report.Paragraphs(s), "\n") }
	c.Sections.Preamble, c.Sections.Overview = para(c.Sections.Preamble), para(c.Sections.Overview)
	c.Sections.Problems, c.Sections.Other = para(c.Sections.Problems), para(c.Sections.Other)
	c.Notes.Proactive, c.Notes.Requests, c.Notes.Appeals = para(c.Notes.Proactive), para(c.Notes.Requests), para(c.Notes.Appeals)
	f := c.Spec()
	for path, u := range c.Units {
		parts := strings.Split(path, ".")
		if col := f.Table(parts[0]).Column(parts[2]); col != nil && col.Unit == u {
			delete(c.Units, path)
		}
	}
	for path, p := range c.Printed {
		parts := strings.Split(path, ".")
		if c.Grid(parts[0]).Get(parts[1], parts[2]).String() == p {
			delete(c.Printed, path)
		}
	}
	raw, err := c.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func sameDocument(t *testing.T, want, got *report.Document) {
	t.Helper()
	w, g := canonical(t, want), canonical(t, got)
	for _, k := range []string{"format", "agency", "year", "title", "sections", "proactive", "requests", "appeals", "notes", "printed", "units", "signature"} {
		wj, _ := json.Marshal(w[k])
		gj, _ := json.Marshal(g[k])
		if !bytes.Equal(wj, gj) {
			t.Errorf("%s:\n got %s\nwant %s", k, gj, wj)
		}
	}
}

func mustImport(t *testing.T, name string, data []byte, opt Options) *Result {
	t.Helper()
	res, err := Import(name, data, opt)
	if err != nil {
		t.Fatalf("import %s: %v", name, err)
	}
	for _, p := range res.Problems {
		t.Errorf("%s: %s", name, p)
	}
	return res
}

// Every page nianbao renders, preview and published, imports back to its document.
func TestRoundTripPage(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			doc := fixture(t, name)
			for _, v := range []struct {
				place render.Place
				meta  *render.Meta
			}{
				{render.PlacePreview, nil},
				{render.PlaceCurrent, &render.Meta{PublishedAt: time.Date(2026, 1, 20, 9, 0, 0, 0, render.Beijing()), Version: 2,
					Corrections: []render.Correction{{Version: 1, PublishedAt: time.Date(2026, 1, 10, 9, 0, 0, 0, render.Beijing()), Reason: "更正表三"}}}},
			} {
				var page bytes.Buffer
				if err := render.Page(&page, doc, v.meta, render.PageOptions{Place: v.place, Docx: "report.docx"}); err != nil {
					t.Fatal(err)
				}
				res := mustImport(t, "index.html", page.Bytes(), Options{})
				want := doc
				if v.meta != nil && doc.Signature.Date == "" {
					// A published page prints the 落款 with its date of publication.
					want = doc.Clone()
					c := render.ClosingOf(doc, v.meta.PublishedAt)
					want.Signature = report.Signature{Name: c.Name, Date: c.Date}
				}
				sameDocument(t, want, res.Doc)
			}
		})
	}
}

// Every Word copy nianbao makes imports back to its document.
func TestRoundTripDocx(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			doc := fixture(t, name)
			docx, err := filing.Report(doc, render.ClosingOf(doc, time.Time{}))
			if err != nil {
				t.Fatal(err)
			}
			res := mustImport(t, "report.docx", docx, Options{})
			if res.Kind != "docx" {
				t.Errorf("kind = %q", res.Kind)
			}
			sameDocument(t, doc, res.Doc)
		})
	}
}
