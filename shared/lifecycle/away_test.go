package lifecycle

import (
	"strings"
	"testing"
	"time"

	"nianbao/shared/store"
)

func sub(approver, substitute, from, to string) store.Substitute {
	return store.Substitute{Agency: "demo", Approver: approver, Substitute: substitute, From: from, To: to}
}

func TestDay(t *testing.T) {
	// 2026-01-10 17:00 UTC is already the 11th in Beijing.
	if got := Day(time.Date(2026, 1, 10, 17, 0, 0, 0, time.UTC)); got != "2026-01-11" {
		t.Errorf("Day = %s", got)
	}
}

func TestLevelRecipients(t *testing.T) {
	l := store.Level{Name: "局长", Approvers: []string{"Director@demo.local", "deputy@demo.local"}}
	subs := []store.Substitute{
		sub("director@demo.local", "vice@demo.local", "2026-01-05", "2026-01-12"),
		sub("vice@demo.local", "clerk@demo.local", "2026-01-01", "2026-01-31"),      // no chains: vice's own does not inherit
		sub("deputy@demo.local", "director@demo.local", "2026-01-01", "2026-01-31"), // already an approver: mailed once
		sub("other@demo.local", "x@demo.local", "2026-01-01", "2026-01-31"),         // not of this level
		sub("director@demo.local", "late@demo.local", "2026-02-01", "2026-02-02"),   // (replaced in practice; not running)
	}
	got := LevelRecipients(l, subs, "2026-01-10")
	want := []store.Recipient{{Email: "director@demo.local"}, {Email: "deputy@demo.local"}, {Email: "vice@demo.local", For: "director@demo.local"}}
	if len(got) != len(want) {
		t.Fatalf("recipients = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("recipient %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	// After the last day the substitute is mailed no more.
	if got := LevelRecipients(l, subs, "2026-01-13"); len(got) != 2 {
		t.Errorf("after the substitution: %+v", got)
	}
}

func TestCheckSubstitute(t *testing.T) {
	user := func(email, agency string) *store.User { return &store.User{Email: email, Agency: agency} }
	a, b := user("a@demo.local", "demo"), user("b@demo.local", "demo")
	existing := []store.Substitute{
		sub("b@demo.local", "c@demo.local", "2026-01-01", "2026-01-10"),
		sub("c@demo.local", "a@demo.local", "2026-01-08", "2026-01-20"),
	}
	for _, tt := range []struct {
		name        string
		s           store.Substitute
		sub         *store.User
		want        string
		againstNone bool
	}{
		{"fine", sub("a@demo.local", "b@demo.local", "2026-01-01", "2026-01-05"), b, "", false},
		{"a loop through the overlapping days", sub("a@demo.local", "b@demo.local", "2026-01-09", "2026-01-12"), b, "代理不能成环", false},
		{"a direct loop", sub("c@demo.local", "b@demo.local", "2026-01-02", "2026-01-03"), b, "代理不能成环", false},
		{"oneself", sub("a@demo.local", "A@demo.local", "2026-01-01", "2026-01-02"), a, "自己", true},
		{"another agency", sub("a@demo.local", "b@demo.local", "2026-01-01", "2026-01-02"), user("b@demo.local", "other"), "不是本机关的用户", true},
		{"unknown", sub("a@demo.local", "z@demo.local", "2026-01-01", "2026-01-02"), nil, "不是本机关的用户", true},
		{"dates backwards", sub("a@demo.local", "b@demo.local", "2026-01-05", "2026-01-01"), b, "早于", true},
		{"not dates", sub("a@demo.local", "b@demo.local", "1月5日", "2026-01-01"), b, "YYYY-MM-DD", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ex := existing
			if tt.againstNone {
				ex = nil
			}
			approver := a
			if tt.s.Approver == "c@demo.local" {
				approver = user("c@demo.local", "demo")
			}
			err := CheckSubstitute(ex, tt.s, approver, tt.sub)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, CodeUnprocessable, tt.want)
		})
	}
}

