package local_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"nianbao/shared/render"
	"nianbao/shared/report"
)

// TestBrowserImportPrevious: an agency new to nianbao has last year's report only as a
// page on its portal. The drafter uploads the saved page on 新建年度报告, sees it
// rendered, confirms it, and creates this year's report: 上年结转 and 现行有效件数 are
// filled in from it, and the dashboard lists it as 导入.
func TestBrowserImportPrevious(t *testing.T) {
	const ag = "imp1"
	const name = "导入区应急管理局"
	fresh(t, agencyYAML(ag, name, 3600, 3))

	raw, err := os.ReadFile(filepath.Join("..", "..", "shared", "report", "testdata", "sample-2021.json"))
	if err != nil {
		t.Fatal(err)
	}
	last, err := report.DecodeBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	last.Agency, last.Year = name, browserYear-1
	var page bytes.Buffer
	if err := render.Page(&page, last, &render.Meta{PublishedAt: time.Date(browserYear, 1, 20, 9, 0, 0, 0, render.Beijing()), Version: 1},
		render.PageOptions{Place: render.PlaceCurrent}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), fmt.Sprintf("%d年度报告.html", browserYear-1))
	if err := os.WriteFile(file, page.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	p := newPage(t, 1280, 900)
	p.signIn("drafter@" + ag + ".local")
	p.clickAndLoad(`a[href="/reports/new"]`, "/reports/new")
	if err := p.b.SetViewport(375, 740); err != nil {
		t.Fatal(err)
	}
	p.noOverflow("the new-report page with its import forms")
	if err := p.b.SetViewport(1280, 900); err != nil {
		t.Fatal(err)
	}

	// A file that is not a report is refused with a message saying so.
	notice := filepath.Join(t.TempDir(), "通知.html")
	os.WriteFile(notice, []byte(`<html><body><h1>关于开展安全检查的通知</h1><p>各股室：……</p></body></html>`), 0o644)
	if err := p.b.Do(chromedp.SetUploadFiles(chromedp.CSS("#previous-file"), []string{notice})); err != nil {
		t.Fatal(err)
	}
	p.clickAndLoad("#import-previous button[type=submit]", "/reports/import/previous")
	if txt := p.eval(`document.querySelector(".notice.error").innerText`); !strings.Contains(txt, "没有找到政府信息公开工作年度报告的表格") {
		t.Errorf("a file that is not a report: %q", txt)
	}

	if err := p.b.Do(chromedp.SetUploadFiles(chromedp.CSS("#previous-file"), []string{file})); err != nil {
		t.Fatal(err)
	}
	p.clickAndLoad("#import-previous button[type=submit]", "/reports/import/previous")
	p.waitTrue("the page to confirm", `document.getElementById("import-confirm")`, 5*time.Second)
	if txt := p.eval(`document.getElementById("title").textContent`); txt != report.DefaultTitle(name, browserYear-1) {
		t.Errorf("the imported report shown is titled %q", txt)
	}
	if p.eval(`String(!!document.getElementById("import-problems"))`) != "false" {
		t.Errorf("cells not read: %s", p.eval(`document.getElementById("import-problems").innerText`))
	}
	p.shot("import-confirm")
	// The page to confirm, on a phone: the tables scroll in their own boxes.
	if err := p.b.SetViewport(375, 740); err != nil {
		t.Fatal(err)
	}
	p.noOverflow("the page to confirm an import")
	if err := p.b.SetViewport(1280, 900); err != nil {
		t.Fatal(err)
	}
	p.clickAndLoad("#import-confirm button[type=submit]", "/reports/new?imported=")
	if txt := p.eval(`document.getElementById("import").innerText`); !strings.Contains(txt, fmt.Sprintf("已导入 %d 年度报告", browserYear-1)) {
		t.Errorf("the new-report page does not say the import: %q", txt)
	}

	// This year's report, prefilled from the imported one.
	p.eval(fmt.Sprintf(`(() => { const s = document.getElementById("year"); s.value = "%d"; s.dispatchEvent(new Event("change")); return "" })()`, browserYear))
	if p.eval(`String(document.getElementById("prefill-note").hidden)`) != "false" {
		t.Error("the new-report page does not say last year's report will prefill")
	}
	p.clickAndLoad(`#new-report button[type=submit]`, fmt.Sprintf("/reports/%s/%d/edit", ag, browserYear))
	p.waitChecked()
	f := report.ForYear(browserYear)
	for _, c := range f.Requests.Columns {
		want := last.Requests.At(f.RequestsForward, c).String()
		if got := p.eval(`document.querySelector(` + js(cell("requests", "carried_over", c.ID)) + `).value`); got != want {
			t.Errorf("上年结转 %s = %q, want %q (last year's 结转下年度继续办理)", c.Label, got, want)
		}
	}
	for _, row := range []string{"regulations", "normative_docs"} {
		want := last.Proactive.Get(row, "in_force").String()
		if got := p.eval(`document.querySelector(` + js(cell("proactive", row, "in_force")) + `).value`); got != want {
			t.Errorf("现行有效件数 %s = %q, want %q", row, got, want)
		}
	}
	p.shot("form-prefilled")

	// The dashboard lists the imported year as such.
	p.open(webURL("/"))
	row := p.eval(fmt.Sprintf(`(() => { const a = [...document.querySelectorAll("table.list a")].find((x) => x.textContent.includes("%d")); return a ? a.closest("tr").innerText : "" })()`, browserYear-1))
	if !strings.Contains(row, "导入（非本系统发布）") {
		t.Errorf("the dashboard's row of %d: %q", browserYear-1, row)
	}
	p.shot("dashboard-imported")
}
