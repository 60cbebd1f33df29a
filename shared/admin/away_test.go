package admin

import (
	"strings"
	"testing"
)

const away = good + `  - { email: director@demo.local, agency: demo, roles: [approver] }
  - { email: deputy@demo.local, agency: demo, roles: [approver] }
substitutes:
  - { approver: Director@demo.local, substitute: deputy@demo.local, from: 2026-01-10, to: 2026-01-20 }
`

func TestParseAway(t *testing.T) {
	f, err := Parse([]byte(strings.Replace(away, "confidentiality_review: true }", "confidentiality_review: true, escalate_to: lead@gov.local }", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Agencies[0].Chain[2].EscalateTo != "lead@gov.local" {
		t.Errorf("escalate_to: %+v", f.Agencies[0].Chain[2])
	}
	if s := f.Substitutes[0]; s.Agency != "demo" || s.Approver != "director@demo.local" || s.From != "2026-01-10" {
		t.Errorf("substitute %+v", s)
	}
	for _, tt := range []struct{ name, from, to, want string }{
		{"a bad escalation address", "confidentiality_review: true }", "escalate_to: lead }", "escalate_to"},
		{"an unknown substitute", "substitute: deputy@demo.local", "substitute: nobody@demo.local", "不是本机关的用户"},
		{"dates backwards", "to: 2026-01-20", "to: 2026-01-01", "早于"},
		{"an unknown key", "to: 2026-01-20 }", "to: 2026-01-20, agency: demo }", "agency"},
		{"a loop", "to: 2026-01-20 }", "to: 2026-01-20 }\n  - { approver: deputy@demo.local, substitute: director@demo.local, from: 2026-01-15, to: 2026-01-16 }", "代理不能成环"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(strings.Replace(away, tt.from, tt.to, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestWarnsOfADrafterSubstitute(t *testing.T) {
	f, err := Parse([]byte(strings.Replace(away, "substitute: deputy@demo.local", "substitute: drafter@demo.local", 1)))
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(f.Warnings(), "\n")
	if !strings.Contains(w, "起草人 drafter@demo.local 是 director@demo.local 的代理人") {
		t.Errorf("warnings: %s", w)
	}
}
