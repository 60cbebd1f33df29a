package report

import "testing"

// The text.invisible cases join the table TestRules runs on both formats.
func init() {
	ruleCases = append(ruleCases,
		ruleCase{
			name: "a right-to-left override in 总体情况", rule: RuleInvisible, wantSev: SeverityError,
			breakIt:  func(d, _ *Document) { d.Sections.Overview = "本年度共办结申请\u202e件21" },
			wantPath: "sections.overview", wantInMsg: []string{"一、总体情况", "第 9 个字", "文字方向控制符 U+202E"},
		},
		ruleCase{
			name: "a zero-width space in a note", rule: RuleInvisible, wantSev: SeverityError,
			breakIt:  func(d, _ *Document) { d.Notes.Requests = "其中\u200b3件" },
			wantPath: "notes.requests", wantInMsg: []string{"表三", "零宽字符 U+200B"},
		},
		ruleCase{
			name: "a zero-width joiner in the 编制说明", rule: RuleInvisible, wantSev: SeverityError,
			breakIt:  func(d, _ *Document) { d.Sections.Preamble = "本报告依据\u200d条例编制。" },
			wantPath: "sections.preamble", wantInMsg: []string{"编制说明"},
		},
		ruleCase{
			name: "an isolate in the agency's name", rule: RuleInvisible, wantSev: SeverityError,
			breakIt:  func(d, _ *Document) { d.Agency = "\u2067示例局\u2069" },
			wantPath: "agency", wantInMsg: []string{"机关名称", "第 1 个字"},
		},
	)
}

func TestInvisibleRune(t *testing.T) {
	for s, want := range map[string]bool{
		"普通文字，含标点（）、“引号”和 English": false, "emoji 👍 与组合字符 é": false,
		"\u202a": true, "\u202d": true, "\u2066": true, "\u2069": true, "\u200b": true, "\u200d": true, "\u2060": true, "\ufeff": true,
		"\u200e": false, // the left-to-right mark changes no order of strong characters; allowed
	} {
		if _, _, got := InvisibleRune(s); got != want {
			t.Errorf("InvisibleRune(%q) = %v, want %v", s, got, want)
		}
	}
}
