package approval

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"nianbao/shared/store"
)

// MaxCommentLen bounds an approver's comment (characters).
const MaxCommentLen = 2000

// DecisionError is a decision the approver must correct (a return without a comment,
// an approval without the 保密审查 attestation); its message is for the approver.
type DecisionError struct{ Msg string }

func (e *DecisionError) Error() string { return e.Msg }

// DecideInput is one approver's decision on one approval, as the review page posts it.
type DecideInput struct {
	Approver string // the recipient the link names, never a form field
	Decision string // DecisionApprove or DecisionReturn
	Comment  string
	Attested bool
	IP       string
}

// Decide records a decision and delivers it to the state machine. The record comes
// first, with a conditional write (pending → decided): of two clicks, two tabs or a
// replayed post, exactly one wins; the others get store.ErrConflict and change nothing.
func Decide(ctx context.Context, st *store.Store, tasks TaskAPI, a *store.Approval, in DecideInput) (*store.Approval, error) {
	comment := strings.TrimSpace(in.Comment)
	switch in.Decision {
	case store.DecisionApprove:
		if a.ConfidentialityReview && !in.Attested {
			return nil, &DecisionError{Msg: "本级审批需要保密审查：请勾选「已按规定进行保密审查，同意公开」后再同意。"}
		}
	case store.DecisionReturn:
		if comment == "" {
			return nil, &DecisionError{Msg: "退回时请填写退回意见，说明需要修改的地方。"}
		}
	default:
		return nil, &DecisionError{Msg: "请选择「同意」或「退回」。"}
	}
	if utf8.RuneCountInString(comment) > MaxCommentLen {
		return nil, &DecisionError{Msg: fmt.Sprintf("意见不能超过 %d 字。", MaxCommentLen)}
	}
	attested := in.Attested && a.ConfidentialityReview && in.Decision == store.DecisionApprove
	action := store.ActionApprove
	if in.Decision == store.DecisionReturn {
		action = store.ActionReturn
	}
	audit := []store.AuditEntry{{Actor: in.Approver, Action: action, Version: a.Version, Level: a.LevelName, Comment: comment, IP: in.IP}}
	if attested {
		audit = append(audit, store.AuditEntry{Actor: in.Approver, Action: store.ActionAttest, Version: a.Version, Level: a.LevelName,
			Comment: "已按规定进行保密审查，同意公开", IP: in.IP})
	}
	decided, err := st.Decide(ctx, a, store.Decision{Decision: in.Decision, By: in.Approver, Comment: comment, Attested: attested, Audit: audit})
	if err != nil {
		return nil, err
	}
	if err := Deliver(ctx, st, tasks, decided); err != nil {
		return decided, err
	}
	return decided, nil
}

func decisionJSON(a *store.Approval) (string, error) {
	b, err := json.Marshal(Decision{Decision: a.Decision, By: a.DecidedBy, Comment: a.Comment, ApprovalID: a.ID})
	if err != nil {
		return "", fmt.Errorf("encode decision: %w", err)
	}
	return string(b), nil
}

// TaskClosed reports whether a Step Functions error says the task token is no longer
// live: the wait ended (timeout, stop) or the token was never ours.
func TaskClosed(err error) bool {
	var dne *sfntypes.TaskDoesNotExist
	var tto *sfntypes.TaskTimedOut
	var inv *sfntypes.InvalidToken
	return errors.As(err, &dne) || errors.As(err, &tto) || errors.As(err, &inv)
}
