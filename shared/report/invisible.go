package report

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// RuleInvisible: a text holds characters that change how it reads without showing
// themselves — bidirectional controls, which can reverse how a published line reads, and
// zero-width characters. An error: what the public reads must be what the approvers saw.
const RuleInvisible = "text.invisible"

// InvisibleRune names the first invisible control in s: a bidirectional embedding,
// override or isolate (U+202A–U+202E, U+2066–U+2069) or a zero-width character
// (U+200B–U+200D, U+2060, U+FEFF). ok is false when there is none. Agency, level and
// user names are held to the same rule (nianbao admin import).
func InvisibleRune(s string) (r rune, offset int, ok bool) {
	for i, c := range s {
		switch {
		case c >= 0x202A && c <= 0x202E, c >= 0x2066 && c <= 0x2069,
			c >= 0x200B && c <= 0x200D, c == 0x2060, c == 0xFEFF:
			return c, i, true
		}
	}
	return 0, 0, false
}

// invisibleName says which character it is, for the message.
func invisibleName(r rune) string {
	switch {
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069:
		return fmt.Sprintf("文字方向控制符 U+%04X", r)
	}
	return fmt.Sprintf("零宽字符 U+%04X", r)
}

// InvisibleProblem is the message for a text holding an invisible control, or "".
func InvisibleProblem(what, s string) string {
	r, off, ok := InvisibleRune(s)
	if !ok {
		return ""
	}
	pos := utf8.RuneCountInString(s[:off]) + 1
	return fmt.Sprintf("%s第 %d 个字处含有不可见的%s，会改变文字的显示方式，请删除后再保存（可将这段文字粘贴为纯文本后重新输入）。", what, pos, invisibleName(r))
}

// invisible checks every text of the document: the agency's name, the title, the
// 编制说明 and the text sections, the notes under the tables, the texts printed in cells
// and the 落款.
func (v *validator) invisible(f *Format) {
	d := v.doc
	for _, t := range []struct{ path, what, text string }{
		{"agency", "机关名称", d.Agency},
		{"title", "标题", d.Title},
		{"sections.preamble", "编制说明", d.Sections.Preamble},
		{"signature.name", "落款的机关名称", d.Signature.Name},
		{"signature.date", "落款的日期", d.Signature.Date},
	} {
		if msg := InvisibleProblem(t.what, t.text); msg != "" {
			v.add(RuleInvisible, SeverityError, t.path, nil, nil, "%s", msg)
		}
	}
	for _, path := range sortedKeys(d.Printed) {
		if msg := InvisibleProblem("表中文字（"+path+"）", d.Printed[path]); msg != "" {
			v.add(RuleInvisible, SeverityError, "printed."+path, nil, nil, "%s", msg)
		}
	}
	for _, s := range f.Sections {
		if s.Field != "" {
			if msg := InvisibleProblem("「"+s.Heading+"」", d.Text(s.Field)); msg != "" {
				v.add(RuleInvisible, SeverityError, "sections."+s.Field, nil, nil, "%s", msg)
			}
		}
	}
	for _, t := range f.Tables() {
		if msg := InvisibleProblem("表"+t.Number+"下的说明", d.Note(t.Key)); msg != "" {
			v.add(RuleInvisible, SeverityError, "notes."+t.Key, nil, nil, "%s", msg)
		}
	}
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
