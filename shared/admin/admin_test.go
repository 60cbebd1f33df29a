package admin

import (
	"strings"
	"testing"
)

const good = `
agencies:
  - id: demo
    name: 示例区应急管理局
    chain:
      - { name: 股室负责人, approvers: [Section@Demo.local] }
      - { name: 办公室, approvers: [office@demo.local] }
      - { name: 局长, approvers: [director@demo.local], confidentiality_review: true }
users:
  - { email: drafter@demo.local, agency: demo, roles: [drafter] }
`

func TestParseGood(t *testing.T) {
	f, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Agencies) != 1 || len(f.Agencies[0].Chain) != 3 || len(f.Users) != 1 {
		t.Errorf("parsed %+v", f)
	}
}

func TestParseRefusesMistakes(t *testing.T) {
	tests := []struct {
		name, from, to, want string
	}{
		{"unknown key", "name: 示例区应急管理局", "name: 示例区应急管理局\n    colour: red", "colour"},
		{"bad id", "id: demo", "id: ../x", "id"},
		{"no name", "name: 示例区应急管理局", "name: ''", "机关名称"},
		{"no approver", "approvers: [office@demo.local]", "approvers: []", "至少要有一位审批人"},
		{"bad approver", "office@demo.local", "not-an-email", "不是有效的邮箱"},
		{"six levels", "chain:\n", "chain:\n      - { name: a, approvers: [a@b.c] }\n      - { name: b, approvers: [a@b.c] }\n      - { name: c, approvers: [a@b.c] }\n", "1 至 5 级"},
		{"user of an unknown agency", "agency: demo, roles", "agency: nowhere, roles", "nowhere"},
		{"unknown role", "roles: [drafter]", "roles: [boss]", "boss"},
		{"negative reminders", "name: 示例区应急管理局", "name: 示例区应急管理局\n    max_reminders: -1", "负数"},
		{"a bidi override in the agency's name", "name: 示例区应急管理局", "name: \"示例区\u202e局理管急应\"", "文字方向控制符 U+202E"},
		{"a zero-width space in a level's name", "name: 办公室,", "name: \"办\u200b公室\",", "零宽字符 U+200B"},
		{"a BOM in a user's name", "{ email: drafter@demo.local,", "{ email: drafter@demo.local, name: \"\ufeff起草人\",", "零宽字符 U+FEFF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := strings.Replace(good, tt.from, tt.to, 1)
			if in == good {
				t.Fatal("the case changes nothing")
			}
			_, err := Parse([]byte(in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestWarningsNameADrafterInTheChain(t *testing.T) {
	f, err := Parse([]byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if w := f.Warnings(); len(w) != 0 {
		t.Errorf("warnings for distinct people: %v", w)
	}
	both := strings.Replace(good, "{ email: drafter@demo.local, agency: demo, roles: [drafter] }",
		"{ email: office@demo.local, agency: demo, roles: [approver, drafter] }", 1)
	f, err = Parse([]byte(both))
	if err != nil {
		t.Fatal(err)
	}
	w := f.Warnings()
	if len(w) != 1 || !strings.Contains(w[0], "office@demo.local") || !strings.Contains(w[0], "「办公室」") || !strings.Contains(w[0], "只有这一位") {
		t.Errorf("warnings %v", w)
	}
}
