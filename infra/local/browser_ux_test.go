package local_test

import (
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"nianbao/infra/browser"
)

// Issue 14: numbers a clerk can trust, context for approvers, tables that work on a phone.

// newReport signs the drafter in and opens the form of a new 2025 report.
func newReport(p *page, ag string) {
	p.t.Helper()
	p.signIn("drafter@" + ag + ".local")
	p.clickAndLoad(`a[href="/reports/new"]`, "/reports/new")
	p.eval(fmt.Sprintf(`(() => { document.getElementById("year").value = "%d"; return "" })()`, browserYear))
	p.clickAndLoad(`#new-report button[type=submit]`, "/edit")
	p.waitChecked()
}

// layout is the page's geometry: the rectangle of every element of the form, in page
// coordinates, by its index.
func (p *page) layoutRects() []float64 {
	p.t.Helper()
	out, err := browser.Eval[[]float64](p.b, `(() => {
  const out = [];
  for (const el of document.querySelectorAll("#report-form > *, #report-form h2, #report-form table, #report-form th, #report-form input.cell, #report-form textarea")) {
    const r = el.getBoundingClientRect();
    out.push(r.left + scrollX, r.top + scrollY, r.width, r.height);
  }
  return out;
})()`)
	if err != nil {
		p.t.Fatal(err)
	}
	return out
}

