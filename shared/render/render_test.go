package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"nianbao/shared/report"
)

func TestReportJSONIsTheDocument(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.format, func(t *testing.T) {
			doc := loadFixture(t, fx.file)
			doc.Sections.Other += "\n<b>&amp;</b> 「引号」\"双引号\" 反斜杠\\u003c"
			out, err := ReportJSON(doc)
			if err != nil {
				t.Fatal(err)
			}
			back, err := report.DecodeBytes(out)
			if err != nil {
				t.Fatalf("report.json does not decode as a report document: %v", err)
			}
			a, _ := doc.MarshalJSON()
			b, _ := back.MarshalJSON()
			if !bytes.Equal(a, b) {
				t.Errorf("report.json reads back as a different document:\n%s\n%s", a, b)
			}
			if back.Sections.Other != doc.Sections.Other {
				t.Errorf("text changed: %q", back.Sections.Other)
			}
			s := string(out)
			if !strings.Contains(s, `<b>&amp;</b>`) || strings.Contains(s, `\u003cb`) {
				t.Error("report.json escapes HTML characters; it should hold the text as written")
			}
			if !strings.Contains(s, `反斜杠\\u003c`) {
				t.Error("an escaped backslash before u003c was unescaped")
			}
			if !strings.HasPrefix(s, "{\n  \"format\": ") || !strings.HasSuffix(s, "}\n") {
				t.Errorf("report.json is not indented JSON: %.40q", s)
			}
		})
	}
}

func TestMeta(t *testing.T) {
	doc := loadFixture(t, "sample-2021.json")
	rj, err := ReportJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	utc := time.Date(2026, 1, 19, 16, 30, 0, 0, time.UTC) // 2026-01-20 00:30 北京时间
	m := NewMeta(rj, 2, utc, []Correction{{Version: 1, PublishedAt: utc.Add(-48 * time.Hour), Reason: "更正表三<总计>"}})
	if !m.Verify(rj) || m.Verify(append(rj, ' ')) {
		t.Error("Verify does not match the report.json bytes")
	}
	if len(m.SHA256) != 64 {
		t.Errorf("sha256 %q", m.SHA256)
	}
	out, err := m.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(got))
	for k := range got {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"corrections", "published_at", "sha256", "version"}; !slices.Equal(keys, want) {
		t.Errorf("meta.json keys %v, want %v", keys, want)
	}
	if got["published_at"] != "2026-01-20T00:30:00+08:00" {
		t.Errorf("published_at %v, want 北京时间", got["published_at"])
	}
	c := got["corrections"].([]any)[0].(map[string]any)
	if c["version"] != 1.0 || c["reason"] != "更正表三<总计>" || c["published_at"] != "2026-01-18T00:30:00+08:00" {
		t.Errorf("correction %v", c)
	}
	empty, _ := NewMeta(rj, 1, utc, nil).JSON()
	if !strings.Contains(string(empty), `"corrections": []`) {
		t.Errorf("no corrections should be [], got %s", empty)
	}
	var round Meta
	if err := json.Unmarshal(out, &round); err != nil || round.Version != 2 || !round.PublishedAt.Equal(utc) {
		t.Errorf("meta.json does not read back: %v %+v", err, round)
	}
}

func TestDates(t *testing.T) {
	utc := time.Date(2026, 1, 19, 16, 5, 0, 0, time.UTC)
	if got := Date(utc); got != "2026年1月20日" {
		t.Errorf("Date = %q", got)
	}
	if got := DateTime(utc); got != "2026年1月20日 00:05" {
		t.Errorf("DateTime = %q", got)
	}
}

// links lists the href of every link and stylesheet of a page.
func links(root *html.Node) []string {
	var out []string
	for _, n := range all(root, func(n *html.Node) bool { return n.DataAtom == atom.A || n.DataAtom == atom.Link }) {
		out = append(out, attr(n, "href"))
	}
	return out
}

