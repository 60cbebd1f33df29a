package local_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The web app driven as people use it, in headless Chromium against the local stack:
// every link is opened from the local mailbox page, every number typed into the form.

const (
	// browserYear is the report the tests write: the one a drafter starts in November 2026.
	browserYear = 2025
)

// fillValidReport types what a clean report needs beyond the zeros the form starts with:
// the required sections, the fee sentence of section 六, and a consistent table 三.
func fillSections(p *page) {
	p.t.Helper()
	p.typeInto("#s-overview", "本机关认真贯彻《中华人民共和国政府信息公开条例》，全年主动公开政府信息。")
	p.typeInto("#s-problems", "公开内容的及时性有待提高，下一年度将加强培训。")
	p.typeInto("#s-other", "本年度未收取信息处理费。")
}

// TestBrowserDraftApprovePublish is a report's whole life in the browser: the drafter
// signs in through the mailbox, creates the 2025 report, types an inconsistent table 三
// and sees the message at the cell, fixes it and submits; each level approves from its
// mail (the office only with the 保密审查 attestation); the published page opens from
// the drafter's notification.
func TestBrowserDraftApprovePublish(t *testing.T) {
	const ag = "web1"
	fresh(t, agencyYAML(ag, "网页区应急管理局", 3600, 3))
	p := newPage(t, 1280, 900)

	p.signIn("drafter@" + ag + ".local")
	if txt := p.eval(`document.querySelector(".deadline").innerText`); !strings.Contains(txt, "1月31日") {
		t.Errorf("the dashboard does not show the deadline: %q", txt)
	}
	p.shot("dashboard")
	p.axe("the dashboard")

	p.clickAndLoad(`a[href="/reports/new"]`, "/reports/new")
	p.eval(fmt.Sprintf(`(() => { const s = document.getElementById("year"); s.value = "%d"; s.dispatchEvent(new Event("change")); return "" })()`, browserYear))
	if txt := p.eval(`document.getElementById("format-warn").textContent`); !strings.Contains(txt, "〔2021〕30号") || strings.Contains(txt, "gip-") {
		t.Errorf("the new-report page does not name the year's format as people know it, or shows the internal code: %q", txt)
	}
	p.shot("new-report")
	p.axe("the new-report page")
	p.clickAndLoad(`#new-report button[type=submit]`, fmt.Sprintf("/reports/%s/%d/edit", ag, browserYear))
	p.waitChecked()
	if p.eval(`String(document.getElementById("submit-btn").disabled)`) != "true" {
		t.Error("submit is enabled with the required sections empty")
	}

	fillSections(p)
	// Table 三, 自然人: 5 new requests, 3 granted, nothing carried forward: 一+二 ≠ 三+四.
	p.typeInto(cell("requests", "new", "natural_person"), "5")
	p.typeInto(cell("requests", "granted", "natural_person"), "3")
	// The imbalance speaks at the cell typed last, the column marked (points 3 of issue 14).
	msg := "#m-" + strings.TrimPrefix(cell("requests", "granted", "natural_person"), "#")
	p.waitTrue("the balance message at the cell", `document.querySelector(`+js(msg)+`) && document.querySelector(`+js(msg)+`).textContent.includes("不平衡")`, 10*time.Second)
	if got := p.eval(`document.querySelector(` + js(cell("requests", "new", "total")) + `).value`); got != "5" {
		t.Errorf("the 总计 of row 一 is %q, want 5 computed as typed", got)
	}
	if got := p.eval(`document.querySelector(` + js(cell("requests", "total", "natural_person")) + `).value`); got != "3" {
		t.Errorf("（七）总计 自然人 is %q, want 3", got)
	}
	if p.eval(`String(document.getElementById("submit-btn").disabled)`) != "true" {
		t.Error("submit is enabled while table 三 does not balance")
	}
	if !strings.Contains(p.eval(`document.getElementById("findings-errors").innerText`), "不平衡") {
		t.Error("the summary at the top does not list the balance error")
	}
	p.eval(`(() => { document.querySelector(` + js(msg) + `).scrollIntoView({block: "center"}); return "" })()`)
	p.shot("form-inconsistent")
	p.axe("the form with an error")
	p.docShot("form.png", msg)

	p.typeInto(cell("requests", "carried_forward", "natural_person"), "2")
	p.waitTrue("the message to go", `!document.querySelector(".cell-msg .msg-error")`, 10*time.Second)
	p.waitTrue("submit to be enabled", `!document.getElementById("submit-btn").disabled`, 10*time.Second)
	p.shot("form-fixed")

	p.submitReport("股室负责人")
	p.waitTrue("in review at the first level", `document.getElementById("status-label").textContent.includes("股室负责人")`, 5*time.Second)
	// What happened, and the first level waiting (point 7).
	if got := p.eval(`document.getElementById("submitted") ? document.getElementById("submitted").textContent : ""`); !strings.Contains(got, "已提交，已通知 股室负责人") {
		t.Errorf("the status page does not say who was notified: %q", got)
	}
	if got := p.eval(`document.querySelector(".levels .level .badge").textContent`); strings.Contains(got, "未开始") {
		t.Errorf("the first level shows %q right after submitting", got)
	}
	p.shot("status-submitted")
	p.axe("the status page")

	// 股室负责人 approves from the mail.
	sectionLink := p.mailLink("section@"+ag+".local", "【待审批】", "/review/")
	p.shot("review-section")
	p.axe("the review page")
	p.clickAndLoad("#approve-btn", "done=1")
	p.waitTrue("the confirmation", `document.getElementById("decided")`, 5*time.Second)
	if got := p.eval(`document.getElementById("decided").textContent`); !strings.Contains(got, "网页区应急管理局") || !strings.Contains(got, "已送办公室审批") {
		t.Errorf("the confirmation does not name the agency and what happens next: %q", got)
	}
	p.shot("section-approved")
	p.axe("the confirmation of a decision")

	// 办公室: no approval without the attestation, then with it.
	p.mailLink("office@"+ag+".local", "【待审批】", "/review/")
	p.click("#approve-btn")
	p.waitTrue("the attestation message", `!document.getElementById("attest-msg").hidden`, 5*time.Second)
	if !strings.Contains(p.location(), "/review/") || strings.Contains(p.location(), "done=1") {
		t.Fatalf("approving without the attestation left the page: %s", p.location())
	}
	p.shot("office-needs-attestation")
	p.axe("the review page asking for the attestation")
	p.click("#attest")
	p.typeInto("#comment", "数据已核对。")
	p.clickAndLoad("#approve-btn", "done=1")
	p.waitTrue("the confirmation", `document.getElementById("decided")`, 5*time.Second)
	p.shot("office-approved")

	// 局长: the chain so far, with the attestation (point 11).
	p.mailLink("director@"+ag+".local", "【待审批】", "/review/")
	chain := p.eval(`document.getElementById("chain") ? document.getElementById("chain").innerText : ""`)
	for _, want := range []string{"股室负责人", "办公室", "已同意", "section@" + ag + ".local", "保密审查", "数据已核对。"} {
		if !strings.Contains(chain, want) {
			t.Errorf("the director's page does not show %q of the chain so far:\n%s", want, chain)
		}
	}
	p.shot("review-director-chain")
	p.docShot("review-chain.png", "#chain")
	p.axe("the review page with the chain so far")
	p.clickAndLoad("#approve-btn", "done=1")
	p.waitTrue("the confirmation", `document.getElementById("decided")`, 5*time.Second)

	// The drafter's notification opens the published page.
	p.mailLink("drafter@"+ag+".local", "【已发布】", "/_local/site/reports/")
	p.waitTrue("the published report", `document.title.includes("网页区应急管理局2025年度")`, 5*time.Second)
	p.shot("published")
	p.axe("the published page")

	// Opening a used link again shows the decision, never the buttons.
	p.open(sectionLink)
	if p.eval(`String(!!document.getElementById("approve-btn"))`) != "false" || !strings.Contains(p.bodyText(), "同意") {
		t.Errorf("a decided link still offers the decision:\n%s", abbreviate(p.bodyText(), 800))
	}
	p.shot("section-link-again")

	p.open(webURL(fmt.Sprintf("/reports/%s/%d", ag, browserYear)))
	txt := p.bodyText()
	for _, want := range []string{"已发布", "股室负责人", "办公室", "局长", "保密审查", "数据已核对。", "系统"} {
		if !strings.Contains(txt, want) {
			t.Errorf("the status page lacks %q", want)
		}
	}
	if got := p.eval(`document.getElementById("status-label").textContent`); got != "已发布" {
		t.Errorf("a published report without a newer draft shows %q, want 已发布", got)
	}
	if strings.Contains(txt, "system") {
		t.Error("the status page shows the workflow as \"system\", not 「系统」")
	}
	p.shot("status-published")
	p.axe("the status page of a published report")

	// The version's 审批单, and a page that says one thing (an address that does not exist).
	p.open(webURL(fmt.Sprintf("/reports/%s/%d/versions/1/approval", ag, browserYear)))
	if !strings.Contains(p.bodyText(), "审批单") {
		t.Errorf("the 审批单 page:\n%s", abbreviate(p.bodyText(), 400))
	}
	p.axe("the 审批单")
	p.open(webURL("/no/such/page"))
	p.axe("a message page")
}

