package store_test

import (
	"context"
	"os"
	"testing"
	"time"

	"nianbao/infra/local"
	"nianbao/infra/stack/stacktest"
	"nianbao/shared/store"
)

// The store's conditional writes, on DynamoDB (moto): every lost race is ErrConflict and
// changes nothing.

var st *stacktest.Stack

func TestMain(m *testing.M) {
	os.Exit(stacktest.Main(m, local.Options(), &st))
}

func newStore(t *testing.T) *store.Store {
	t.Helper()
	st.ResetT(t)
	s, err := local.Store(context.Background(), st.Stack)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDraftRevisions(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	rev, err := s.SaveDraft(ctx, "a", 2025, []byte(`{"v":1}`), 0, "x@a", "ip")
	if err != nil || rev != 1 {
		t.Fatalf("first save: %d %v", rev, err)
	}
	if _, err := s.SaveDraft(ctx, "a", 2025, []byte(`{"v":2}`), 0, "y@a", "ip"); !store.IsConflict(err) {
		t.Errorf("a second first save: %v, want conflict", err)
	}
	if rev, err = s.SaveDraft(ctx, "a", 2025, []byte(`{"v":2}`), 1, "x@a", "ip"); err != nil || rev != 2 {
		t.Fatalf("save on rev 1: %d %v", rev, err)
	}
	if _, err := s.SaveDraft(ctx, "a", 2025, []byte(`{"v":3}`), 1, "y@a", "ip"); !store.IsConflict(err) {
		t.Errorf("stale save: %v, want conflict", err)
	}
	r, _ := s.GetReport(ctx, "a", 2025)
	if string(r.Draft) != `{"v":2}` || r.Rev != 2 || r.UpdatedBy != "x@a" {
		t.Errorf("report after a refused save: %s rev %d by %s", r.Draft, r.Rev, r.UpdatedBy)
	}
	// The two successful saves are one person's consecutive saves: one line counting both
	// (the status page's fold, kept in the store since saves are one write each).
	tl, _ := s.Timeline(ctx, "a", 2025)
	if len(tl) != 1 || tl[0].Action != store.ActionSave || tl[0].Count != 2 || tl[0].Actor != "x@a" {
		t.Errorf("timeline %+v, want one save line counting the 2 successful saves", tl)
	}
}

func TestSubmitOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	s.SaveDraft(ctx, "a", 2025, []byte(`{}`), 0, "x@a", "ip")
	sub := store.Submission{Rev: 1, Version: store.Version{Agency: "a", Year: 2025, Number: 1, Document: []byte(`{}`), SubmittedBy: "x@a",
		Chain: []store.Level{{Name: "局长", Approvers: []string{"d@a"}}}}}
	if err := s.Submit(ctx, sub); err != nil {
		t.Fatal(err)
	}
	if err := s.Submit(ctx, sub); !store.IsConflict(err) {
		t.Errorf("second submission of the same draft: %v, want conflict", err)
	}
	if _, err := s.SaveDraft(ctx, "a", 2025, []byte(`{"x":1}`), 1, "x@a", "ip"); !store.IsConflict(err) {
		t.Errorf("save while in review: %v, want conflict", err)
	}
	r, _ := s.GetReport(ctx, "a", 2025)
	if r.Status != store.StatusInReview || r.Version != 1 || r.LevelName != "局长" {
		t.Errorf("report: %+v", r)
	}
	// The workflow of version 1 moves the report; after a withdrawal it no longer can.
	if _, err := s.Withdraw(ctx, "a", 2025, 1, "x@a", "ip"); err != nil {
		t.Fatal(err)
	}
	err := s.UpdateStatus(ctx, "a", 2025, 1, store.ReportChange{Status: store.StatusPublished, PublishedVersion: 1}, "system")
	if !store.IsConflict(err) {
		t.Errorf("a withdrawn version's workflow moved the report: %v", err)
	}
	if r, _ := s.GetReport(ctx, "a", 2025); r.Status != store.StatusDraft || r.PublishedVersion != 0 {
		t.Errorf("after withdraw: %s published %d", r.Status, r.PublishedVersion)
	}
	// UndoSubmit takes a submission back whole.
	sub2 := sub
	sub2.Version.Number = 2
	if err := s.Submit(ctx, sub2); err != nil {
		t.Fatal(err)
	}
	if err := s.UndoSubmit(ctx, "a", 2025, 2, store.StatusDraft); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetVersion(ctx, "a", 2025, 2); !store.IsNotFound(err) {
		t.Errorf("version 2 after undo: %v", err)
	}
	if r, _ := s.GetReport(ctx, "a", 2025); r.Status != store.StatusDraft || r.Version != 1 {
		t.Errorf("after undo: %s v%d", r.Status, r.Version)
	}
	// The record says the submission was taken back (it is append-only).
	tl, err := s.Timeline(ctx, "a", 2025)
	if err != nil {
		t.Fatal(err)
	}
	if last := tl[len(tl)-1]; last.Action != store.ActionSubmitUndone || last.Version != 2 {
		t.Errorf("the record's last line after an undo: %+v", last)
	}
}

