package store_test

import (
	"context"
	"testing"
	"time"

	"nianbao/shared/store"
)

// TestReassignedOnce: a reassignment marks every live link and adds the new one in one
// conditional write; a decision taken from the approval as read before it loses, as does
// a second reassignment from the same read; the new approver's decision wins.
func TestReassignedOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inReview(t, s)
	got, _, err := s.CreateApproval(ctx, store.Approval{Agency: "a", Year: 2025, Version: 1, Level: 0, LevelName: "局长", TaskToken: "t1",
		Expires: time.Now().Add(time.Hour), Recipients: []store.Recipient{{Email: "d@a", SecretHash: "h1"}, {Email: "s@a", SecretHash: "h2", For: "d@a"}}})
	if err != nil {
		t.Fatal(err)
	}
	moved, err := s.Reassign(ctx, got, store.Recipient{Email: "N@a", SecretHash: "h3"}, store.Reassignment{To: "n@a", Reason: "出差", By: "admin@a"},
		store.AuditEntry{Actor: "admin@a", Action: store.ActionReassign, Version: 1, Level: "局长"})
	if err != nil {
		t.Fatal(err)
	}
	if len(moved.Recipients) != 3 || moved.Assignment != 1 || moved.Recipients[0].Reassigned == nil || moved.Recipients[1].Reassigned == nil ||
		moved.Recipients[0].Reassigned.Reason != "出差" || moved.Recipients[2].Email != "n@a" || moved.Recipients[2].Reassigned != nil {
		t.Fatalf("after the reassignment: %+v", moved)
	}
	if live := moved.Live(); len(live) != 1 || live[0].Email != "n@a" {
		t.Errorf("live recipients: %+v", live)
	}
	if _, err := s.Reassign(ctx, got, store.Recipient{Email: "m@a"}, store.Reassignment{To: "m@a", Reason: "x", By: "admin@a"},
		store.AuditEntry{Actor: "admin@a", Action: store.ActionReassign}); !store.IsConflict(err) {
		t.Errorf("a second reassignment from the same read: %v, want conflict", err)
	}
	if _, err := s.Decide(ctx, got, store.Decision{Decision: store.DecisionApprove, By: "d@a"}); !store.IsConflict(err) {
		t.Errorf("a decision read before the reassignment: %v, want conflict", err)
	}
	decided, err := s.Decide(ctx, moved, store.Decision{Decision: store.DecisionApprove, By: "n@a",
		Audit: []store.AuditEntry{{Actor: "n@a", Action: store.ActionApprove}}})
	if err != nil || decided.State != store.ApprovalDecided || decided.DecidedBy != "n@a" {
		t.Fatalf("the new approver's decision: %+v %v", decided, err)
	}
}

func TestEscalatedOnceAndSubstitutes(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	inReview(t, s)
	got, _, err := s.CreateApproval(ctx, store.Approval{Agency: "a", Year: 2025, Version: 1, Level: 0, LevelName: "局长", TaskToken: "t1",
		Expires: time.Now().Add(time.Hour), Recipients: []store.Recipient{{Email: "d@a", SecretHash: "h1"}}})
	if err != nil {
		t.Fatal(err)
	}
	up, err := s.Escalate(ctx, got, store.Recipient{Email: "Lead@a", SecretHash: "h2"}, store.AuditEntry{Actor: "system", Action: store.ActionEscalate})
	if err != nil || !up.Escalated || len(up.Recipients) != 2 || !up.Recipients[1].Escalation || up.Recipients[1].Email != "lead@a" {
		t.Fatalf("escalate: %+v %v", up, err)
	}
	if _, err := s.Escalate(ctx, got, store.Recipient{Email: "lead@a"}, store.AuditEntry{Actor: "system", Action: store.ActionEscalate}); !store.IsConflict(err) {
		t.Errorf("a second escalation: %v, want conflict", err)
	}
	up, err = s.AddRecipients(ctx, got.ID, []store.Recipient{{Email: "S@a", SecretHash: "h3", For: "d@a"}})
	if err != nil || len(up.Recipients) != 3 || up.Recipients[2] != (store.Recipient{Email: "s@a", SecretHash: "h3", For: "d@a"}) {
		t.Fatalf("add a substitute: %+v %v", up, err)
	}
	if tl, _ := s.Timeline(ctx, "a", 2025); tl[len(tl)-1].Action != store.ActionEscalate {
		t.Errorf("the escalation is not in the record: %+v", tl)
	}

	// Substitutions: one per approver, listed by agency, replaced and cleared.
	for _, sub := range []store.Substitute{
		{Agency: "a", Approver: "D@a", Substitute: "s@a", From: "2026-01-01", To: "2026-01-05"},
		{Agency: "a", Approver: "d@a", Substitute: "t@a", From: "2026-01-02", To: "2026-01-06"},
		{Agency: "b", Approver: "x@b", Substitute: "y@b", From: "2026-01-02", To: "2026-01-06"},
	} {
		if err := s.PutSubstitute(ctx, sub); err != nil {
			t.Fatal(err)
		}
	}
	subs, err := s.Substitutes(ctx, "a")
	if err != nil || len(subs) != 1 || subs[0].Substitute != "t@a" || !subs[0].Active("2026-01-06") || subs[0].Active("2026-01-07") {
		t.Fatalf("substitutes of a: %+v %v", subs, err)
	}
	if err := s.DeleteSubstitute(ctx, "a", "D@a"); err != nil {
		t.Fatal(err)
	}
	if subs, _ := s.Substitutes(ctx, "a"); len(subs) != 0 {
		t.Errorf("after clearing: %+v", subs)
	}
}
