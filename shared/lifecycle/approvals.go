package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"nianbao/shared/render"
	"nianbao/shared/store"
)

// Attestation is the 保密审查 sentence an approver ticks at a level that requires it: the
// review page's checkbox, the error that asks for it, the record and the pages that show
// it all say these words.
const Attestation = "已按规定进行保密审查，同意公开"

// The words that ask an approver for what a decision lacks; the review page's script
// says them before the form is sent, the lifecycle when it is.
const (
	AttestationNeeded  = "本级审批需要保密审查：请勾选「" + Attestation + "」后再同意。"
	ReturnNeedsComment = "退回时请填写退回意见，说明需要修改的地方。"
)

// MaxCommentLen bounds an approver's comment (characters).
const MaxCommentLen = 2000

// ErrTaskClosed is the Workflow's answer when the wait a decision is for is no longer
// live (timed out into a reminder, stopped, or never ours).
var ErrTaskClosed = errors.New("lifecycle: the task token is no longer live")

// DecideInput is one approver's decision on one approval, as the review page posts it.
type DecideInput struct {
	Approver string // the recipient the link names, never a form field
	Decision store.Verdict
	Comment  string
	Attested bool
	IP       string
}

// DecisionMessage is what a decided approval sends back to the state machine.
type DecisionMessage struct {
	Decision string `json:"decision"` // approve | return
	By       string `json:"by"`
	Comment  string `json:"comment"`
	// ApprovalID names the approval decided.
	ApprovalID string `json:"approval_id"`
}

// CheckDecision says what an approver must correct before a decision can be taken: a
// return without a comment, an approval without the 保密审查 attestation.
func CheckDecision(a *store.Approval, in DecideInput) error {
	comment := strings.TrimSpace(in.Comment)
	switch in.Decision {
	case store.DecisionApprove:
		if a.ConfidentialityReview && !in.Attested {
			return Errorf(CodeUnprocessable, "%s", AttestationNeeded)
		}
	case store.DecisionReturn:
		if comment == "" {
			return Errorf(CodeUnprocessable, "%s", ReturnNeedsComment)
		}
	default:
		return Errorf(CodeUnprocessable, "请选择「同意」或「退回」。")
	}
	if utf8.RuneCountInString(comment) > MaxCommentLen {
		return Errorf(CodeUnprocessable, "意见不能超过 %d 字。", MaxCommentLen)
	}
	return nil
}

// Decide records a decision and delivers it to the state machine. The record comes
// first, with a conditional write (pending → decided): of two clicks, two tabs or a
// replayed post, exactly one wins; the others get CodeConflict and change nothing. When
// the decision is recorded but its delivery fails, the approval comes back with the
// error: the workflow picks a recorded decision up at its next reminder.
func (l *Lifecycle) Decide(ctx context.Context, a *store.Approval, in DecideInput) (*store.Approval, error) {
	if open, why := OpenTo(a, in.Approver, l.Store.Now()); !open {
		return nil, &Error{Code: CodeConflict, Message: why}
	}
	if err := CheckDecision(a, in); err != nil {
		return nil, err
	}
	if err := l.MayDecide(ctx, a, in.Approver); err != nil {
		return nil, err
	}
	comment := strings.TrimSpace(in.Comment)
	attested := in.Attested && a.ConfidentialityReview && in.Decision == store.DecisionApprove
	action := store.ActionApprove
	if in.Decision == store.DecisionReturn {
		action = store.ActionReturn
	}
	var onBehalf string // a substitute decides for the approver their link names
	if r, ok := a.RecipientNamed(in.Approver); ok {
		onBehalf = r.For
	}
	audit := []store.AuditEntry{{Actor: in.Approver, For: onBehalf, Action: action, Version: a.Version, Level: a.LevelName, Comment: comment, IP: in.IP}}
	if attested {
		audit = append(audit, store.AuditEntry{Actor: in.Approver, For: onBehalf, Action: store.ActionAttest, Version: a.Version, Level: a.LevelName,
			Comment: Attestation, IP: in.IP})
	}
	decided, err := l.Store.Decide(ctx, a, store.Decision{Decision: in.Decision, By: in.Approver, For: onBehalf, Comment: comment, Attested: attested, Audit: audit})
	if err != nil {
		if store.IsConflict(err) {
			return nil, &Error{Code: CodeConflict, Message: "本级审批刚刚已有决定。", Err: err}
		}
		return nil, err
	}
	if err := l.Deliver(ctx, decided); err != nil {
		return decided, err
	}
	return decided, nil
}

