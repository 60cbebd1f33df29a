package local_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"nianbao/infra/local"
)

// TestBrowserSupervisor is the supervisor's console in Chromium: sign in through the
// mailbox, the board of the seeded units, the filter to 逾期, 催报 of two of them, one
// unit opened read-only, the export downloaded and read back; at 375 px nothing sticks
// out but the tables' own scroll boxes.
func TestBrowserSupervisor(t *testing.T) {
	year := local.DemoYear(time.Now())
	seeded(t, year)
	p := newPage(t, 1280, 900)

	const email = "supervisor@demo.local"
	before := len(mailsTo(email))
	p.open(webURL("/"))
	p.typeInto("#email", email)
	p.clickAndLoad(`form.signin button[type=submit]`, "/signin")
	waitMail(t, email, "/login/", before)
	p.mailLink(email, "登录链接", "/login/")
	p.clickAndLoad(`form button[type=submit]`, "/supervise/")
	p.waitTrue("the board", `document.querySelector("table.board")`, 10*time.Second)
	if got := p.location(); !strings.HasSuffix(got, fmt.Sprintf("/supervise/demo-gov/%d", year)) {
		t.Errorf("the console opened on %s", got)
	}
	if n := p.eval(`String(document.querySelectorAll("table.board tbody tr").length)`); n != "5" {
		t.Errorf("the board has %s rows", n)
	}
	p.shot("board")
	p.axe("the supervisor's board")
	p.docShot("supervise-board.png", "ul.counts")

	// 逾期: the late ones only (every unit but the published one, in the demo's year).
	p.clickAndLoad(`ul.counts a[data-state="late"]`, "state=late")
	rows := p.eval(`[...document.querySelectorAll("table.board tbody tr")].map(r => r.dataset.agency + ":" + r.classList.contains("late")).join(",")`)
	if strings.Contains(rows, "demo-health") || strings.Contains(rows, ":false") || strings.Count(rows, ":true") != 4 {
		t.Errorf("逾期 shows %s", rows)
	}
	p.shot("late")

	// 催报 of two of them.
	p.click(`input[name=unit][value="demo"]`)
	p.click(`input[name=unit][value="demo-town"]`)
	p.clickAndLoad("#remind-btn", "reminded=")
	if txt := p.eval(`document.getElementById("board-notice").innerText`); !strings.Contains(txt, "已向 2 个单位发出催报") {
		t.Errorf("after 催报: %q", txt)
	}
	for _, to := range []string{"drafter@demo.local", "drafter@demo-town.local"} {
		if ms := mailsTo(to); len(ms) != 1 || !strings.Contains(ms[0].Subject, "【催报】") {
			t.Errorf("催报 mail to %s: %s", to, mailSummary())
		}
	}
	// The same again: nothing sent, said so.
	p.click(`input[name=unit][value="demo"]`)
	p.click("#remind-btn")
	p.waitTrue("the refusal", `document.getElementById("board-error")`, 10*time.Second)
	if txt := p.eval(`document.getElementById("board-error").innerText`); !strings.Contains(txt, "今天都已催报过") {
		t.Errorf("a second 催报: %q", txt)
	}

	// One unit, read-only: its report and its record.
	p.open(webURL(fmt.Sprintf("/supervise/demo-gov/%d", year)))
	p.clickAndLoad(`table.board a[href$="/demo-finance"]`, "/demo-finance")
	if txt := p.bodyText(); !strings.Contains(txt, "示例区财政局") || !strings.Contains(txt, "一、总体情况") {
		t.Errorf("the unit's page: %s", abbreviate(txt, 400))
	}
	if n := p.eval(`String(document.querySelectorAll("main input:not([type=hidden]), main textarea").length)`); n != "0" {
		t.Errorf("the unit's report is not read-only: %s fields", n)
	}
	p.shot("unit")
	p.axe("a unit's page for the supervisor")

	// The export, downloaded by the browser.
	p.open(webURL(fmt.Sprintf("/supervise/demo-gov/%d", year)))
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(p.b.Context(), cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	p.click("#export-xlsx")
	name := filepath.Join(dir, fmt.Sprintf("demo-gov-%d.xlsx", year))
	deadline := time.Now().Add(15 * time.Second)
	for {
		if fi, err := os.Stat(name); err == nil && fi.Size() > 0 {
			break
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(dir)
			t.Fatalf("no download %s: %v", name, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Chromium writes a .crdownload and renames it when done: the name is the whole file.
	x, err := excelize.OpenFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if sheet, _ := x.GetRows("单位"); len(sheet) != 6 {
		t.Errorf("the downloaded export has %d rows of units", len(sheet))
	}

	// At 375 px.
	if err := p.b.SetViewport(375, 800); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"", "?state=late", "/demo-health", "/summary"} {
		p.open(webURL(fmt.Sprintf("/supervise/demo-gov/%d%s", year, path)))
		p.noOverflow("console" + strings.NewReplacer("/", "-", "?", "-", "=", "-").Replace(path))
	}
	p.open(webURL(fmt.Sprintf("/supervise/demo-gov/%d", year)))
	p.shot("board-375")
}
