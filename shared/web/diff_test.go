package web

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"nianbao/shared/report"
)

// rebuild puts a diff's parts back together as the old and the new text.
func rebuild(parts []diffPart) (old, cur string) {
	var o, n strings.Builder
	for _, p := range parts {
		switch p.Op {
		case "=":
			o.WriteString(p.Text)
			n.WriteString(p.Text)
		case "-":
			o.WriteString(p.Text)
		case "+":
			n.WriteString(p.Text)
		}
	}
	return o.String(), n.String()
}

func TestDiffText(t *testing.T) {
	if _, changed := diffText("一样的文字。", "一样的文字。"); changed {
		t.Error("equal texts reported as changed")
	}
	for _, c := range []struct {
		name, a, b string
		want       []diffPart
	}{
		{"a few characters inside a sentence", "全年共收到申请44件。", "全年共收到申请45件。",
			[]diffPart{{"=", "全年共收到申请4"}, {"-", "4"}, {"+", "5"}, {"=", "件。"}}},
		{"a sentence added", "第一段。\n", "第一段。\n第二段。\n",
			[]diffPart{{"=", "第一段。\n"}, {"+", "第二段。\n"}}},
		{"from nothing", "", "新写的内容。", []diffPart{{"+", "新写的内容。"}}},
		// A rewritten sentence shares a stray 一 with the old one: shown whole, not
		// chopped into pieces around it.
		{"a rewrite", "一是信息发布时效性有待提高。", "复议数据已与复议机关核对一致。",
			[]diffPart{{"-", "一是信息发布时效性有待提高"}, {"+", "复议数据已与复议机关核对一致"}, {"=", "。"}}},
	} {
		got, changed := diffText(c.a, c.b)
		if !changed {
			t.Errorf("%s: not changed", c.name)
			continue
		}
		if !equalParts(got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
		if o, n := rebuild(got); o != c.a || n != c.b {
			t.Errorf("%s: the parts rebuild %q → %q", c.name, o, n)
		}
	}
}

func equalParts(a, b []diffPart) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestDiffTextFolds keeps one paragraph of context around a change and folds the rest.
func TestDiffTextFolds(t *testing.T) {
	var a, b strings.Builder
	for i := range 10 {
		line := "第" + string(rune('一'+i)) + "段没有改动。\n"
		a.WriteString(line)
		if i == 5 {
			line = "这一段改了。\n"
		}
		b.WriteString(line)
	}
	parts, _ := diffText(a.String(), b.String())
	var folds int
	for _, p := range parts {
		if p.Skip() {
			folds++
		}
	}
	if folds != 2 {
		t.Errorf("%d folded runs, want 2 (before and after the change): %q", folds, parts)
	}
}

// TestDiffTextLarge falls back to whole paragraphs when a character table would be too big.
func TestDiffTextLarge(t *testing.T) {
	a := strings.Repeat("甲", 3000)
	b := strings.Repeat("乙", 3000)
	parts, changed := diffText(a, b)
	if !changed || len(parts) != 2 || !parts[0].Del() || !parts[1].Ins() {
		t.Errorf("large rewrite: %d parts", len(parts))
	}
	if n := utf8.RuneCountInString(parts[0].Text); n != 3000 {
		t.Errorf("deleted %d runes", n)
	}
}

func TestDiffDocuments(t *testing.T) {
	f, _ := report.Lookup("gip-2021")
	old := prefill(f, "示例区应急管理局", 2025, nil)
	old.Sections.Overview = "全年共收到申请44件。"
	cur := old.Clone()
	cur.Sections.Overview = "全年共收到申请45件。"
	if err := cur.Requests.Set("new", "natural_person", report.Int(1)); err != nil {
		t.Fatal(err)
	}
	fillSums(cur)
	d := diffDocuments(old, cur)
	if d.OldFormat != "" {
		t.Errorf("format change reported: %s", d.OldFormat)
	}
	want := map[string][2]string{
		"一、本年新收政府信息公开申请数量 自然人": {"0", "1"},
		"一、本年新收政府信息公开申请数量 总计":  {"0", "1"},
	}
	if len(d.Cells) != len(want) {
		t.Errorf("%d changed cells, want %d: %+v", len(d.Cells), len(want), d.Cells)
	}
	for _, c := range d.Cells {
		w, ok := want[c.Label]
		if !ok || c.Old != w[0] || c.New != w[1] || c.Table != "表三" {
			t.Errorf("unexpected change %+v", c)
		}
	}
	if len(d.Texts) != 1 || d.Texts[0].Heading != "一、总体情况" {
		t.Errorf("text changes: %+v", d.Texts)
	}

	// A format change lists the cells only the old format had.
	f19, _ := report.Lookup("gip-2019")
	older := prefill(f19, "示例区应急管理局", 2025, nil)
	d = diffDocuments(older, old)
	if d.OldFormat == "" || d.NewFormat == "" {
		t.Error("format change not reported")
	}
	var gone bool
	for _, c := range d.Cells {
		if c.Label == "第二十条第（九）项 政府集中采购 采购项目数量" && c.Old == "0" && c.New == "" {
			gone = true
		}
	}
	if !gone {
		t.Errorf("the gip-2019-only cell 政府集中采购 is not listed as removed: %+v", d.Cells)
	}
}

// A huge change is not compared line by line: the table would be quadratic (30 000 × 30 000
// lines is 3.6 GB). It is shown as deleted and inserted whole.
func TestLineDiffIsBounded(t *testing.T) {
	var a, b []string
	for i := 0; i < 30000; i++ {
		a = append(a, fmt.Sprintf("旧%d\n", i))
		b = append(b, fmt.Sprintf("新%d\n", i))
	}
	a, b = append([]string{"同\n"}, a...), append([]string{"同\n"}, b...)
	ops := lcs(a, b)
	del, ins, same := 0, 0, 0
	for _, op := range ops {
		switch op.op {
		case '-':
			del++
		case '+':
			ins++
		case '=':
			same++
		}
	}
	if del != 30000 || ins != 30000 || same != 1 {
		t.Errorf("ops: %d deleted, %d inserted, %d kept", del, ins, same)
	}
}

// The parts an office prints around the tables are what approvers sign off too: the
// title, the 编制说明, the 落款, a text printed in a cell, the unit of an amount.
func TestDiffPrintedParts(t *testing.T) {
	f, _ := report.Lookup("gip-2019")
	old := prefill(f, "示例区应急管理局", 2020, nil)
	cur := old.Clone()
	cur.Title = "示例区应急管理局2020年政府信息公开工作年度报告"
	cur.Sections.Preamble = "本报告依据条例编制。"
	cur.Signature = report.Signature{Name: "示例区应急管理局", Date: "2021年1月20日"}
	cur.Printed = map[string]string{"proactive.penalty.prev_count": "0宗"}
	cur.Units = map[string]string{"proactive.procurement.amount": "万元"}
	d := diffDocuments(old, cur)
	var headings []string
	for _, tc := range d.Texts {
		headings = append(headings, tc.Heading)
	}
	for _, want := range []string{report.LabelTitle, report.LabelPreamble, report.LabelSignature, "表二的列名"} {
		if !strings.Contains(strings.Join(headings, " "), want) {
			t.Errorf("no change listed under %q: %v", want, headings)
		}
	}
	var printed bool
	for _, c := range d.Cells {
		printed = printed || c.New == "0宗"
	}
	if !printed {
		t.Errorf("the text printed in a cell is not listed: %+v", d.Cells)
	}
	if last := headings[len(headings)-1]; last != report.LabelSignature {
		t.Errorf("the 落款 is not the last change: %v", headings)
	}
}
