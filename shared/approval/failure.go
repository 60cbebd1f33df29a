package approval

import (
	"context"
	"fmt"
	"slices"

	"nianbao/shared/store"
)

// FailInput is the input of the RecordFailure step: the state, the step that failed and
// the error the state machine caught.
type FailInput struct {
	State Input  `json:"state"`
	Step  string `json:"step"`
	Error struct {
		Error string `json:"Error"`
		Cause string `json:"Cause"`
	} `json:"error"`
}

// RecordFailure marks the report failed (with the step), tells the 办公室 and the
// drafter, and lets the execution fail.
func (s *Steps) RecordFailure(ctx context.Context, in FailInput) error {
	st := in.State
	ag, v, _, err := s.load(ctx, st)
	if err != nil {
		return err
	}
	// The raw cause (Go and SDK text, keys, request ids) goes to the log; people get the
	// step and the error's name, enough for the operator to find the log.
	s.log().ErrorContext(ctx, "workflow step failed", "agency", st.Agency, "year", st.Year, "version", st.Version,
		"step", in.Step, "error", in.Error.Error, "cause", truncate(in.Error.Cause, 2000))
	step := store.StepOf(in.Step)
	// No Go or SDK names for people: the step, and what to do; the log has the rest.
	comment := fmt.Sprintf("「%s」步骤出错（%s），请联系系统管理员；处理后可重新提交。", step.Name, step.Failed)
	// A failed notice after publication leaves the report published: it is public, only
	// the mail did not go out; the 办公室 is told below all the same.
	if err := s.Life.Fail(ctx, st, in.Step, comment, in.Step == "Notify", len(v.Chain)); err != nil {
		return &TransientError{Err: err}
	}
	to := officeAddress(ag, s.OperatorEmail)
	if !slices.Contains(to, v.SubmittedBy) {
		to = append(to, v.SubmittedBy)
	}
	if err := s.send(ctx, failedMessage(ag, v, to, step, in.Step == "Notify", s.reportURL(st))); err != nil {
		// Often the same mail that failed the step (a lost identity) fails here too.
		// The failure is recorded and the execution ends failed, which fires the
		// operator's alarm; a retry would only mail and record it again.
		s.log().ErrorContext(ctx, "failure notice not sent", "agency", st.Agency, "year", st.Year, "version", st.Version, "err", err)
	}
	return nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