// TestBrowserNumbersAClerkCanTrust: a second click then typing replaces the number; a
// table 三 imbalance marks its column and the cell typed, and the list jumps there;
// typing moves nothing on the page; a typo gives one message.
func TestBrowserNumbersAClerkCanTrust(t *testing.T) {
	const ag = "web5"
	fresh(t, agencyYAML(ag, "数字区应急管理局", 3600, 3))
	p := newPage(t, 1280, 900)
	newReport(p, ag)
	fillSections(p)

	// 1. A click into a cell that has focus selects the number: typing replaces it.
	upheld := cell("appeals", "review", "upheld")
	p.typeInto(upheld, "120")
	p.eval(`(() => { document.querySelector(` + js(upheld) + `).scrollIntoView({block: "center"}); return "" })()`)
	xy, err := browser.Eval[[]float64](p.b, `(() => { const r = document.querySelector(`+js(upheld)+`).getBoundingClientRect(); return [r.left + r.width * 0.6, r.top + r.height / 2] })()`)
	if err != nil {
		t.Fatal(err)
	}
	if p.eval(`document.activeElement.id`) != strings.TrimPrefix(upheld, "#") {
		t.Fatal("the cell typed into does not have focus")
	}
	if err := p.b.Do(chromedp.MouseClickXY(xy[0], xy[1]), chromedp.KeyEvent("130")); err != nil {
		t.Fatal(err)
	}
	if got := p.eval(`document.querySelector(` + js(upheld) + `).value`); got != "130" {
		t.Errorf("a second click then typing 130 into 120 gives %q, want 130", got)
	}
	p.typeInto(upheld, "0")
	p.waitChecked()

	// 3. 予以公开·自然人 typed 7 where 5 new requests balance only with 5.
	p.typeInto(cell("requests", "new", "natural_person"), "5")
	p.waitChecked()
	p.typeInto(cell("requests", "granted", "natural_person"), "5")
	p.waitTrue("table 三 balanced", `!document.querySelector(".cell-msg .msg-error")`, 10*time.Second)
	p.waitChecked()
	before := p.layoutRects()
	granted := cell("requests", "granted", "natural_person")
	p.typeInto(granted, "7")
	p.waitTrue("the imbalance", `document.getElementById("findings-errors").innerText.includes("不平衡")`, 10*time.Second)
	p.waitChecked()
	g := p.eval(`(() => { const e = document.querySelector(` + js(granted) + `); const d = document.getElementById(e.getAttribute("aria-describedby") || "-"); return e.getAttribute("aria-invalid") + "|" + (d ? d.textContent : "") })()`)
	if !strings.HasPrefix(g, "true|") || !strings.Contains(g, "不平衡") {
		t.Errorf("the cell typed is not marked invalid and described by the imbalance: %q", g)
	}
	fwd := cell("requests", "carried_forward", "natural_person")
	if got := p.eval(`String(document.querySelector(` + js(fwd) + `).getAttribute("aria-invalid"))`); got == "true" {
		t.Error("四、结转下年度继续办理, whose value is right, is marked invalid")
	}
	if got := p.eval(`String(document.querySelector(` + js(fwd) + `).classList.contains("in-rule") && document.querySelector('table.requests thead th[data-col="natural_person"]').classList.contains("in-rule"))`); got != "true" {
		t.Error("the column of the imbalance (its header and the cells it adds) is not marked")
	}
	if got := p.eval(`[...document.querySelectorAll("#findings-errors a")].filter(a => a.textContent.includes("不平衡")).map(a => a.getAttribute("href")).join(",")`); got != granted {
		t.Errorf("the list at the top jumps to %q, want the cell typed %s", got, granted)
	}
	p.shot("imbalance-at-the-cell-typed")
	p.axe("the form with an imbalance")

	// 4. Nothing on the page moved while typing (an error appeared, its note, the list).
	after := p.layoutRects()
	if len(after) != len(before) {
		t.Fatalf("the form has %d measured elements after typing, %d before", len(after)/4, len(before)/4)
	}
	worst, at := 0.0, 0
	for i := range before {
		if d := math.Abs(after[i] - before[i]); d > worst {
			worst, at = d, i
		}
	}
	if worst > 2 {
		t.Errorf("typing moved the page: element %d's %s changed by %.1f px", at/4, []string{"left", "top", "width", "height"}[at%4], worst)
	}
	p.typeInto(granted, "5")
	p.waitTrue("table 三 balanced", `!document.querySelector(".cell-msg .msg-error")`, 10*time.Second)
	p.waitChecked()

	// 5. A typo in table 四: one message, at the cell typed; none on the read-only 总计.
	count := `document.querySelectorAll("#findings-errors li, #findings-warnings li").length`
	n0 := p.eval(`String(` + count + `)`)
	p.typeInto(upheld, "3a")
	p.waitTrue("the typo's message", `document.getElementById("findings-errors").innerText.includes("应填数字")`, 10*time.Second)
	n1 := p.eval(`String(` + count + `)`)
	if n1 != fmt.Sprint(atoi(n0)+1) {
		t.Errorf("a typo changed the findings from %s to %s, want one more:\n%s", n0, n1, p.eval(`document.getElementById("findings").innerText`))
	}
	total := cell("appeals", "review", "total")
	if got := p.eval(`String(document.querySelector(` + js(total) + `).getAttribute("aria-invalid")) + "|" + String(!!document.getElementById("m-` + strings.TrimPrefix(total, "#") + `"))`); got != "null|false" {
		t.Errorf("the read-only 总计 has a message of a typo in another cell: %s", got)
	}
	p.shot("one-message-per-typo")
}

func atoi(s string) int {
	n := 0
	fmt.Sscan(s, &n)
	return n
}

