package local_test

import (
	"bytes"
	"fmt"
	html_ "html"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"nianbao/shared/filing"
	"nianbao/shared/render"
	"nianbao/shared/report"
)

// upload posts a multipart form with one file, as the new-report page's forms do.
func (c *client) upload(path string, fields map[string]string, name string, data []byte) response {
	c.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return c.do("POST", webURL(path), body.Bytes(), map[string]string{"Content-Type": mw.FormDataContentType()})
}

// TestImportDraftFromWord: 「导入本年草稿」 makes a Word file of the template the year's
// first draft, every number in place; an upload over 4 MB and a file that is not a
// report are refused with a message saying why, and nothing is stored.
func TestImportDraftFromWord(t *testing.T) {
	const ag = "imp2"
	s := fresh(t, agencyYAML(ag, "导入二区应急管理局", 3600, 3))
	c := newClient(t, "drafter@"+ag+".local")
	c.signIn()
	page := c.do("GET", webURL("/reports/new"), nil, nil)
	form := page.body[bytes.Index(page.body, []byte(`id="import-draft"`)):]
	csrf := csrfOf(t, form)

	raw, err := os.ReadFile(filepath.Join("..", "..", "shared", "report", "testdata", "sample-2021.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.DecodeBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	doc.Agency = "导入二区应急管理局"
	docx, err := filing.Report(doc, render.ClosingOf(doc, time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	year := fmt.Sprint(doc.Year)

	big := bytes.Repeat([]byte("x"), 4<<20+1)
	if r := c.upload("/reports/import/draft", map[string]string{"csrf": csrf, "year": year}, "big.docx", big); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.body), "不能超过 4 MB") {
		t.Errorf("a 4 MB + 1 upload: %d %s", r.status, abbreviate(string(r.body), 300))
	}
	if r := c.upload("/reports/import/draft", map[string]string{"csrf": csrf, "year": year}, "note.html", []byte("<p>通知</p>")); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(string(r.body), "没有找到政府信息公开工作年度报告的表格") {
		t.Errorf("not a report: %d %s", r.status, abbreviate(string(r.body), 300))
	}
	if r := c.upload("/reports/import/draft", map[string]string{"csrf": "wrong", "year": year}, "report.docx", docx); r.status == http.StatusSeeOther {
		t.Errorf("an upload without the form's token was taken")
	}
	if _, err := s.GetReport(t.Context(), ag, doc.Year); err == nil {
		t.Fatal("a refused upload made a report")
	}

	r := c.upload("/reports/import/draft", map[string]string{"csrf": csrf, "year": year}, "report.docx", docx)
	if r.status != http.StatusSeeOther || r.header.Get("Location") != fmt.Sprintf("/reports/%s/%d/edit", ag, doc.Year) {
		t.Fatalf("import draft: %d %s %s", r.status, r.header.Get("Location"), abbreviate(string(r.body), 300))
	}
	rp, err := s.GetReport(t.Context(), ag, doc.Year)
	if err != nil {
		t.Fatal(err)
	}
	got, err := report.DecodeBytes(rp.Draft)
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range report.ForYear(doc.Year).Tables() {
		for _, row := range tb.Rows {
			for _, col := range row.Columns {
				if w, g := doc.Grid(tb.Key).At(row, col), got.Grid(tb.Key).At(row, col); w != g {
					t.Errorf("%s.%s.%s = %q, want %q", tb.Key, row.ID, col.ID, g, w)
				}
			}
		}
	}
	if got.Sections.Overview != doc.Sections.Overview {
		t.Errorf("overview = %q", got.Sections.Overview)
	}

	// A Word file with a cell that holds no number: the draft is made, and the page says
	// which cell to fill in before leading to the form.
	doc.Year++
	doc.Printed = map[string]string{"requests.new.natural_person": "见附表"}
	docx, err = filing.Report(doc, render.ClosingOf(doc, time.Time{}))
	if err != nil {
		t.Fatal(err)
	}
	r = c.upload("/reports/import/draft", map[string]string{"csrf": csrf, "year": fmt.Sprint(doc.Year)}, "report.docx", docx)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "表三「一、本年新收政府信息公开申请数量」行「自然人」列（原文「见附表」）") ||
		!strings.Contains(string(r.body), fmt.Sprintf(`href="/reports/%s/%d/edit"`, ag, doc.Year)) {
		t.Errorf("a draft with a cell not read: %d %s", r.status, abbreviate(string(r.body), 3000))
	}
	if _, err := s.GetReport(t.Context(), ag, doc.Year); err != nil {
		t.Errorf("the draft was not made: %v", err)
	}
}

// TestImportPreviousChecks: last year's report imported through the two steps of
// 「导入上年报告」 (read and shown, then confirmed) is last year's for the checks: this
// year's 上年结转 is compared with its 结转下年度继续办理, its sections with this year's
// for 年年雷同.
func TestImportPreviousChecks(t *testing.T) {
	const ag = "imp3"
	const name = "导入三区应急管理局"
	s := fresh(t, agencyYAML(ag, name, 3600, 3))
	c := newClient(t, "drafter@"+ag+".local")
	c.signIn()
	page := c.do("GET", webURL("/reports/new"), nil, nil)
	csrf := csrfOf(t, page.body[bytes.Index(page.body, []byte(`id="import-previous"`)):])

	raw, err := os.ReadFile(filepath.Join("..", "..", "shared", "report", "testdata", "sample-2021.json"))
	if err != nil {
		t.Fatal(err)
	}
	last, err := report.DecodeBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	last.Agency, last.Year = name, 2024
	var html bytes.Buffer
	if err := render.Page(&html, last, nil, render.PageOptions{}); err != nil {
		t.Fatal(err)
	}
	r := c.upload("/reports/import/previous", map[string]string{"csrf": csrf}, "2024.html", html.Bytes())
	if r.status != http.StatusOK || !bytes.Contains(r.body, []byte(`id="import-confirm"`)) {
		t.Fatalf("read: %d %s", r.status, abbreviate(string(r.body), 500))
	}
	// Nothing is stored before the clerk confirms.
	if _, err := s.GetImported(t.Context(), ag, 2024); err == nil {
		t.Fatal("stored before confirmation")
	}
	field := func(name string) string {
		form := r.body[bytes.Index(r.body, []byte(`id="import-confirm"`)):]
		m := regexp.MustCompile(`name="` + name + `" value="([^"]*)"`).FindSubmatch(form)
		if m == nil {
			t.Fatalf("no %s field", name)
		}
		return html_.UnescapeString(string(m[1]))
	}
	r = c.upload("/reports/import/previous/confirm", map[string]string{"csrf": field("csrf"), "document": field("document"),
		"source": field("source"), "file_name": field("file_name")}, "", nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", r.status, abbreviate(string(r.body), 500))
	}
	im, err := s.GetImported(t.Context(), ag, 2024)
	if err != nil || im.Source != "html" || im.FileName != "2024.html" || im.ImportedBy != "drafter@"+ag+".local" {
		t.Fatalf("stored: %+v %v", im, err)
	}

	// The imported year's page shows it as read, marked 导入; a year not imported is 404.
	if r := c.do("GET", webURL(fmt.Sprintf("/reports/%s/2024/imported", ag)), nil, nil); r.status != http.StatusOK ||
		!bytes.Contains(r.body, []byte("非本系统发布")) || !bytes.Contains(r.body, []byte(report.DefaultTitle(name, 2024))) {
		t.Errorf("the imported year's page: %d", r.status)
	}
	if r := c.do("GET", webURL(fmt.Sprintf("/reports/%s/2022/imported", ag)), nil, nil); r.status != http.StatusNotFound {
		t.Errorf("a year not imported: %d", r.status)
	}

	// This year: 上年结转 not last year's 结转下年度, and last year's text again.
	this := last.Clone()
	this.Year = 2025
	this.Requests.Set("carried_over", "natural_person", report.Int(9))
	r = c.api("POST", fmt.Sprintf("/api/reports/%s/2025/check", ag), this, nil)
	var res struct {
		Findings []struct{ Rule, Path string }
	}
	r.json(t, &res)
	rules := map[string]bool{}
	for _, f := range res.Findings {
		rules[f.Rule] = true
	}
	for _, want := range []string{"crossyear.carried_over", "sections.repeated"} {
		if !rules[want] {
			t.Errorf("no %s finding with the imported last year: %+v", want, res.Findings)
		}
	}
	// A year nianbao has a report of cannot be imported.
	if _, err := s.SaveDraft(t.Context(), ag, 2023, []byte(`{}`), 0, "x", "ip"); err != nil {
		t.Fatal(err)
	}
	last.Year = 2023
	html.Reset()
	render.Page(&html, last, nil, render.PageOptions{})
	r = c.upload("/reports/import/previous", map[string]string{"csrf": csrf}, "2023.html", html.Bytes())
	if r.status != http.StatusUnprocessableEntity || !bytes.Contains(r.body, []byte("已在本系统中建立")) {
		t.Errorf("importing a year nianbao has: %d %s", r.status, abbreviate(string(r.body), 500))
	}
}