// Deliver sends a recorded decision to the state machine. The decision is already safe
// in the table; a wait that is no longer live (timed out into a reminder) is not an
// error, because the next wait delivers it (see Rearm).
func (l *Lifecycle) Deliver(ctx context.Context, a *store.Approval) error {
	out, err := json.Marshal(DecisionMessage{Decision: string(a.Decision), By: a.DecidedBy, Comment: a.Comment, ApprovalID: a.ID})
	if err != nil {
		return fmt.Errorf("lifecycle: encode decision: %w", err)
	}
	if err := l.Workflow.Deliver(ctx, a.TaskToken, string(out)); err != nil {
		if errors.Is(err, ErrTaskClosed) {
			return nil
		}
		return fmt.Errorf("lifecycle: deliver decision of approval %s: %w", a.ID, err)
	}
	return l.Store.MarkDelivered(ctx, a.ID)
}

// Open says whether an approval still takes a decision at now, and if not, what
// happened, in words for the approver who opens its link.
func Open(a *store.Approval, now time.Time) (bool, string) {
	switch a.State {
	case store.ApprovalDecided:
		return false, fmt.Sprintf("「%s」已由 %s 于 %s（北京时间）%s。", a.LevelName, a.DecidedLabel(), render.DateTime(a.DecidedAt), a.Decision.Label())
	case store.ApprovalClosed:
		switch a.ClosedReason {
		case store.ClosedWithdrawn:
			return false, fmt.Sprintf("起草人已于 %s（北京时间）撤回本版报告，无需审批。", render.DateTime(a.DecidedAt))
		case store.ClosedOverdue:
			return false, "本级审批已逾期，报告已退回起草人。"
		case store.ClosedEnded:
			return false, "本版报告的审批已经结束（已退回起草人或发布失败），无需再审批。"
		}
		return false, "本审批已结束。"
	}
	if !now.Before(a.Expires) {
		return false, "这个审批链接已过期。"
	}
	return true, ""
}

// ClosePending closes every approval of a version still waiting for a decision (the
// report was withdrawn, returned or failed), so that their links say what happened
// instead of taking a decision nobody will receive.
func (l *Lifecycle) ClosePending(ctx context.Context, agency string, year, version, levels int, reason store.ClosedReason) error {
	for i := 0; i < levels; i++ {
		a, err := l.Store.FindApproval(ctx, agency, year, version, store.LevelIndex(i))
		switch {
		case store.IsNotFound(err):
			continue
		case err != nil:
			return err
		case a.State != store.ApprovalPending:
			continue
		}
		if _, err := l.Store.CloseApproval(ctx, a.ID, reason); err != nil && !store.IsConflict(err) {
			return err
		}
	}
	return nil
}

// CloseOverdue ends a level's wait after its last reminder. CodeConflict: it was
// decided or closed meanwhile (look again).
func (l *Lifecycle) CloseOverdue(ctx context.Context, a *store.Approval) error {
	if _, err := l.Store.CloseApproval(ctx, a.ID, store.ClosedOverdue); err != nil {
		if store.IsConflict(err) {
			return &Error{Code: CodeConflict, Message: "本级审批刚刚已有决定或已结束。", Err: err}
		}
		return err
	}
	return nil
}

// Rearm gives a level's existing approval the token of a new wait (after a reminder),
// and delivers a decision taken while no wait was live.
func (l *Lifecycle) Rearm(ctx context.Context, a *store.Approval, token string) error {
	a, err := l.Store.SetTaskToken(ctx, a.ID, token)
	if err != nil {
		return err
	}
	if a.State == store.ApprovalDecided && !a.Delivered {
		return l.Deliver(ctx, a)
	}
	return nil
}
