package approval

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

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
		"request":  msg(approvalMessage(ag, v, a, "office@demo.local", link, false)),
		"reminder": msg(approvalMessage(ag, v, a, "office@demo.local", link, true)),
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
	if m := msg(approvalMessage(ag, v, a, "x@demo.local", link, true)); !strings.HasPrefix(m.subject, "【催办】") {
		t.Errorf("reminder subject %q", m.subject)
	}
}

func msg(m mail.Message) struct{ subject, text, html string } {
	return struct{ subject, text, html string }{m.Subject, m.Text, m.HTML}
}

func TestDecisionNeedsWhatTheLevelRequires(t *testing.T) {
	office := &store.Approval{ID: "a", LevelName: "办公室", ConfidentialityReview: true}
	tests := []struct {
		name string
		in   DecideInput
		want string
	}{
		{"approve without the attestation", DecideInput{Decision: store.DecisionApprove}, "保密审查"},
		{"return without a comment", DecideInput{Decision: store.DecisionReturn, Comment: "  "}, "退回意见"},
		{"no decision", DecideInput{Decision: "maybe"}, "同意"},
		{"a comment too long", DecideInput{Decision: store.DecisionReturn, Comment: strings.Repeat("长", MaxCommentLen+1)}, "不能超过"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// No store: a refused decision must not touch it.
			_, err := Decide(context.Background(), nil, nil, office, tt.in)
			var de *DecisionError
			if !errors.As(err, &de) || !strings.Contains(de.Msg, tt.want) {
				t.Errorf("err = %v, want a DecisionError about %q", err, tt.want)
			}
		})
	}
}

func TestTaskClosed(t *testing.T) {
	for _, err := range []error{&sfntypes.TaskTimedOut{}, &sfntypes.TaskDoesNotExist{}, fmt.Errorf("send: %w", &sfntypes.InvalidToken{})} {
		if !TaskClosed(err) {
			t.Errorf("TaskClosed(%T) = false", err)
		}
	}
	if TaskClosed(errors.New("throttled")) {
		t.Error("an unrelated error counts as a closed task")
	}
}

func TestExecutionNameIsDeterministic(t *testing.T) {
	if a, b := ExecutionName("demo", 2025, 2), ExecutionName("demo", 2025, 2); a != b || a != "demo-2025-v2" {
		t.Errorf("execution names %q, %q", a, b)
	}
}
