package render

import (
	"bytes"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"nianbao/infra/browser"
	"nianbao/infra/office"
)

// printPDF prints the page at url to A4 as the browser's print dialog does (the page's
// @page size and margins) and writes it to dir/name.
func printPDF(t *testing.T, b *browser.Browser, url, dir, name string) string {
	t.Helper()
	if err := b.Navigate(url); err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(b.Context(), chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize()))
	if err != nil {
		t.Fatalf("print: %v", err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestBrowserPrintsThePublishedPage prints the published page of each fixture to PDF in
// Chromium: A4 pages, the header of table 三 on every page its rows are on, no row cut
// by a page break, no navigation or data links, and the 落款 as the last text.
func TestBrowserPrintsThePublishedPage(t *testing.T) {
	office.Need(t, "pdftotext")
	root := t.TempDir()
	css, err := fs.ReadFile(Assets(), StylesheetName)
	if err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "assets"), 0o755)
	os.WriteFile(filepath.Join(root, "assets", StylesheetName), css, 0o644)
	published := time.Date(2026, 1, 20, 9, 30, 0, 0, Beijing())
	fixtures := []string{"chaoyang-emergency-2020", "sample-2021"}
	for _, name := range fixtures {
		doc := loadFixture(t, name+".json")
		rj, _ := ReportJSON(doc)
		m := NewMeta(rj, 1, published, nil)
		var page bytes.Buffer
		// One folder below the root, as reports/{agency}/{year}/ is two: the stylesheet
		// is linked from the root of the tree.
		if err := Page(&page, doc, &m, PageOptions{Place: PlaceCurrent, AssetBase: "/assets/", Docx: "report.docx"}); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(root, name+".html"), page.Bytes(), 0o644)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	defer srv.Close()
	artifacts := browser.ArtifactDirForTest(t)
	b := browser.ForTest(t, browser.Options{Width: 1280, Height: 900})

	spans := 0
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			doc := loadFixture(t, name+".json")
			f := doc.Spec()
			pdf := printPDF(t, b, srv.URL+"/"+name+".html", artifacts, "published-"+name+".pdf")
			boxes, err := office.Boxes(pdf)
			if err != nil {
				t.Fatal(err)
			}
			for i, p := range boxes {
				if !p.IsA4() {
					t.Errorf("page %d is %.0f×%.0f pt", i+1, p.Width, p.Height)
				}
			}
			pages, err := office.PageTexts(pdf)
			if err != nil {
				t.Fatal(err)
			}
			all := office.Squeeze(strings.Join(pages, ""))
			for _, gone := range []string{"下载Word版", "数据文件", "report.json", "›"} {
				if strings.Contains(all, gone) {
					t.Errorf("the print shows %q", gone)
				}
			}
			c := ClosingOf(doc, published)
			if !strings.HasSuffix(all, office.Squeeze(c.Name+c.Date)) {
				t.Errorf("the print does not end with the 落款 %q: …%s", c.Name+c.Date, all[max(0, len(all)-120):])
			}
			// Each page with a row of table 三 has the table's header; each row label
			// is whole on one page.
			var head []string
			for _, row := range Layout(nil, f.Requests).Head {
				for _, cell := range row {
					if cell.Class != "corner" {
						head = append(head, office.Squeeze(cell.Text))
					}
				}
			}
			on := 0
			for _, r := range f.Requests.Rows {
				label := office.Squeeze(r.Label)
				found := false
				for _, p := range pages {
					if strings.Contains(office.Squeeze(p), label) {
						found = true
					}
				}
				if !found {
					t.Errorf("row %q is cut across pages (or missing)", r.Label)
				}
			}
			for i, p := range pages {
				sp := office.Squeeze(p)
				has := false
				for _, r := range f.Requests.Rows {
					if r.Path[0].Short || len(r.Path) > 1 { // a row of the table's body
						has = has || strings.Contains(sp, office.Squeeze(r.Label))
					}
				}
				if strings.Contains(sp, office.Squeeze(f.RequestsNew.Label)) || strings.Contains(sp, office.Squeeze(f.RequestsForward.Label)) {
					has = true
				}
				if !has {
					continue
				}
				on++
				for _, h := range head {
					if !strings.Contains(sp, h) {
						t.Errorf("page %d has rows of table 三 but not its header %q", i+1, h)
					}
				}
			}
			if on > 1 {
				spans++
			}
		})
	}
	if spans == 0 {
		t.Error("in no fixture does table 三 span two pages: the header's repetition went untested")
	}
}
