package web

import (
	"html"
	"os"
	"strings"
	"testing"

	"nianbao/shared/report"
)

// The form shows the parts offices print around the sections (title, 编制说明, 落款), the
// texts printed in cells and the unit of 采购总金额, filled from the document.
func TestFormShowsPrintedParts(t *testing.T) {
	raw, err := os.ReadFile("../report/testdata/chaoyang-emergency-2020.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.DecodeBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	doc.Title = "汕头市潮阳区应急管理局2020年政府信息公开工作年度报告"
	doc.Sections.Preamble = "本报告依据《条例》编制，统计期限自2020年1月1日起至12月31日止。"
	doc.Signature = report.Signature{Name: "汕头市潮阳区应急管理局", Date: "2021年1月20日"}
	doc.Units = map[string]string{"proactive.procurement.amount": "万元"}
	page := renderForm(t, doc)
	for _, want := range []string{
		`id="f-title" type="text" data-field="title"`, `value="` + doc.Title + `"`,
		`placeholder="` + report.DefaultTitle(doc.Agency, doc.Year) + `"`,
		`data-section="preamble"`, doc.Sections.Preamble,
		`data-signature="name"`, `value="汕头市潮阳区应急管理局"`, `data-signature="date"`, `value="2021年1月20日"`,
		report.LabelTitle, report.LabelPreamble, report.LabelSignature, report.LabelPrinted,
		`data-unit="proactive.procurement.amount"`, `<option value="万元" selected>万元</option>`,
		`value="13宗共113200元"`,
	} {
		if !strings.Contains(page, want) && !strings.Contains(page, html.EscapeString(want)) {
			t.Errorf("the form lacks %q", want)
		}
	}
	// Each printed text is an entry with its cell selected.
	if n := strings.Count(page, `class="printed-entry"`); n != 3+3 { // 3 texts + one empty entry per table
		t.Errorf("%d printed entries, want 3 and one template per table", n)
	}
	if !strings.Contains(page, `<option value="proactive.penalty.prev_count" selected>`) {
		t.Error("the entry of 行政处罚 上一年项目数量 does not select its cell")
	}
	// Preamble before section 一, signature after section 六.
	pre, one, six, sig := strings.Index(page, `data-section="preamble"`), strings.Index(page, `data-section="overview"`),
		strings.Index(page, `data-section="other"`), strings.Index(page, `data-signature="name"`)
	if !(pre < one && six < sig) {
		t.Errorf("order: preamble %d, 一 %d, 六 %d, 落款 %d", pre, one, six, sig)
	}

	// gip-2021: the unit of 本年收费金额 is in its label; no choice.
	f21, _ := report.Lookup("gip-2021")
	if page := renderForm(t, prefill(f21, "某局", 2025, nil)); strings.Contains(page, `data-unit=`) {
		t.Error("gip-2021 offers a unit for an amount whose label prints it")
	}
}

// A gip-2021 document with the legacy （六） row opens with the row in 「3.其他」.
func TestFormOpensLegacyRow(t *testing.T) {
	raw, err := os.ReadFile("../report/testdata/legacy-2023.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.DecodeBytes(raw)
	if err != nil {
		t.Fatal(err)
	}
	page := renderForm(t, doc)
	m := inputPattern.FindAllString(page, -1)
	var misc string
	for _, in := range m {
		if strings.Contains(in, `id="c-requests-other_misc-natural_person"`) {
			misc = in
		}
	}
	if !strings.Contains(misc, `value="2"`) {
		t.Errorf("3.其他 自然人: %s, want the legacy row's 2", misc)
	}
	if !strings.Contains(page, `<option value="requests.other_misc.total" selected>`) {
		t.Error("the legacy row's printed text is not on 3.其他")
	}
}
