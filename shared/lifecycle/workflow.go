package lifecycle

import (
	"context"

	"nianbao/shared/store"
)

// The workflow's own moves. Each starts from "in review at this version": the store
// refuses a move of a report withdrawn (back to draft) or resubmitted (a newer version),
// which is then no longer this execution's to move.

// EnterLevel puts the report in review at a level and records the request.
func (l *Lifecycle) EnterLevel(ctx context.Context, e Execution, name string) error {
	if err := l.Store.UpdateStatus(ctx, e.Agency, e.Year, e.Version, store.ReportChange{
		Status: store.StatusInReview, Level: e.Level, LevelName: name,
	}, Actor); err != nil {
		return err
	}
	return l.Store.Audit(ctx, e.Agency, e.Year, store.AuditEntry{
		Actor: Actor, Action: store.ActionRequest, Version: e.Version, Level: name,
	})
}

// Return is a report going back to its drafter.
type Return struct {
	Status  store.Status // StatusReturned or StatusOverdue
	Comment string       // shown beside the form
	Actor   string       // the approver who returned it, or Actor
	// Action and Level are the record's line; an approver's own return has its line
	// already (written with the decision): Record false.
	Action string
	Level  string
	Record bool
	Levels int // the version's chain length: every level's wait is closed
}

// SendBack returns a version to its drafter and closes its waits. ok is false when the
// version had left review (withdrawn and resubmitted): there is nothing to return, and
// nothing was changed.
func (l *Lifecycle) SendBack(ctx context.Context, e Execution, r Return) (ok bool, err error) {
	if err := l.Store.UpdateStatus(ctx, e.Agency, e.Year, e.Version, store.ReportChange{
		Status: r.Status, Level: store.NoLevel, Comment: r.Comment,
	}, r.Actor); err != nil {
		if store.IsConflict(err) {
			l.log().WarnContext(ctx, "return of a superseded version ignored", "agency", e.Agency, "year", e.Year, "version", e.Version)
			return false, nil
		}
		return false, err
	}
	if err := l.ClosePending(ctx, e.Agency, e.Year, e.Version, r.Levels, store.ClosedEnded); err != nil {
		return true, err
	}
	if r.Record {
		if err := l.Store.Audit(ctx, e.Agency, e.Year, store.AuditEntry{
			Actor: r.Actor, Action: r.Action, Version: e.Version, Level: r.Level, Comment: r.Comment,
		}); err != nil {
			return true, err
		}
	}
	return true, nil
}

// Fail marks a version failed at a step, closes its waits and records it once: a
// retried step that finds the report failed already writes nothing again. A failed
// notice after publication (keepStatus) leaves the report published: it is public, only
// the mail did not go out.
func (l *Lifecycle) Fail(ctx context.Context, e Execution, step, comment string, keepStatus bool, levels int) error {
	if !keepStatus {
		err := l.Store.UpdateStatus(ctx, e.Agency, e.Year, e.Version, store.ReportChange{
			Status: store.StatusFailed, Level: store.NoLevel, Comment: comment, FailedStep: step,
		}, Actor)
		switch {
		case store.IsConflict(err):
			// Not in review at this version: failed already (a retry), withdrawn or
			// superseded. Either way not this failure's to record again.
			return l.ClosePending(ctx, e.Agency, e.Year, e.Version, levels, store.ClosedEnded)
		case err != nil:
			return err
		}
	}
	if err := l.ClosePending(ctx, e.Agency, e.Year, e.Version, levels, store.ClosedEnded); err != nil {
		return err
	}
	return l.Store.Audit(ctx, e.Agency, e.Year, store.AuditEntry{
		Actor: Actor, Action: store.ActionFail, Version: e.Version, Comment: comment,
	})
}

// ClaimPublication marks the version approved by every level and being published: from
// here on it cannot be withdrawn. ok is false when it left review before (withdrawn or
// superseded while the last decision travelled): it is not to be published.
func (l *Lifecycle) ClaimPublication(ctx context.Context, e Execution) (ok bool, err error) {
	if err := l.Store.ClaimPublication(ctx, e.Agency, e.Year, e.Version); err != nil {
		if store.IsConflict(err) {
			l.log().WarnContext(ctx, "not publishing a version that left review", "agency", e.Agency, "year", e.Year, "version", e.Version)
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// Published records the version as the one the public sees, with the record's line
// (comment: where it is, and why it corrects an earlier one). A retried step finds the
// report published already: not an error, and not recorded again.
func (l *Lifecycle) Published(ctx context.Context, e Execution, comment string) error {
	err := l.Store.UpdateStatus(ctx, e.Agency, e.Year, e.Version, store.ReportChange{
		Status: store.StatusPublished, Level: store.NoLevel, PublishedVersion: e.Version,
	}, Actor)
	switch {
	case store.IsConflict(err):
		return nil // published by an earlier try, which recorded it
	case err != nil:
		return err
	}
	return l.Store.Audit(ctx, e.Agency, e.Year, store.AuditEntry{
		Actor: Actor, Action: store.ActionPublish, Version: e.Version, Comment: comment,
	})
}
