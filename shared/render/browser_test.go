package render

import (
	"bytes"
	"io/fs"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"nianbao/infra/browser"
	"nianbao/shared/report"
)

// publishTree writes a published tree as the publish step lays it out in S3: the seed
// report in two versions (the second correcting the first), the indexes and the assets.
func publishTree(t *testing.T, doc *report.Document) string {
	t.Helper()
	root := t.TempDir()
	write := func(rel string, data []byte) {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	page := func(doc *report.Document, m *Meta, place Place) []byte {
		var b bytes.Buffer
		if err := Page(&b, doc, m, PageOptions{Place: place}); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	css, err := fs.ReadFile(Assets(), StylesheetName)
	if err != nil {
		t.Fatal(err)
	}
	write("reports/assets/"+StylesheetName, css)

	v1 := doc.Clone()
	v1.Sections.Other = "（第1版的文字）"
	t1 := time.Date(2026, 1, 15, 10, 0, 0, 0, Beijing())
	t2 := time.Date(2026, 1, 20, 9, 30, 0, 0, Beijing())
	dir := "reports/demo/2025/"
	var entries []IndexEntry
	var corrections []Correction
	for i, d := range []*report.Document{v1, doc} {
		version, at := i+1, []time.Time{t1, t2}[i]
		rj, err := ReportJSON(d)
		if err != nil {
			t.Fatal(err)
		}
		m := NewMeta(rj, version, at, corrections)
		mj, err := m.JSON()
		if err != nil {
			t.Fatal(err)
		}
		vdir := dir + VersionDir(version) + "/"
		write(vdir+"index.html", page(d, &m, PlaceVersion))
		write(vdir+"report.json", rj)
		write(vdir+"meta.json", mj)
		write(dir+"index.html", page(d, &m, PlaceCurrent))
		write(dir+"report.json", rj)
		write(dir+"meta.json", mj)
		entries = append(entries, IndexEntry{AgencyID: "demo", Agency: d.Agency, Year: d.Year, Version: version, PublishedAt: at})
		corrections = append(corrections, Correction{Version: version, PublishedAt: at, Reason: "补充第六部分"})
	}
	var b bytes.Buffer
	if err := AgencyIndex(&b, "demo", doc.Agency, entries, IndexOptions{}); err != nil {
		t.Fatal(err)
	}
	write("reports/demo/index.html", b.Bytes())
	b.Reset()
	if err := SiteIndex(&b, entries, IndexOptions{}); err != nil {
		t.Fatal(err)
	}
	write("reports/index.html", b.Bytes())
	return root
}

type box struct {
	Text             string
	Tag              string
	Colspan, Rowspan int
	Left, Right      float64
	Top, Bottom      float64
}

// The shape of table 三 and the page's width, read through the DOM after layout.
const probeRequests = `(() => {
  const t = document.querySelector('table.grid.requests');
  const rect = c => { const r = c.getBoundingClientRect(); return {Text: c.textContent.trim(), Tag: c.tagName.toLowerCase(), Colspan: c.colSpan, Rowspan: c.rowSpan, Left: r.left, Right: r.right, Top: r.top, Bottom: r.bottom}; };
  const head = Array.from(t.tHead.rows, r => Array.from(r.cells, rect));
  const groups = Array.from(t.querySelectorAll('tbody th.group'), rect);
  const scrolls = Array.from(document.querySelectorAll('.scroll'), s => ({Text: s.querySelector('caption') ? s.querySelector('caption').textContent : '', Scroll: s.scrollWidth, Client: s.clientWidth}));
  return {
    Head: head, Groups: groups, Scrolls: scrolls,
    PageScroll: document.documentElement.scrollWidth, PageClient: document.documentElement.clientWidth,
    NumberAlign: getComputedStyle(t.querySelector('td.n')).textAlign,
    Links: Array.from(document.querySelectorAll('a[href], link[href]'), a => a.href),
  };
})()`

type probe struct {
	Head    [][]box
	Groups  []box
	Scrolls []struct {
		Text           string
		Scroll, Client int
	}
	PageScroll  int
	PageClient  int
	NumberAlign string
	Links       []string
}

func near(a, b float64) bool { return math.Abs(a-b) < 1.5 }

// TestBrowserReportPage opens the published seed report in Debian's headless Chromium:
// table 三 has the official header shape on screen, nothing overflows at 1280 px, a
// phone scrolls the tables instead of the page, the stylesheet loads under the CSP, and
// every relative link of the tree resolves. Screenshots and an A4 print go to the
// artifact folder.
func TestBrowserReportPage(t *testing.T) {
	doc := loadFixture(t, "sample-2021.json")
	f := doc.Spec()
	root := publishTree(t, doc)
	srv := httptest.NewServer(http.FileServer(http.Dir(root)))
	defer srv.Close()
	artifacts := browser.ArtifactDirForTest(t)
	b := browser.ForTest(t, browser.Options{Width: 1280, Height: 900})

	pageURL := srv.URL + "/reports/demo/2025/index.html"
	if err := b.Navigate(pageURL); err != nil {
		t.Fatal(err)
	}
	p, err := browser.Eval[probe](b, probeRequests)
	if err != nil {
		t.Fatal(err)
	}
	if p.NumberAlign != "right" {
		t.Errorf("numbers aligned %q: the stylesheet did not load", p.NumberAlign)
	}

	// The official header: the 勾稽 note over the row labels, 申请人情况 over seven
	// columns, 法人或其他组织 over its five.
	rt := f.Requests
	legal := rt.Blocks[0].ColumnTree[1]
	want := [][]box{
		{{Tag: "td", Text: rt.Corner, Colspan: 3, Rowspan: 3}, {Tag: "th", Text: rt.CaseHeading, Colspan: 7, Rowspan: 1}},
		{{Tag: "th", Text: rt.Columns[0].Label, Colspan: 1, Rowspan: 2}, {Tag: "th", Text: legal.Label, Colspan: 5, Rowspan: 1}, {Tag: "th", Text: rt.Columns[6].Label, Colspan: 1, Rowspan: 2}},
		{},
	}
	for _, c := range legal.Children {
		want[2] = append(want[2], box{Tag: "th", Text: c.Label, Colspan: 1, Rowspan: 1})
	}
	if len(p.Head) != len(want) {
		t.Fatalf("table 三 has %d header rows, want %d", len(p.Head), len(want))
	}
	for i := range want {
		if len(p.Head[i]) != len(want[i]) {
			t.Fatalf("header row %d has %d cells, want %d", i, len(p.Head[i]), len(want[i]))
		}
		for j, w := range want[i] {
			g := p.Head[i][j]
			if g.Tag != w.Tag || g.Text != w.Text || g.Colspan != w.Colspan || g.Rowspan != w.Rowspan {
				t.Errorf("header row %d cell %d: %s %q c%d r%d, want %s %q c%d r%d", i, j, g.Tag, g.Text, g.Colspan, g.Rowspan, w.Tag, w.Text, w.Colspan, w.Rowspan)
			}
		}
	}
	// And on screen: the spanning cells cover exactly the cells under them.
	corner, caseH := p.Head[0][0], p.Head[0][1]
	natural, legalH, total := p.Head[1][0], p.Head[1][1], p.Head[1][2]
	leaves := p.Head[2]
	checks := []struct {
		what string
		ok   bool
	}{
		{"申请人情况 starts over 自然人", near(caseH.Left, natural.Left)},
		{"申请人情况 ends over 总计", near(caseH.Right, total.Right)},
		{"法人或其他组织 starts over 商业企业", near(legalH.Left, leaves[0].Left)},
		{"法人或其他组织 ends over 其他", near(legalH.Right, leaves[4].Right)},
		{"the note reaches down to the leaf headers", near(corner.Bottom, leaves[0].Bottom)},
		{"自然人 reaches down to the leaf headers", near(natural.Bottom, leaves[0].Bottom)},
		{"the note ends where 自然人 starts", near(corner.Right, natural.Left)},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("table 三 on screen: %s is false (%+v)", c.what, p.Head)
		}
	}
	if len(p.Groups) == 0 || p.Groups[0].Rowspan != len(f.ResultRows)+1 {
		t.Errorf("三、本年度办理结果 spans %v, want the %d result rows and （七）总计", p.Groups, len(f.ResultRows)+1)
	}

	// No horizontal overflow at 1280 px: neither the page nor any table box scrolls.
	if p.PageScroll > p.PageClient {
		t.Errorf("page is %d px wide in a %d px window", p.PageScroll, p.PageClient)
	}
	for _, s := range p.Scrolls {
		if s.Scroll > s.Client {
			t.Errorf("table %q overflows its box at 1280 px: %d > %d", s.Text, s.Scroll, s.Client)
		}
	}
	shot(t, b, artifacts, "report-1280.png")

	// Every relative link of the report page, and of the indexes, resolves in the tree.
	links := p.Links
	for i, idx := range []string{"/reports/index.html", "/reports/demo/index.html", "/reports/demo/2025/v1/index.html"} {
		if err := b.Navigate(srv.URL + idx); err != nil {
			t.Fatal(err)
		}
		if i < 2 {
			shot(t, b, artifacts, []string{"site-index.png", "agency-index.png"}[i])
		}
		more, err := browser.Eval[[]string](b, `Array.from(document.querySelectorAll('a[href], link[href]'), a => a.href)`)
		if err != nil {
			t.Fatal(err)
		}
		links = append(links, more...)
	}
	for _, l := range links {
		u, err := url.Parse(l)
		if err != nil || !strings.HasPrefix(l, srv.URL+"/reports/") {
			t.Errorf("link %q leaves the published tree", l)
			continue
		}
		u.Fragment = ""
		resp, err := http.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("link %s: %s", l, resp.Status)
		}
	}

	// A phone: the page keeps its width, the wide tables scroll inside their boxes.
	if err := b.Navigate(pageURL); err != nil {
		t.Fatal(err)
	}
	if err := b.SetViewport(375, 800); err != nil {
		t.Fatal(err)
	}
	p, err = browser.Eval[probe](b, probeRequests)
	if err != nil {
		t.Fatal(err)
	}
	if p.PageScroll > p.PageClient {
		t.Errorf("on a 375 px phone the page is %d px wide", p.PageScroll)
	}
	scrolls := 0
	for _, s := range p.Scrolls {
		if s.Scroll > s.Client {
			scrolls++
		}
	}
	if scrolls == 0 {
		t.Errorf("on a 375 px phone no table scrolls sideways: %+v", p.Scrolls)
	}
	shot(t, b, artifacts, "report-375.png")

	// Print on A4 (the artifact is for a person to look at).
	if err := b.SetViewport(1280, 900); err != nil {
		t.Fatal(err)
	}
	pdf, err := chromedp.Run(b.Context(), chromedp.PrintToPDF(chromedp.PDFPaper(chromedp.PaperA4)))
	if err != nil {
		t.Fatalf("print: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF")) {
		t.Error("print gave no PDF")
	}
	if err := os.WriteFile(filepath.Join(artifacts, "report-a4.pdf"), pdf, 0o644); err != nil {
		t.Fatal(err)
	}

	// The CSP let the stylesheet in and nothing complained.
	for _, m := range b.Console() {
		if strings.HasSuffix(m.URL, "/favicon.ico") { // the browser asks on its own; the tree has none
			continue
		}
		if m.Type == "error" || m.Type == "warning" || m.IsException() {
			t.Errorf("browser console: %s %s (%s)", m.Type, m.Text, m.URL)
		}
	}
}

func shot(t *testing.T, b *browser.Browser, dir, name string) {
	t.Helper()
	path, err := b.Screenshot(dir, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", path)
}