// TestBrowserReturnAndResubmit returns a report at the director's level, and the drafter
// opens it from the mail with the comment beside the form, fixes and resubmits; the next
// approver sees what changed.
func TestBrowserReturnAndResubmit(t *testing.T) {
	const ag = "web2"
	fresh(t, agencyYAML(ag, "退回区应急管理局", 3600, 3))
	p := newPage(t, 1280, 900)
	p.signIn("drafter@" + ag + ".local")

	// The first version goes in through the API: this test is about what follows.
	api := newClient(t, "drafter@"+ag+".local")
	api.signIn()
	if r := api.save(ag, browserYear, sampleDoc(t, browserYear), ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	if r := api.submit(ag, browserYear, nil); r.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	for _, who := range []string{"section", "office"} {
		a := newApprover(t, who+"@"+ag+".local")
		if r := a.decide(a.reviewLink(1), "approve", "", who == "office"); r.status != http.StatusSeeOther {
			t.Fatalf("%s approve: %d %s", who, r.status, r.body)
		}
	}

	p.mailLink("director@"+ag+".local", "【待审批】", "/review/")
	p.click("#return-btn")
	p.waitTrue("the comment message", `!document.getElementById("comment-msg").hidden`, 5*time.Second)
	const comment = "行政复议数字与复议机关统计不一致，请核对后重新提交。"
	p.typeInto("#comment", comment)
	p.shot("director-returns")
	p.clickAndLoad("#return-btn", "done=1")
	p.waitTrue("the confirmation", `document.getElementById("decided")`, 5*time.Second)

	// The drafter's mail opens the form, the director's comment beside it.
	p.mailLink("drafter@"+ag+".local", "【已退回】", fmt.Sprintf("/reports/%s/%d", ag, browserYear))
	p.waitTrue("the form with the comments", `document.getElementById("report-form") && document.querySelector("aside.comments")`, 10*time.Second)
	if !strings.Contains(p.eval(`document.querySelector("aside.comments").innerText`), comment) {
		t.Error("the returned report does not show the director's comment beside the form")
	}
	p.waitChecked()
	p.shot("returned-form")
	p.axe("the form of a returned report")

	// Fix table 四 (复议 结果维持 3 → 4, and so its 总计) and a sentence, then resubmit.
	p.typeInto(cell("appeals", "review", "upheld"), "4")
	p.replaceText("#s-problems", "复议数据已与复议机关核对一致。")
	p.waitTrue("the saved state", `document.getElementById("save-state").textContent.includes("已保存")`, 10*time.Second)
	p.waitTrue("submit to be enabled", `!document.getElementById("submit-btn").disabled`, 10*time.Second)
	p.submitReport("")
	p.waitTrue("in review again", `document.getElementById("status-label").textContent.includes("审批中")`, 5*time.Second)
	p.shot("resubmitted")

	// The section approver's page for version 2 shows the changes since version 1.
	a := newApprover(t, "section@"+ag+".local")
	a.reviewLink(2) // wait for it
	p.mailLink("section@"+ag+".local", "（第 2 版）", "/review/")
	changes := p.eval(`document.getElementById("changes") ? document.getElementById("changes").innerText : ""`)
	for _, want := range []string{"与第 1 版相比", "行政复议 结果维持"} {
		if !strings.Contains(changes, want) {
			t.Errorf("the changes since version 1 lack %q:\n%s", want, changes)
		}
	}
	if ins := p.eval(`[...document.querySelectorAll("#changes .textdiff ins")].map(e => e.textContent).join("|")`); !strings.Contains(ins, "复议数据已与复议机关核对一致。") {
		t.Errorf("the text diff does not show the new sentence as inserted: %q", ins)
	}
	p.eval(`(() => { document.getElementById("changes").scrollIntoView(); return "" })()`)
	p.shot("review-changes")
	p.axe("the review page with the changes")
	p.docShot("review.png", "#changes")

	// The drafter withdraws version 2 from its status page; its link then says so.
	reviewURL := p.location()
	p.open(webURL(fmt.Sprintf("/reports/%s/%d", ag, browserYear)))
	p.eval(`(() => { window.confirm = () => true; return "" })()`) // the page asks before withdrawing
	p.clickAndLoad("#withdraw-btn", fmt.Sprintf("/reports/%s/%d", ag, browserYear))
	p.waitTrue("back to the form as a draft", `document.getElementById("report-form") && document.querySelector(".badge").textContent === "草稿"`, 5*time.Second)
	p.shot("withdrawn")
	p.open(reviewURL)
	if !strings.Contains(p.bodyText(), "撤回") || p.eval(`String(!!document.getElementById("approve-btn"))`) != "false" {
		t.Errorf("the link of a withdrawn version still offers a decision:\n%s", abbreviate(p.bodyText(), 600))
	}
}

// TestBrowserNarrowViewport opens the form and the review page on a 375 px phone: nothing
// may stick out of the viewport but the tables inside their own scroll containers. The
// form is also checked at 1920 px.
func TestBrowserNarrowViewport(t *testing.T) {
	const ag = "web3"
	fresh(t, agencyYAML(ag, "窄屏区应急管理局", 3600, 3))
	p := newPage(t, 375, 740)
	p.signIn("drafter@" + ag + ".local")
	p.noOverflow("the dashboard")

	p.clickAndLoad(`a[href="/reports/new"]`, "/reports/new")
	p.noOverflow("the new-report page")
	p.eval(fmt.Sprintf(`(() => { document.getElementById("year").value = "%d"; return "" })()`, browserYear))
	p.clickAndLoad(`#new-report button[type=submit]`, "/edit")
	p.waitChecked()
	p.typeInto(cell("requests", "new", "natural_person"), "5")
	p.waitTrue("the balance message", `document.querySelector(".cell-msg")`, 10*time.Second)
	p.noOverflow("the form")
	p.rowLabelBeside(cell("requests", "granted", "total"))
	p.rowLabelBeside(cell("appeals", "litigation_after_review", "total"))
	p.shot("form-375")
	// And on a wide desktop screen.
	if err := p.b.SetViewport(1920, 1080); err != nil {
		t.Fatal(err)
	}
	p.noOverflow("the form")
	p.shot("form-1920")
	if err := p.b.SetViewport(375, 740); err != nil {
		t.Fatal(err)
	}

	fillSections(p)
	p.typeInto(cell("requests", "carried_forward", "natural_person"), "5")
	p.waitTrue("submit to be enabled", `!document.getElementById("submit-btn").disabled`, 10*time.Second)
	p.submitReport("")
	p.noOverflow("the status page")

	p.noOverflow("the status page's record")
	p.mailLink("section@"+ag+".local", "【待审批】", "/review/")
	p.noOverflow("the review page")
	p.rowLabelBeside(`.report-preview table.requests tbody tr:nth-child(3) td:last-child`)
	p.shot("review-375")
}

// TestBrowserSaveConflict: a save that lost the race to someone else's shows both
// versions; the clerk keeps theirs, or takes the other, and neither is lost on the way.
func TestBrowserSaveConflict(t *testing.T) {
	const ag = "web4"
	fresh(t, agencyYAML(ag, "冲突区应急管理局", 3600, 3))
	api := newClient(t, "drafter@"+ag+".local")
	api.signIn()
	doc := sampleDoc(t, browserYear)
	if r := api.save(ag, browserYear, doc, ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	p := newPage(t, 1280, 900)
	p.signIn("drafter@" + ag + ".local")
	p.open(webURL(fmt.Sprintf("/reports/%s/%d/edit", ag, browserYear)))
	p.waitChecked()

	// A colleague saves first.
	doc["sections"].(map[string]any)["other"] = "本年度未收取信息处理费。同事补充的说明。"
	if r := api.save(ag, browserYear, doc, api.report(ag, browserYear).ETag); r.status != http.StatusOK {
		t.Fatalf("the colleague's save: %d %s", r.status, r.body)
	}
	p.typeInto(cell("appeals", "review", "upheld"), "9")
	p.click("#save-btn")
	p.waitTrue("both versions", `!document.getElementById("conflict").hidden`, 10*time.Second)
	rows := p.eval(`document.getElementById("conflict-rows").innerText`)
	for _, want := range []string{"行政复议 结果维持\t9\t3", "同事补充的说明"} {
		if !strings.Contains(rows, want) {
			t.Errorf("the conflict does not show %q:\n%s", want, rows)
		}
	}
	if p.eval(`String(document.getElementById("submit-btn").disabled)`) != "true" {
		t.Error("submit is enabled during a conflict")
	}
	p.shot("conflict")

	p.click("#keep-mine")
	p.waitTrue("the clerk's version saved", `document.getElementById("save-state").textContent.includes("已保存")`, 10*time.Second)
	if got := string(api.api("GET", fmt.Sprintf("/api/reports/%s/%d", ag, browserYear), nil, nil).body); !strings.Contains(got, `"upheld":9`) {
		t.Errorf("keeping mine did not save it: %s", abbreviate(got, 400))
	}

	// Again, and this time the clerk takes the other version.
	v := api.report(ag, browserYear)
	var cur map[string]any
	api.api("GET", fmt.Sprintf("/api/reports/%s/%d", ag, browserYear), nil, nil).json(t, &struct {
		Draft *map[string]any `json:"draft"`
	}{&cur})
	cur["sections"].(map[string]any)["problems"] = "同事改写的问题。"
	if r := api.save(ag, browserYear, cur, v.ETag); r.status != http.StatusOK {
		t.Fatalf("the colleague's second save: %d %s", r.status, r.body)
	}
	p.typeInto(cell("appeals", "review", "corrected"), "7")
	p.click("#save-btn")
	p.waitTrue("both versions", `!document.getElementById("conflict").hidden`, 10*time.Second)
	p.click("#take-theirs")
	p.waitTrue("the other version in the form", `document.getElementById("s-problems").value === "同事改写的问题。"`, 5*time.Second)
	if got := p.eval(`document.querySelector(` + js(cell("appeals", "review", "corrected")) + `).value`); got != "1" {
		t.Errorf("after taking theirs the cell holds %q, want their 1", got)
	}
	if got := p.eval(`localStorage.getItem("nianbao:draft:` + ag + `:2025:mine") || ""`); !strings.Contains(got, `"corrected":7`) {
		t.Errorf("the clerk's own version is not kept in the browser: %q", abbreviate(got, 200))
	}
}
