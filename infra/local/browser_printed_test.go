package local_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// TestBrowserPrintedParts fills what real reports print beyond the template's cells —
// the title as printed, the 编制说明, the 落款, a text printed in a number cell (the seed
// report's 「13宗共113200元」) and the unit of 采购总金额 — in the form of a 2020 report
// (gip-2019), and finds them on the published page.
func TestBrowserPrintedParts(t *testing.T) {
	const (
		ag       = "web9"
		name     = "印发区应急管理局"
		year     = 2020
		title    = "印发区应急管理局2020年政府信息公开工作年度报告"
		preamble = "本报告依据《中华人民共和国政府信息公开条例》编制，统计期限自2020年1月1日起至2020年12月31日止。咨询电话：0000-1234567。"
		signName = "印发区应急管理局"
		signDate = "2021年1月20日"
	)
	fresh(t, agencyYAML(ag, name, 3600, 3))

	// The seed report's numbers go in through the API, without its printed texts: the
	// clerk types those.
	raw, err := os.ReadFile("../../shared/report/testdata/chaoyang-emergency-2020.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	delete(doc, "printed")
	doc["agency"] = ""
	api := newClient(t, "drafter@"+ag+".local")
	api.signIn()
	if r := api.save(ag, year, doc, ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}

	p := newPage(t, 1280, 900)
	p.signIn("drafter@" + ag + ".local")
	p.open(webURL(fmt.Sprintf("/reports/%s/%d/edit", ag, year)))
	p.waitChecked()

	p.typeInto("#f-title", title)
	p.typeInto("#s-preamble", preamble)
	p.typeInto("#f-sign-name", signName)
	p.typeInto("#f-sign-date", signDate)
	p.typeInto(cell("proactive", "procurement", "items"), "2")
	p.typeInto(cell("proactive", "procurement", "amount"), "12.5")
	p.eval(`(() => { const s = document.querySelector('select[data-unit="proactive.procurement.amount"]'); s.value = "万元"; s.dispatchEvent(new Event("input", {bubbles: true})); return "" })()`)

	// A text in 行政处罚 上一年项目数量 (13): first one that does not state 13.
	p.click(`details.printed:has(.printed-add[data-table="proactive"]) summary`)
	p.click(`.printed-add[data-table="proactive"]`)
	entry := `.printed-list[data-table="proactive"] .printed-entry:last-child`
	p.eval(`(() => { const s = document.querySelector(` + js(entry+" .printed-cell") + `); s.value = "proactive.penalty.prev_count"; s.dispatchEvent(new Event("input", {bubbles: true})); return "" })()`)
	p.typeInto(entry+" .printed-text", "14宗共113200元")
	msg := "#m-c-proactive-penalty-prev_count"
	p.waitTrue("the printed-text warning at the cell", `document.querySelector(`+js(msg)+`) && document.querySelector(`+js(msg)+`).textContent.includes("没有写明 13")`, 10*time.Second)
	p.shot("form-printed-warning")
	p.replaceText(entry+" .printed-text", "13宗共113200元")
	p.waitTrue("the warning to go", `!document.querySelector(`+js(msg)+`)`, 10*time.Second)
	p.shot("form-printed-parts")

	p.waitTrue("the saved state", `document.getElementById("save-state").textContent.includes("已保存")`, 10*time.Second)
	saved := string(api.api("GET", fmt.Sprintf("/api/reports/%s/%d", ag, year), nil, nil).body)
	for _, want := range []string{title, `"preamble":`, `"proactive.penalty.prev_count":"13宗共113200元"`, `"units":{"proactive.procurement.amount":"万元"}`, signDate} {
		if !strings.Contains(saved, want) {
			t.Errorf("the saved draft lacks %s: %s", want, abbreviate(saved, 600))
		}
	}
	// The form opens again with all of it.
	p.open(webURL(fmt.Sprintf("/reports/%s/%d/edit", ag, year)))
	p.waitChecked()
	if got := p.eval(`document.getElementById("f-title").value + "|" + document.getElementById("f-sign-date").value + "|" +
		document.querySelector('select[data-unit="proactive.procurement.amount"]').value + "|" +
		document.querySelector('.printed-list[data-table="proactive"] .printed-text').value`); got != title+"|"+signDate+"|万元|13宗共113200元" {
		t.Errorf("the form opened with %q", got)
	}

	p.waitTrue("submit to be enabled", `!document.getElementById("submit-btn").disabled`, 10*time.Second)
	p.clickAndLoad("#submit-btn", "/status")
	for _, who := range []string{"section", "office", "director"} {
		a := newApprover(t, who+"@"+ag+".local")
		if r := a.decide(a.reviewLink(1), "approve", "", who == "office"); r.status != http.StatusSeeOther {
			t.Fatalf("%s approve: %d %s", who, r.status, r.body)
		}
	}

	p.mailLink("drafter@"+ag+".local", "【已发布】", "/_local/site/reports/")
	p.waitTrue("the published report", `document.querySelector("h1") && document.querySelector("h1").textContent === `+js(title), 10*time.Second)
	p.shot("published-printed-parts")
	checks := map[string]string{
		"the title":    `document.title`,
		"the 编制说明":     `document.querySelector(".preamble").innerText`,
		"the 落款":       `document.querySelector(".signature").innerText`,
		"行政处罚's cells": `[...document.querySelectorAll("table.proactive tr")].find(tr => tr.querySelector("th") && tr.querySelector("th").textContent === "行政处罚").innerText`,
		"the unit":     `[...document.querySelectorAll("table.proactive th")].map(th => th.textContent).join("|")`,
	}
	wants := map[string][]string{
		"the title":    {title},
		"the 编制说明":     {"统计期限自2020年1月1日起"},
		"the 落款":       {signName, signDate},
		"行政处罚's cells": {"13宗共113200元"},
		"the unit":     {"采购总金额（单位：万元）"},
	}
	for what, expr := range checks {
		got := p.eval(expr)
		for _, want := range wants[what] {
			if !strings.Contains(got, want) {
				t.Errorf("the published page: %s is %q, want %q", what, abbreviate(got, 300), want)
			}
		}
	}
	// The 编制说明 comes before 一、总体情况, the 落款 after 六.
	if got := p.eval(`(() => { const a = document.querySelector("article"); const i = (el) => [...a.children].indexOf(el);
		return String(i(a.querySelector(".preamble")) < i(a.querySelector("#s1")) && i(a.querySelector("#s6")) < i(a.querySelector(".signature"))) })()`); got != "true" {
		t.Error("the 编制说明 or the 落款 is out of place")
	}
}