func TestPublicationOnThePage(t *testing.T) {
	doc := loadFixture(t, "sample-2021.json")
	rj, _ := ReportJSON(doc)
	published := time.Date(2026, 1, 20, 9, 30, 0, 0, Beijing())
	meta := NewMeta(rj, 3, published, []Correction{
		{Version: 1, PublishedAt: time.Date(2026, 1, 10, 8, 0, 0, 0, Beijing()), Reason: "表三总计有误"},
		{Version: 2, PublishedAt: time.Date(2026, 1, 15, 8, 0, 0, 0, Beijing()), Reason: "补充第六部分信息处理费情况"},
	})
	cases := []struct {
		name      string
		meta      *Meta
		place     Place
		wantLinks []string
		want      []string // texts that must be on the page
		absent    []string
	}{
		{
			name: "preview", place: PlacePreview,
			wantLinks: []string{"assets/nianbao.css"},
			want:      []string{"预览", "草稿，尚未发布"},
			absent:    []string{"发布日期", "更正记录"},
		},
		{
			name: "current", meta: &meta, place: PlaceCurrent,
			wantLinks: []string{
				"../../assets/nianbao.css", "../../index.html", "../index.html", "#corrections",
				"v1/index.html", "v2/index.html", "report.json",
			},
			want: []string{"发布日期", "2026年1月10日 08:00", "更正日期", "2026年1月20日 09:30", "第3版", "更正记录", "首次发布",
				"表三总计有误", "补充第六部分信息处理费情况", "第3版（本版）", "数据下载：JSON"},
			absent: []string{"预览", "存档", meta.SHA256, "SHA-256"},
		},
		{
			name: "version", meta: &meta, place: PlaceVersion,
			wantLinks: []string{
				"../../../assets/nianbao.css", "../../../index.html", "../../index.html", "../index.html", "#corrections",
				"../v1/index.html", "../v2/index.html", "report.json",
			},
			want:   []string{"第3版的存档", "查看当前版本", "更正记录"},
			absent: []string{"预览"},
		},
		{
			name: "preview of a published version", meta: &meta, place: PlacePreview,
			wantLinks: []string{"assets/nianbao.css", "#corrections"},
			want:      []string{"发布日期", "第1版", "第2版"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			page := renderPage(t, doc, c.meta, PageOptions{Place: c.place})
			root := parse(t, page)
			got := links(root)
			for _, l := range c.wantLinks {
				if !slices.Contains(got, l) {
					t.Errorf("no link %q in %q", l, got)
				}
			}
			for _, l := range got {
				if l == "" || strings.HasPrefix(l, "/") || strings.Contains(l, ":") {
					t.Errorf("link %q is not relative", l)
				}
				if !slices.Contains(c.wantLinks, l) {
					t.Errorf("unexpected link %q", l)
				}
			}
			body := text(root)
			for _, s := range c.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range c.absent {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
			robots := all(root, func(n *html.Node) bool { return n.DataAtom == atom.Meta && attr(n, "name") == "robots" })
			if (len(robots) == 1) != (c.meta == nil || c.place == PlacePreview) {
				t.Errorf("robots noindex: %d metas", len(robots))
			}
		})
	}
}

func TestPageSections(t *testing.T) {
	doc := loadFixture(t, "chaoyang-emergency-2020.json")
	doc.Sections.Problems = "　　第一段。\r\n\r\n　　第二段。\n\n\n第三段。  "
	doc.Sections.Other = ""
	doc.Notes.Proactive = "注：采购金额单位为元。"
	root := parse(t, renderPage(t, doc, nil, PageOptions{}))
	var headings []string
	for _, h := range all(root, isAtom(atom.H2)) {
		headings = append(headings, text(h))
	}
	var want []string
	for _, s := range doc.Spec().Sections {
		want = append(want, s.Heading)
	}
	if !slices.Equal(headings, want) {
		t.Errorf("section headings %q, want %q", headings, want)
	}
	problems := first(t, root, "section 五", func(n *html.Node) bool { return attr(n, "id") == "s5" })
	var paras []string
	for _, p := range all(problems, isAtom(atom.P)) {
		paras = append(paras, text(p))
	}
	if !slices.Equal(paras, []string{"第一段。", "第二段。", "第三段。"}) {
		t.Errorf("paragraphs %q", paras)
	}
	// The note sits under its table, inside the table's section.
	s2 := first(t, root, "section 二", func(n *html.Node) bool { return attr(n, "id") == "s2" })
	notes := all(s2, func(n *html.Node) bool { return hasClass(n, "note") })
	if len(notes) != 1 || text(notes[0]) != doc.Notes.Proactive {
		t.Errorf("note under table 二: %d", len(notes))
	}
	if text(first(t, root, "title", isAtom(atom.Title))) != "汕头市潮阳区应急管理局2020年度政府信息公开工作年度报告" {
		t.Error("title")
	}
}

func TestPageRefusesUnknownFormat(t *testing.T) {
	doc := loadFixture(t, "sample-2021.json")
	doc.Format = "gip-2030"
	if err := Page(&bytes.Buffer{}, doc, nil, PageOptions{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("unknown format: %v", err)
	}
	doc = loadFixture(t, "sample-2021.json")
	doc.Format = "gip-2019" // grids still laid out for gip-2021
	if err := Page(&bytes.Buffer{}, doc, nil, PageOptions{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("grids of another format: %v", err)
	}
}

func TestArticleIsAFragment(t *testing.T) {
	var b bytes.Buffer
	if err := Article(&b, loadFixture(t, "sample-2021.json"), nil, PageOptions{}); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	if !strings.HasPrefix(s, "<article") || strings.Contains(s, "<html") || !strings.Contains(s, "申请人情况") {
		t.Errorf("Article: %.60q", s)
	}
}

func TestAssets(t *testing.T) {
	css, err := fs.ReadFile(Assets(), StylesheetName)
	if err != nil {
		t.Fatal(err)
	}
	s := string(css)
	for _, want := range []string{"@page", "A4", "@media print", "overflow-x: auto", "Noto Sans CJK SC", "Microsoft YaHei"} {
		if !strings.Contains(s, want) {
			t.Errorf("stylesheet lacks %q", want)
		}
	}
	// Nothing is fetched from elsewhere: no web fonts, no imports, no remote URLs.
	for _, bad := range []string{"@import", "@font-face", "url(", "http:", "https:"} {
		if strings.Contains(s, bad) {
			t.Errorf("stylesheet has %q", bad)
		}
	}
}

func TestIndexes(t *testing.T) {
	at := func(d int) time.Time { return time.Date(2026, 1, d, 10, 0, 0, 0, Beijing()) }
	entries := []IndexEntry{
		{AgencyID: "chaoyang-yjj", Agency: "汕头市潮阳区应急管理局", Year: 2020, Version: 1, PublishedAt: at(2).AddDate(-5, 0, 0)},
		{AgencyID: "chaoyang-yjj", Agency: "汕头市潮阳区应急管理局", Year: 2025, Version: 1, PublishedAt: at(10)},
		{AgencyID: "chaoyang-yjj", Agency: "汕头市潮阳区应急管理局", Year: 2025, Version: 2, PublishedAt: at(15)},
		{AgencyID: "chaoyang-yjj", Agency: "汕头市潮阳区应急管理局", Year: 2024, Version: 1, PublishedAt: at(5).AddDate(-1, 0, 0)},
		{AgencyID: "chaoyang-sjj", Agency: "汕头市潮阳区审计局", Year: 2024, Version: 1, PublishedAt: at(3).AddDate(-1, 0, 0)},
	}
	t.Run("agency", func(t *testing.T) {
		var b bytes.Buffer
		if err := AgencyIndex(&b, "chaoyang-yjj", "汕头市潮阳区应急管理局", entries, IndexOptions{}); err != nil {
			t.Fatal(err)
		}
		root := parse(t, b.Bytes())
		var years []string
		for _, h := range all(root, isAtom(atom.H2)) {
			years = append(years, text(h))
		}
		want := []string{Title("汕头市潮阳区应急管理局", 2025), Title("汕头市潮阳区应急管理局", 2024), Title("汕头市潮阳区应急管理局", 2020)}
		if !slices.Equal(years, want) {
			t.Errorf("years %q, want newest first %q", years, want)
		}
		wantLinks := []string{"../assets/nianbao.css", "../index.html", "2025/index.html", "2025/v1/index.html", "2024/index.html", "2020/index.html"}
		if got := links(root); !slices.Equal(got, wantLinks) {
			t.Errorf("links %q, want %q", got, wantLinks)
		}
		body := text(root)
		for _, s := range []string{"第2版，发布于 2026年1月15日", "第1版（2026年1月10日）"} {
			if !strings.Contains(body, s) {
				t.Errorf("agency index lacks %q", s)
			}
		}
		if strings.Contains(body, "审计局") {
			t.Error("agency index lists another agency")
		}
	})
	t.Run("site", func(t *testing.T) {
		var b bytes.Buffer
		if err := SiteIndex(&b, entries, IndexOptions{SiteTitle: "汕头市潮阳区政府信息公开工作年度报告"}); err != nil {
			t.Fatal(err)
		}
		root := parse(t, b.Bytes())
		wantLinks := []string{
			"assets/nianbao.css",
			"./chaoyang-sjj/index.html", "./chaoyang-sjj/2024/index.html",
			"./chaoyang-yjj/index.html", "./chaoyang-yjj/2025/index.html",
		}
		if got := links(root); !slices.Equal(got, wantLinks) {
			t.Errorf("links %q, want %q", got, wantLinks)
		}
		body := text(root)
		for _, s := range []string{"汕头市潮阳区政府信息公开工作年度报告", "2025年度（第2版）", "2026年1月15日", "2024年度"} {
			if !strings.Contains(body, s) {
				t.Errorf("site index lacks %q", s)
			}
		}
	})
	t.Run("empty", func(t *testing.T) {
		var b bytes.Buffer
		if err := SiteIndex(&b, nil, IndexOptions{}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), "尚未发布") {
			t.Error("empty site index says nothing")
		}
	})
}

func BenchmarkPage(b *testing.B) {
	doc := loadFixture(b, "sample-2021.json")
	rj, _ := ReportJSON(doc)
	published := time.Date(2026, 1, 20, 9, 30, 0, 0, Beijing())
	meta := NewMeta(rj, 2, published, []Correction{{Version: 1, PublishedAt: published.AddDate(0, 0, -5), Reason: "表三总计有误"}})
	var buf bytes.Buffer
	if err := Page(&buf, doc, &meta, PageOptions{Place: PlaceCurrent}); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := Page(&buf, doc, &meta, PageOptions{Place: PlaceCurrent}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "page-bytes")
}

// TestConcurrentPages renders from many goroutines at once, as the review page's handler
// does (the layouts are built lazily on first use).
func TestConcurrentPages(t *testing.T) {
	docs := []*report.Document{loadFixture(t, "sample-2021.json"), loadFixture(t, "chaoyang-emergency-2020.json")}
	want := make([][]byte, len(docs))
	for i, d := range docs {
		want[i] = renderPage(t, d, nil, PageOptions{})
	}
	errs := make(chan error, 16)
	for i := range 16 {
		go func() {
			var b bytes.Buffer
			err := Page(&b, docs[i%2], nil, PageOptions{})
			if err == nil && !bytes.Equal(b.Bytes(), want[i%2]) {
				err = errors.New("a concurrent render differs")
			}
			errs <- err
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestPublicVersionNumbers: versions are counted as the public sees them. Version 1
// returned and version 2 published is 第1版; version 3 correcting it is 第2版, with a
// row in the 更正记录 for each public version and its 更正原因.
func TestPublicVersionNumbers(t *testing.T) {
	doc := loadFixture(t, "sample-2021.json")
	rj, _ := ReportJSON(doc)
	first := time.Date(2026, 1, 12, 10, 0, 0, 0, Beijing())
	m := NewMeta(rj, 2, first, nil)
	body := text(parse(t, renderPage(t, doc, &m, PageOptions{Place: PlaceCurrent})))
	if !strings.Contains(body, "第1版") || strings.Contains(body, "第2版") || strings.Contains(body, "更正") {
		t.Errorf("the first publication (internal version 2) is not 第1版:\n%s", abbreviated(body))
	}
	corrected := time.Date(2026, 2, 3, 15, 0, 0, 0, Beijing())
	m = NewMeta(rj, 3, corrected, []Correction{{Version: 2, PublishedAt: first, Reason: "表四数字有误"}})
	root := parse(t, renderPage(t, doc, &m, PageOptions{Place: PlaceCurrent}))
	body = text(root)
	for _, want := range []string{"发布日期2026年1月12日 10:00", "更正日期2026年2月3日 15:00", "第2版（已更正"} {
		if !strings.Contains(strings.ReplaceAll(body, "\n", ""), want) {
			t.Errorf("the corrected page lacks %q:\n%s", want, abbreviated(body))
		}
	}
	rows := strings.ReplaceAll(body[strings.Index(body, "更正记录"):], "\n", " ")
	for _, want := range []string{"第1版", "首次发布", "第2版（本版）", "表四数字有误"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the 更正记录 lacks %q: %s", want, rows)
		}
	}
	if strings.Contains(rows, "第3版") {
		t.Errorf("the 更正记录 counts the internal version: %s", rows)
	}
}

func abbreviated(s string) string {
	if r := []rune(s); len(r) > 600 {
		return string(r[:600]) + "…"
	}
	return s
}

// TestIndexCountsPublicVersions: internal versions 2 and 4 of a year (1 and 3 returned)
// are 第1版 and 第2版 on the index pages.
func TestIndexCountsPublicVersions(t *testing.T) {
	at := time.Date(2026, 1, 12, 10, 0, 0, 0, Beijing())
	entries := []IndexEntry{
		{AgencyID: "ag", Agency: "示例局", Year: 2025, Version: 2, PublishedAt: at},
		{AgencyID: "ag", Agency: "示例局", Year: 2025, Version: 4, PublishedAt: at.AddDate(0, 0, 5)},
	}
	var b bytes.Buffer
	if err := AgencyIndex(&b, "ag", "示例局", entries, IndexOptions{}); err != nil {
		t.Fatal(err)
	}
	body := text(parse(t, b.Bytes()))
	if !strings.Contains(body, "第2版，发布于") || !strings.Contains(body, "第1版（") || strings.Contains(body, "第4版") {
		t.Errorf("agency index: %s", abbreviated(body))
	}
	b.Reset()
	if err := SiteIndex(&b, entries, IndexOptions{}); err != nil {
		t.Fatal(err)
	}
	if body := text(parse(t, b.Bytes())); !strings.Contains(body, "（第2版）") || strings.Contains(body, "第4版") {
		t.Errorf("site index: %s", abbreviated(body))
	}
}

// A government's index of its units: its own report first, then its units by id, each
// with its years newest first, linked relative to reports/{gov}/units/.
func TestGovernmentIndex(t *testing.T) {
	at := time.Date(2026, 1, 20, 2, 0, 0, 0, time.UTC)
	var b bytes.Buffer
	err := GovernmentIndex(&b, "gov", "示例区人民政府", []IndexEntry{
		{AgencyID: "b-dept", Agency: "乙局", Year: 2024, Version: 1, PublishedAt: at},
		{AgencyID: "a-dept", Agency: "甲局", Year: 2025, Version: 2, PublishedAt: at},
		{AgencyID: "gov", Agency: "示例区人民政府", Year: 2025, Version: 1, PublishedAt: at},
		{AgencyID: "b-dept", Agency: "乙局", Year: 2025, Version: 1, PublishedAt: at},
	}, IndexOptions{})
	if err != nil {
		t.Fatal(err)
	}
	page := b.String()
	gi, ai, bi := strings.Index(page, ">示例区人民政府</a>"), strings.Index(page, ">甲局<"), strings.Index(page, ">乙局<")
	if gi < 0 || ai < gi || bi < ai {
		t.Errorf("order: government %d, 甲 %d, 乙 %d", gi, ai, bi)
	}
	if !strings.Contains(page, `href="../../b-dept/2025/index.html">2025年度</a> · <a href="../../b-dept/2024/index.html">`) ||
		!strings.Contains(page, `href="../../assets/`) || !strings.Contains(page, `href="../../index.html"`) {
		t.Errorf("links:\n%s", page)
	}
	if err := GovernmentIndex(&b, "../x", "x", nil, IndexOptions{}); err == nil {
		t.Error("a bad government id was accepted")
	}
	b.Reset()
	if err := TopIndex(&b, []TopEntry{{ID: "gov", Name: "示例区人民政府", Government: true, Units: 3}, {ID: "alone", Name: "独立局"}}, IndexOptions{}); err != nil {
		t.Fatal(err)
	}
	if p := b.String(); !strings.Contains(p, `href="./gov/units/index.html">示例区人民政府</a>`) || !strings.Contains(p, "3 个单位已发布") || !strings.Contains(p, `href="./alone/index.html">独立局</a>`) {
		t.Errorf("site index:\n%s", p)
	}
}