// TestBrowserMailLinkSurvivesSignIn: the 退回 mail's 「修改报告」 link opened in a browser
// without a session leads through sign-in back to that report.
func TestBrowserMailLinkSurvivesSignIn(t *testing.T) {
	const ag = "web6"
	fresh(t, agencyYAML(ag, "回程区应急管理局", 3600, 3))
	api := newClient(t, "drafter@"+ag+".local")
	api.signIn()
	if r := api.save(ag, browserYear, sampleDoc(t, browserYear), ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if r := api.submit(ag, browserYear, nil); r.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	a := newApprover(t, "section@"+ag+".local")
	if r := a.decide(a.reviewLink(1), "return", "请核对表三。", false); r.status != http.StatusSeeOther {
		t.Fatalf("return: %d %s", r.status, r.body)
	}

	p := newPage(t, 1280, 900)
	reportAt := fmt.Sprintf("/reports/%s/%d", ag, browserYear)
	p.mailLink("drafter@"+ag+".local", "【已退回】", reportAt)
	p.waitTrue("the sign-in form", `document.getElementById("email")`, 5*time.Second)
	p.axe("the sign-in page of a page that needs it")
	before := loginMails("drafter@" + ag + ".local")
	p.typeInto("#email", "drafter@"+ag+".local")
	p.clickAndLoad(`form.signin button[type=submit]`, "/signin")
	waitMail(t, "drafter@"+ag+".local", "/login/", before)
	p.mailLink("drafter@"+ag+".local", "登录链接", "/login/")
	p.axe("the sign-in button's page")
	p.clickAndLoad(`form button[type=submit]`, reportAt)
	p.waitTrue("the returned report's form", `document.getElementById("report-form") && document.querySelector("aside.comments")`, 10*time.Second)
	if !strings.Contains(p.eval(`document.querySelector("aside.comments").innerText`), "请核对表三。") {
		t.Error("the form after sign-in lacks the comment")
	}
	p.shot("back-at-the-report")
	p.axe("the returned report's form")
}

// TestBrowserPendingForMe: an approver who signs in finds 「待我审批」 with the report
// waiting for them, opens it without the mail and decides.
func TestBrowserPendingForMe(t *testing.T) {
	const ag = "web7"
	fresh(t, agencyYAML(ag, "待批区应急管理局", 3600, 3)+
		fmt.Sprintf("  - { email: director@%[1]s.local, agency: %[1]s, roles: [approver] }\n", ag))
	_, _ = submitSample(t, ag)
	for _, who := range []string{"section", "office"} {
		a := newApprover(t, who+"@"+ag+".local")
		if r := a.decide(a.reviewLink(1), "approve", "", who == "office"); r.status != http.StatusSeeOther {
			t.Fatalf("%s approve: %d %s", who, r.status, r.body)
		}
	}
	newApprover(t, "director@"+ag+".local").reviewLink(1) // the director's level is open

	p := newPage(t, 1280, 900)
	email := "director@" + ag + ".local"
	before := loginMails(email)
	p.open(webURL("/"))
	p.typeInto("#email", email)
	p.clickAndLoad(`form.signin button[type=submit]`, "/signin")
	waitMail(t, email, "/login/", before)
	p.mailLink(email, "登录链接", "/login/")
	p.clickAndLoad(`form button[type=submit]`, "/")
	p.waitTrue("待我审批", `document.getElementById("pending")`, 10*time.Second)
	row := p.eval(`document.getElementById("pending").innerText`)
	for _, want := range []string{"待批区应急管理局", "2025", "局长", "分钟"} {
		if !strings.Contains(row, want) {
			t.Errorf("「待我审批」 lacks %q:\n%s", want, row)
		}
	}
	p.shot("pending-for-me")
	p.axe("「待我审批」")
	href := p.eval(`document.querySelector("#pending a").getAttribute("href")`)
	p.clickAndLoad(`#pending a`, "/approvals/")
	p.waitTrue("the review page", `document.getElementById("approve-btn")`, 5*time.Second)
	if !strings.Contains(p.eval(`document.getElementById("chain").innerText`), "保密审查") {
		t.Error("the review page opened from 「待我审批」 lacks the chain so far")
	}
	p.clickAndLoad("#approve-btn", "done=1")
	p.waitTrue("the confirmation", `document.getElementById("decided")`, 5*time.Second)
	if got := p.eval(`document.getElementById("decided").textContent`); !strings.Contains(got, "最后一级") {
		t.Errorf("the last level's confirmation: %q", got)
	}
	p.axe("the confirmation of the last level")
	p.open(webURL("/"))
	p.axe("the approver's start page")
	if !strings.Contains(p.eval(`document.getElementById("decided-list") ? document.getElementById("decided-list").innerText : ""`), "同意") {
		t.Error("the start page does not list the report the approver decided")
	}

	// Another signed-in user is not a recipient: the page does not open for them.
	other := newClient(t, "drafter@"+ag+".local")
	other.signIn()
	if r := other.do("GET", webURL(href), nil, nil); r.status != http.StatusNotFound || strings.Contains(string(r.body), "approve-btn") {
		t.Errorf("%s opened for a user it is not addressed to: %d", href, r.status)
	}
}

// loginMails counts the sign-in mails sent to an address so far.
func loginMails(to string) int {
	n := 0
	for _, m := range mailsTo(to) {
		if hasLink(m, "/login/") {
			n++
		}
	}
	return n
}

// TestBrowserFarFromLastYear: with last year's report published, the numbers carried
// over are marked as such; a number far from last year's is questioned (a warning, not
// an error); a text area grows with its text.
func TestBrowserFarFromLastYear(t *testing.T) {
	const ag = "web8"
	fresh(t, agencyYAML(ag, "上年区应急管理局", 3600, 3))
	api := newClient(t, "drafter@"+ag+".local")
	api.signIn()
	last := sampleDoc(t, browserYear-1)
	if r := api.save(ag, browserYear-1, last, ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if r := api.submit(ag, browserYear-1, nil); r.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	approveAll(t, ag, 1)
	api.waitStatus(ag, browserYear-1, "published", "")

	p := newPage(t, 1280, 900)
	newReport(p, ag)
	carried := cell("requests", "carried_over", "natural_person")
	if got := p.eval(`String(document.querySelector(` + js(carried) + `).dataset.prefilled) + "|" + document.querySelector(` + js(carried) + `).closest("td").innerText`); !strings.HasPrefix(got, "1|") || !strings.Contains(got, "上年") {
		t.Errorf("上年结转 carried over from last year is not marked as such: %q", got)
	}
	upheld := last["appeals"].(map[string]any)["review"].(map[string]any)["upheld"]
	typed := fmt.Sprint(atoi(fmt.Sprint(upheld))*10 + 100)
	p.typeInto(cell("appeals", "review", "upheld"), typed)
	p.waitTrue("the warning", `document.getElementById("findings-warnings").innerText.includes("为 `+typed+`，上年为")`, 10*time.Second)
	w := p.eval(`document.getElementById("findings-warnings").innerText`)
	if !strings.Contains(w, typed) || !strings.Contains(w, fmt.Sprint("上年为 ", upheld)) {
		t.Errorf("the warning does not name both numbers (%s, last year %v):\n%s\n%s", typed, upheld, w, p.eval(`document.getElementById("findings").innerText`))
	}
	if strings.Contains(p.eval(`document.getElementById("findings-errors").innerText`), "相差 10 倍以上") {
		t.Error("far from last year is an error, want a warning")
	}

	h0 := p.eval(`String(document.getElementById("s-overview").getBoundingClientRect().height)`)
	p.typeInto("#s-overview", strings.Repeat("本机关认真贯彻落实政府信息公开条例。", 30))
	if h1 := p.eval(`String(document.getElementById("s-overview").getBoundingClientRect().height)`); atoi(h1) <= atoi(h0) {
		t.Errorf("the text area did not grow with its text: %s px then %s px", h0, h1)
	}
	p.shot("far-from-last-year")
	p.axe("the form with last year's numbers")

	// A correction of last year's report begun, not submitted: still the published
	// report, with a correction on the way (point 10).
	last["sections"].(map[string]any)["other"] = "本年度未收取信息处理费。更正中的说明。"
	if r := api.save(ag, browserYear-1, last, api.report(ag, browserYear-1).ETag); r.status != http.StatusOK {
		t.Fatalf("save a correction: %d %s", r.status, r.body)
	}
	p.click("#save-btn")
	p.waitTrue("the form saved", `document.getElementById("save-state").textContent.includes("已保存")`, 10*time.Second)
	p.open(webURL("/"))
	if txt := p.bodyText(); !strings.Contains(txt, "已发布（有未提交的更正）") {
		t.Errorf("the dashboard does not show the published report with a correction on the way:\n%s", txt)
	}
	p.axe("the dashboard with a correction on the way")
}