func TestSetSubstitute(t *testing.T) {
	users := map[string]*store.User{
		"a@demo.local":     {Email: "a@demo.local", Agency: "demo", Roles: []string{store.RoleApprover}},
		"b@demo.local":     {Email: "b@demo.local", Agency: "demo", Roles: []string{store.RoleApprover}},
		"admin@demo.local": {Email: "admin@demo.local", Agency: "demo", Roles: []string{store.RoleAdmin}},
	}
	for _, by := range []string{"a@demo.local", "admin@demo.local", "b@demo.local"} {
		l, st, _ := newLife()
		st.GetUserFn = func(e string) (*store.User, error) {
			if u, ok := users[e]; ok {
				return u, nil
			}
			return nil, store.ErrNotFound
		}
		var put *store.Substitute
		st.PutSubstituteFn = func(s store.Substitute) error { put = &s; return nil }
		err := l.SetSubstitute(ctx, users[by], sub("A@demo.local", "b@demo.local", "2026-01-10", "2026-01-12"))
		if by == "b@demo.local" {
			wantCode(t, err, CodeForbidden, "审批人本人或本机关的管理员")
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if put == nil || put.Approver != "a@demo.local" || put.SetBy != by {
			t.Errorf("by %s: put %+v", by, put)
		}
	}
}

// TestDutiesThroughSubstitutes: a decision by a substitute counts for them and for the
// approver they stand in for.
func TestDutiesThroughSubstitutes(t *testing.T) {
	for _, tt := range []struct {
		name      string
		decider   string
		onBehalf  string
		level0    *store.Approval // the decided first level
		want      string
		submitter string
	}{
		{name: "a substitute for someone", decider: "s@demo.local", onBehalf: "a@demo.local", want: ""},
		{name: "the submitter as a substitute", decider: "d@demo.local", onBehalf: "a@demo.local", want: "由您提交"},
		{name: "a substitute for the submitter", decider: "s@demo.local", onBehalf: "d@demo.local", want: "不能代其审批"},
		{name: "a substitute for who decided another level", decider: "s@demo.local", onBehalf: "a@demo.local",
			level0: &store.Approval{LevelName: "第1级", State: store.ApprovalDecided, DecidedBy: "a@demo.local"}, want: "不能代其再审批一级"},
		{name: "a substitute who decided another level for someone", decider: "s@demo.local", onBehalf: "a@demo.local",
			level0: &store.Approval{LevelName: "第1级", State: store.ApprovalDecided, DecidedBy: "s@demo.local", DecidedFor: "x@demo.local"}, want: "您已审批本版报告的「第1级」（s@demo.local（代 x@demo.local））"},
		{name: "a substitute after the substitution ended", decider: "s@demo.local", onBehalf: "b@demo.local", want: "期间已经结束"},
		{name: "in person, after one's substitute decided another level", decider: "x@demo.local",
			level0: &store.Approval{LevelName: "第1级", State: store.ApprovalDecided, DecidedBy: "s@demo.local", DecidedFor: "x@demo.local"}, want: "您已审批本版报告的「第1级」"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, st, wf := newLife()
			st.GetVersionFn = func(string, int, int) (*store.Version, error) {
				return &store.Version{SubmittedBy: "d@demo.local", Chain: agency(2).Chain}, nil
			}
			st.FindApprovalFn = func(_ string, _ int, _ int, level store.LevelIndex) (*store.Approval, error) {
				if level == 0 && tt.level0 != nil {
					return tt.level0, nil
				}
				return nil, store.ErrNotFound
			}
			st.SubstitutesFn = func(string) ([]store.Substitute, error) {
				return []store.Substitute{
					sub("a@demo.local", "s@demo.local", "2026-01-01", "2026-01-31"),
					sub("b@demo.local", "s@demo.local", "2026-01-01", "2026-01-09"), // ended the day before
					sub("d@demo.local", "s@demo.local", "2026-01-01", "2026-01-31"),
				}, nil
			}
			var got store.Decision
			st.DecideFn = func(a *store.Approval, d store.Decision) (*store.Approval, error) {
				got = d
				b := *a
				b.State, b.DecidedBy, b.DecidedFor = store.ApprovalDecided, d.By, d.For
				return &b, nil
			}
			wf.DeliverFn = func(string, string) error { return nil }
			st.MarkDeliveredFn = func(string) error { return nil }
			a := &store.Approval{ID: "a", Level: 1, LevelName: "第2级", State: store.ApprovalPending, Expires: st.now.Add(time.Hour),
				Recipients: []store.Recipient{{Email: "a@demo.local"}, {Email: tt.decider, For: tt.onBehalf}}}
			decided, err := l.Decide(ctx, a, DecideInput{Approver: tt.decider, Decision: store.DecisionApprove})
			if tt.want != "" {
				wantCode(t, err, CodeForbidden, tt.want)
				if st.calls["Decide"] != 0 {
					t.Error("a refused decision was recorded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.By != tt.decider || got.For != tt.onBehalf || len(got.Audit) != 1 || got.Audit[0].For != tt.onBehalf {
				t.Errorf("decision %+v", got)
			}
			if want := "s@demo.local（代 a@demo.local）"; decided.DecidedLabel() != want || got.Audit[0].ActorLabel() != want {
				t.Errorf("label %q / %q, want %q", decided.DecidedLabel(), got.Audit[0].ActorLabel(), want)
			}
		})
	}
}

func TestUnstaffedCountsSubstitutesAndEscalation(t *testing.T) {
	chain := func(escalate string, levels ...[]string) []store.Level {
		var out []store.Level
		for i, a := range levels {
			out = append(out, store.Level{Name: string(rune('A' + i)), Approvers: a})
		}
		out[len(out)-1].EscalateTo = escalate
		return out
	}
	day := "2026-01-10"
	for _, tt := range []struct {
		name  string
		chain []store.Level
		subs  []store.Substitute
		want  store.LevelIndex
	}{
		{"one person for two levels, with a substitute: the decision still counts for them", chain("", []string{"a"}, []string{"a"}),
			[]store.Substitute{sub("a", "s", day, day)}, 1},
		{"one person for two levels, with an escalation address", chain("e", []string{"a"}, []string{"a"}), nil, store.NoLevel},
		{"the submitter alone at a level, with a substitute", chain("", []string{"d"}), []store.Substitute{sub("d", "s", day, day)}, 0},
		{"the submitter as someone's substitute", chain("", []string{"a"}), []store.Substitute{sub("a", "d", day, day)}, store.NoLevel},
		{"the submitter alone, with an escalation address", chain("e", []string{"d"}), nil, store.NoLevel},
		{"the submitter as the escalation address", chain("d", []string{"d"}), nil, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Unstaffed(tt.chain, "d", tt.subs, day); got != tt.want {
				t.Errorf("Unstaffed = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestReassign(t *testing.T) {
	admin := &store.User{Email: "admin@demo.local", Agency: "demo", Roles: []string{store.RoleAdmin}}
	setup := func() (*Lifecycle, *fakeStore, *store.Approval) {
		l, st, _ := newLife()
		st.GetUserFn = func(e string) (*store.User, error) {
			switch e {
			case "b@demo.local", "d@demo.local":
				return &store.User{Email: e, Agency: "demo", Roles: []string{store.RoleApprover}}, nil
			case "c@demo.local":
				return &store.User{Email: e, Agency: "demo", Roles: []string{store.RoleDrafter}}, nil
			}
			return nil, store.ErrNotFound
		}
		st.GetVersionFn = func(string, int, int) (*store.Version, error) {
			return &store.Version{SubmittedBy: "d@demo.local", Chain: agency(1).Chain}, nil
		}
		st.FindApprovalFn = func(string, int, int, store.LevelIndex) (*store.Approval, error) { return nil, store.ErrNotFound }
		a := &store.Approval{ID: "a1", Agency: "demo", Version: 1, Level: 0, LevelName: "第1级", State: store.ApprovalPending,
			Expires: st.now.Add(time.Hour), Recipients: []store.Recipient{{Email: "a@demo.local"}}}
		return l, st, a
	}
	for _, tt := range []struct {
		name string
		in   ReassignInput
		code Code
		want string
	}{
		{"not the admin", ReassignInput{By: &store.User{Email: "a@demo.local", Agency: "demo", Roles: []string{store.RoleApprover}}, To: "b@demo.local", Reason: "出差"}, CodeForbidden, "管理员"},
		{"another agency's admin", ReassignInput{By: &store.User{Email: "x@other.local", Agency: "other", Roles: []string{store.RoleAdmin}}, To: "b@demo.local", Reason: "出差"}, CodeForbidden, "管理员"},
		{"without a reason", ReassignInput{By: admin, To: "b@demo.local", Reason: "  "}, CodeUnprocessable, "原因"},
		{"to a drafter", ReassignInput{By: admin, To: "c@demo.local", Reason: "出差"}, CodeUnprocessable, "不是本机关的审批人"},
		{"to the submitter", ReassignInput{By: admin, To: "d@demo.local", Reason: "出差"}, CodeUnprocessable, "由您提交"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, st, a := setup()
			_, err := l.Reassign(ctx, a, tt.in)
			wantCode(t, err, tt.code, tt.want)
			if st.calls["Reassign"] != 0 {
				t.Error("a refused reassignment was written")
			}
		})
	}
	t.Run("moved, recorded, and the old link closed with its reason", func(t *testing.T) {
		l, st, a := setup()
		var audit store.AuditEntry
		st.ReassignFn = func(a *store.Approval, to store.Recipient, m store.Reassignment, e store.AuditEntry) (*store.Approval, error) {
			audit = e
			b := *a
			m.At = st.now
			b.Recipients = []store.Recipient{{Email: "a@demo.local", Reassigned: &m}, to}
			b.Assignment++
			return &b, nil
		}
		moved, err := l.Reassign(ctx, a, ReassignInput{By: admin, To: "B@demo.local", Reason: "局长出差", SecretHash: "h"})
		if err != nil {
			t.Fatal(err)
		}
		if audit.Action != store.ActionReassign || !strings.Contains(audit.Comment, "由 a@demo.local 改派给 b@demo.local，原因：局长出差") {
			t.Errorf("audit %+v", audit)
		}
		open, why := OpenTo(moved, "a@demo.local", st.now)
		if open || !strings.Contains(why, "改派给 b@demo.local，原因：局长出差") {
			t.Errorf("old link: %v %q", open, why)
		}
		if open, _ := OpenTo(moved, "b@demo.local", st.now); !open {
			t.Error("the new link does not decide")
		}
		_, err = l.Decide(ctx, moved, DecideInput{Approver: "a@demo.local", Decision: store.DecisionApprove})
		wantCode(t, err, CodeConflict, "改派")
	})
}

func TestEscalate(t *testing.T) {
	l, st, _ := newLife()
	a := &store.Approval{ID: "a1", Version: 1, LevelName: "局长", State: store.ApprovalPending, Reminders: 3}
	if _, ok, err := l.Escalate(ctx, a, store.Level{Name: "局长"}, "h"); ok || err != nil {
		t.Fatalf("without escalate_to: %v %v", ok, err)
	}
	var audit store.AuditEntry
	st.EscalateFn = func(a *store.Approval, to store.Recipient, e store.AuditEntry) (*store.Approval, error) {
		audit = e
		b := *a
		b.Escalated = true
		b.Recipients = append(b.Recipients, to)
		return &b, nil
	}
	got, ok, err := l.Escalate(ctx, a, store.Level{Name: "局长", EscalateTo: "Lead@gov.local"}, "h")
	if err != nil || !ok || !got.Escalated {
		t.Fatalf("escalate: %v %v %+v", ok, err, got)
	}
	if audit.Action != store.ActionEscalate || !strings.Contains(audit.Comment, "第 3 次催办后仍未审批，已提交 lead@gov.local 审批") {
		t.Errorf("audit %+v", audit)
	}
	if _, ok, _ := l.Escalate(ctx, got, store.Level{Name: "局长", EscalateTo: "lead@gov.local"}, "h"); ok {
		t.Error("escalated twice")
	}
}

func TestMissingSubstitutes(t *testing.T) {
	a := &store.Approval{Recipients: []store.Recipient{
		{Email: "a@demo.local"},
		{Email: "old@demo.local", Reassigned: &store.Reassignment{To: "b@demo.local"}},
		{Email: "b@demo.local"},
		{Email: "s@demo.local", For: "b@demo.local"},
	}}
	subs := []store.Substitute{
		sub("a@demo.local", "n@demo.local", "2026-01-10", "2026-01-12"),   // began after the request: added
		sub("old@demo.local", "o@demo.local", "2026-01-01", "2026-01-31"), // reassigned away: not
		sub("b@demo.local", "s@demo.local", "2026-01-01", "2026-01-31"),   // a recipient already
		sub("s@demo.local", "t@demo.local", "2026-01-01", "2026-01-31"),   // a substitute's substitute: no chains
		sub("a@demo.local", "later@demo.local", "2026-01-11", "2026-01-12"),
	}
	got := MissingSubstitutes(a, subs, "2026-01-10")
	if len(got) != 1 || got[0] != (store.Recipient{Email: "n@demo.local", For: "a@demo.local"}) {
		t.Errorf("missing = %+v", got)
	}
}

func TestMayFileByLink(t *testing.T) {
	v := &store.Version{Agency: "demo", Year: 2025, Number: 2, Chain: agency(1).Chain}
	a := &store.Approval{Agency: "demo", Year: 2025, Version: 2, Recipients: []store.Recipient{
		{Email: "a0@demo.local", Reassigned: &store.Reassignment{To: "n@demo.local"}},
		{Email: "n@demo.local"},
		{Email: "s@demo.local", For: "a0@demo.local"},
	}}
	for email, want := range map[string]bool{"n@demo.local": true, "s@demo.local": true, "a0@demo.local": false, "x@demo.local": false} {
		if got := MayFileByLink(a, email, v); got != want {
			t.Errorf("%s: %v, want %v", email, got, want)
		}
	}
	if MayFileByLink(a, "s@demo.local", &store.Version{Agency: "demo", Year: 2025, Number: 3}) {
		t.Error("a link opens another version's files")
	}
}

// TestLookAheadThroughSubstitutes: deciding a level for someone counts for them in the
// look-ahead too, and a later level's substitute or escalate_to staffs it.
func TestLookAheadThroughSubstitutes(t *testing.T) {
	for _, tt := range []struct {
		name     string
		later    store.Level
		subs     []store.Substitute
		wantDeny string
	}{
		{"the later level's only approver is who the substitute stands for", store.Level{Name: "局长", Approvers: []string{"b@demo.local"}}, nil, "「局长」将没有可以审批的人"},
		{"a substitute of that approver at the later level counts for them too", store.Level{Name: "局长", Approvers: []string{"b@demo.local"}},
			[]store.Substitute{sub("b@demo.local", "v@demo.local", "2026-01-01", "2026-01-31")}, "「局长」将没有可以审批的人"},
		{"the later level has an escalation address", store.Level{Name: "局长", Approvers: []string{"b@demo.local"}, EscalateTo: "lead@demo.local"}, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, st, _ := newLife()
			st.GetVersionFn = func(string, int, int) (*store.Version, error) {
				return &store.Version{SubmittedBy: "d@demo.local", Chain: []store.Level{{Name: "办公室", Approvers: []string{"b@demo.local", "c@demo.local"}}, tt.later}}, nil
			}
			st.FindApprovalFn = func(string, int, int, store.LevelIndex) (*store.Approval, error) { return nil, store.ErrNotFound }
			st.SubstitutesFn = func(string) ([]store.Substitute, error) {
				return append([]store.Substitute{sub("b@demo.local", "s@demo.local", "2026-01-01", "2026-01-31")}, tt.subs...), nil
			}
			a := &store.Approval{Level: 0, LevelName: "办公室", State: store.ApprovalPending,
				Recipients: []store.Recipient{{Email: "b@demo.local"}, {Email: "c@demo.local"}, {Email: "s@demo.local", For: "b@demo.local"}}}
			err := l.MayDecide(ctx, a, "s@demo.local")
			if tt.wantDeny == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, CodeForbidden, tt.wantDeny)
		})
	}
}
