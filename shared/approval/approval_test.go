package approval

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"nianbao/shared/mail"
	"nianbao/shared/store"
)

func TestCorrectionsOf(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2026, 1, d, 9, 0, 0, 0, time.UTC) }
	tests := []struct {
		name    string
		earlier []store.Publication
		reason  string
		want    string // version:reason, …
	}{
		{"first publication", nil, "", ""},
		{"one correction", []store.Publication{{Version: 1, PublishedAt: day(10)}}, "更正表三", "1:更正表三"},
		{
			// v2 published, v4 corrected it (reason R4), now v5 corrects v4 (reason R5):
			// each replaced version carries the reason of the version that replaced it.
			"a second correction",
			[]store.Publication{{Version: 4, PublishedAt: day(20), CorrectionReason: "R4"}, {Version: 2, PublishedAt: day(10)}},
			"R5", "2:R4,4:R5",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range correctionsOf(tt.earlier, 5, tt.reason) {
				got = append(got, fmt.Sprintf("%d:%s", c.Version, c.Reason))
			}
			if s := strings.Join(got, ","); s != tt.want {
				t.Errorf("corrections = %s, want %s", s, tt.want)
			}
		})
	}
}

func TestMessagesPutTheLinkFirst(t *testing.T) {
	ag := &store.Agency{ID: "demo", Name: "示例区应急管理局"}
	v := &store.Version{Year: 2025, Number: 2, SubmittedBy: "drafter@demo.local", SubmittedAt: time.Now(), CorrectionReason: "<b>补充</b>"}
	a := &store.Approval{LevelName: "办公室", ConfidentialityReview: true, Reminders: 1}
	link := "http://127.0.0.1:8080/review/id/secret"
	for name, m := range map[string]struct{ subject, text, html string }{
		"request":  msg(approvalMessage(ag, v, a, store.Recipient{Email: "office@demo.local"}, link, false)),
		"reminder": msg(approvalMessage(ag, v, a, store.Recipient{Email: "office@demo.local"}, link, true)),
	} {
		if !strings.HasPrefix(m.text, "审批链接："+link) {
			t.Errorf("%s: the text does not start with the link:\n%s", name, m.text)
		}
		if i := strings.Index(m.html, "<a href"); i < 0 || i > strings.Index(m.html, "<p>示例区") {
			t.Errorf("%s: the link is not the first thing in the HTML", name)
		}
		if strings.Contains(m.html, "<b>补充</b>") || !strings.Contains(m.html, "&lt;b&gt;") {
			t.Errorf("%s: text from the report is not escaped in the HTML", name)
		}
		if !strings.Contains(m.text, "保密审查") || !strings.Contains(m.subject, "示例区应急管理局2025年度") {
			t.Errorf("%s: %s\n%s", name, m.subject, m.text)
		}
	}
	if m := msg(approvalMessage(ag, v, a, store.Recipient{Email: "x@demo.local"}, link, true)); !strings.HasPrefix(m.subject, "【催办】") {
		t.Errorf("reminder subject %q", m.subject)
	}
}

func msg(m mail.Message) struct{ subject, text, html string } {
	return struct{ subject, text, html string }{m.Subject, m.Text, m.HTML}
}