// inReview makes report a/2025 in review at version 1.
func inReview(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.SaveDraft(ctx, "a", 2025, []byte(`{}`), 0, "x@a", "ip"); err != nil {
		t.Fatal(err)
	}
	if err := s.Submit(ctx, store.Submission{Rev: 1, Version: store.Version{Agency: "a", Year: 2025, Number: 1,
		Document: []byte(`{}`), SubmittedBy: "x@a", Chain: []store.Level{{Name: "局长", Approvers: []string{"d@a"}}}}}); err != nil {
		t.Fatal(err)
	}
}

func TestApprovalDecidedOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inReview(t, s)
	a := store.Approval{Agency: "a", Year: 2025, Version: 1, Level: 0, LevelName: "局长", TaskToken: "t1",
		Expires: time.Now().Add(time.Hour), Recipients: []store.Recipient{{Email: "d@a", SecretHash: "h"}}}
	got, created, err := s.CreateApproval(ctx, a)
	if err != nil || !created {
		t.Fatalf("create: %v %v", created, err)
	}
	// The same level of the same version again (a retried Lambda) finds the first one.
	again, created, err := s.CreateApproval(ctx, a)
	if err != nil || created || again.ID != got.ID {
		t.Fatalf("second create: %v %v %v", again, created, err)
	}
	if _, err := s.Decide(ctx, got, store.Decision{Decision: store.DecisionApprove, By: "d@a",
		Audit: []store.AuditEntry{{Actor: "d@a", Action: store.ActionApprove}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, got, store.Decision{Decision: store.DecisionReturn, By: "d@a", Comment: "改"}); !store.IsConflict(err) {
		t.Errorf("second decision: %v, want conflict", err)
	}
	if _, err := s.CloseApproval(ctx, got.ID, "withdrawn"); !store.IsConflict(err) {
		t.Errorf("closing a decided approval: %v, want conflict", err)
	}
	final, _ := s.GetApproval(ctx, got.ID)
	if final.State != store.ApprovalDecided || final.Decision != store.DecisionApprove {
		t.Errorf("approval: %+v", final)
	}
	tl, _ := s.Timeline(ctx, "a", 2025)
	if n := len(tl); n != 3 { // save, submit, the decision's own line
		t.Errorf("%d audit entries, want 3", n)
	}
	// A decision on a report that has left review (withdrawn) changes nothing.
	a.Level = 2
	pending, _, err := s.CreateApproval(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Withdraw(ctx, "a", 2025, 1, "x@a", "ip"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Decide(ctx, pending, store.Decision{Decision: store.DecisionApprove, By: "d@a",
		Audit: []store.AuditEntry{{Actor: "d@a", Action: store.ActionApprove}}})
	if !store.IsConflict(err) {
		t.Errorf("decision on a withdrawn report: %v, want conflict", err)
	}
	if p, _ := s.GetApproval(ctx, pending.ID); p.State != store.ApprovalPending {
		t.Errorf("the refused decision changed the approval: %s", p.State)
	}
	// An expired approval takes no decision.
	a.Level, a.Expires = 1, time.Now().Add(-time.Second)
	old, _, err := s.CreateApproval(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Decide(ctx, old, store.Decision{Decision: store.DecisionApprove, By: "d@a"}); !store.IsConflict(err) {
		t.Errorf("decision on an expired approval: %v, want conflict", err)
	}
}

func TestLoginLinkOnceAndSessionExpiry(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	now := time.Now()
	l := store.LoginLink{ID: "l1", Email: "x@a", SecretHash: "h", Created: now, Expires: now.Add(15 * time.Minute)}
	if err := s.CreateLogin(ctx, l); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseLogin(ctx, "l1", "wrong"); !store.IsConflict(err) {
		t.Errorf("wrong secret: %v", err)
	}
	if _, err := s.UseLogin(ctx, "l1", "h"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UseLogin(ctx, "l1", "h"); !store.IsConflict(err) {
		t.Errorf("second use: %v", err)
	}
	late := s.WithClock(func() time.Time { return now.Add(16 * time.Minute) })
	l2 := store.LoginLink{ID: "l2", Email: "x@a", SecretHash: "h", Created: now, Expires: now.Add(15 * time.Minute)}
	s.CreateLogin(ctx, l2)
	if _, err := late.UseLogin(ctx, "l2", "h"); !store.IsConflict(err) {
		t.Errorf("expired link: %v", err)
	}
	if err := s.CreateSession(ctx, store.Session{IDHash: "s1", Email: "x@a", Created: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.GetSession(ctx, "s1"); err != nil {
		t.Errorf("live session: %v", err)
	}
	if _, err := s.WithClock(func() time.Time { return now.Add(2 * time.Hour) }).GetSession(ctx, "s1"); !store.IsNotFound(err) {
		t.Errorf("expired session: %v, want not found", err)
	}
}

func TestSignInMailIsThrottled(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		ok, err := s.AllowLoginMail(ctx, "X@a", 3, time.Minute)
		if err != nil || !ok {
			t.Fatalf("mail %d: %v %v", i+1, ok, err)
		}
	}
	if ok, err := s.AllowLoginMail(ctx, "x@a", 3, time.Minute); err != nil || ok {
		t.Errorf("fourth mail in the window: %v %v, want refused", ok, err)
	}
	if ok, _ := s.AllowLoginMail(ctx, "y@a", 3, time.Minute); !ok {
		t.Error("another address was throttled")
	}
	later := s.WithClock(func() time.Time { return time.Now().Add(2 * time.Minute) })
	if ok, err := later.AllowLoginMail(ctx, "x@a", 3, time.Minute); err != nil || !ok {
		t.Errorf("a mail after the window: %v %v", ok, err)
	}
}

// Once the Publish step has claimed a version it can no longer be withdrawn; a withdrawn
// version cannot be claimed.
func TestPublicationClaim(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inReview(t, s)
	if err := s.ClaimPublication(ctx, "a", 2025, 1); err != nil {
		t.Fatal(err)
	}
	if err := s.ClaimPublication(ctx, "a", 2025, 1); err != nil {
		t.Errorf("a retried claim: %v", err)
	}
	if _, err := s.Withdraw(ctx, "a", 2025, 1, "x@a", "ip"); !store.IsConflict(err) {
		t.Errorf("withdraw of a claimed version: %v, want conflict", err)
	}
	s2 := newStore(t)
	inReview(t, s2)
	if _, err := s2.Withdraw(ctx, "a", 2025, 1, "x@a", "ip"); err != nil {
		t.Fatal(err)
	}
	if err := s2.ClaimPublication(ctx, "a", 2025, 1); !store.IsConflict(err) {
		t.Errorf("claim of a withdrawn version: %v, want conflict", err)
	}
}
