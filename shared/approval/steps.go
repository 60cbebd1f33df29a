// Package approval holds the steps of the approval state machine
// (workflow/approval.asl.json): validate the submitted version, ask each level of the
// agency's chain for a decision by email link, remind, return, publish, notify, and
// record a failure. Each step is one Lambda function; the state machine decides the
// order. The decision itself arrives through the web (package web) with Decide.
package approval

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"nianbao/shared/lifecycle"
	"nianbao/shared/links"
	"nianbao/shared/mail"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// Input is the state of an execution as every step receives it (lifecycle.Submit
// starts the execution with it; the state machine moves Level on).
type Input = lifecycle.Execution

// Steps are the handlers of the state machine's tasks, with what they need. Every
// change of a report's state goes through Life; Store is for what the steps read and
// for the approvals' own bookkeeping (created, reminded).
type Steps struct {
	Store     *store.Store
	Life      *lifecycle.Lifecycle
	Mail      mail.Sender
	Publisher *Publisher
	Keys      *links.Keyring
	// BaseURL is the absolute URL of the web app (links in mail are built on it).
	BaseURL string
	// OperatorEmail is told about failures when an agency has no 办公室 address.
	OperatorEmail string
	Log           *slog.Logger
}

// TransientError is a failure worth retrying (storage briefly unavailable). It is
// returned unwrapped at the Lambda boundary: the state machine's Retry matches its
// type name, "TransientError".
type TransientError struct{ Err error }

func (e *TransientError) Error() string { return "transient: " + e.Err.Error() }
func (e *TransientError) Unwrap() error { return e.Err }

func (s *Steps) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.Default()
}

// load reads what most steps need: the agency, the report's version and its document.
func (s *Steps) load(ctx context.Context, in Input) (*store.Agency, *store.Version, *report.Document, error) {
	ag, err := s.Store.GetAgency(ctx, in.Agency)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load agency %s: %w", in.Agency, err)
	}
	v, err := s.Store.GetVersion(ctx, in.Agency, in.Year, in.Version)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("load %s/%d v%d: %w", in.Agency, in.Year, in.Version, err)
	}
	doc, err := report.DecodeBytes(v.Document)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("decode %s/%d v%d: %w", in.Agency, in.Year, in.Version, err)
	}
	return ag, v, doc, nil
}

// previous is last year's published report, for the cross-year rules; nil when there is
// none.
func (s *Steps) previous(ctx context.Context, agency string, year int) *report.Document {
	return lifecycle.PreviousYear(ctx, s.Store, agency, year)
}

// ValidateResult is what the Validate step returns to the state machine.
type ValidateResult struct {
	Valid    bool `json:"valid"`
	Errors   int  `json:"errors"`
	Warnings int  `json:"warnings"`
}

// Validate runs the validator on the submitted version. The API already refused a
// draft with errors; this catches a version that reached the state machine another way.
func (s *Steps) Validate(ctx context.Context, in Input) (ValidateResult, error) {
	_, _, doc, err := s.load(ctx, in)
	if err != nil {
		return ValidateResult{}, err
	}
	var res ValidateResult
	for _, f := range report.Validate(doc, s.previous(ctx, in.Agency, in.Year)) {
		if f.Severity == report.SeverityError {
			res.Errors++
		} else {
			res.Warnings++
		}
	}
	res.Valid = res.Errors == 0
	s.log().InfoContext(ctx, "validated", "agency", in.Agency, "year", in.Year, "version", in.Version, "errors", res.Errors, "warnings", res.Warnings)
	return res, nil
}

// AwaitInput is the input of the wait for a level's decision: the state and the task
// token the state machine waits on.
type AwaitInput struct {
	State Input  `json:"state"`
	Token string `json:"token"`
}

// Decision is what a decided approval sends back to the state machine.
type Decision = lifecycle.DecisionMessage

// RequestApproval records the pending approval of the current level with the task token
// and mails each approver a link of their own. On a reminder's return to the wait the
// approval exists already: only the token behind the link changes, and a decision taken
// while no token was live is delivered now.
func (s *Steps) RequestApproval(ctx context.Context, in AwaitInput) error {
	st := in.State
	ag, v, _, err := s.load(ctx, st)
	if err != nil {
		return err
	}
	if st.Level < 0 || int(st.Level) >= len(v.Chain) {
		return fmt.Errorf("level %d outside the chain of %d levels", st.Level, len(v.Chain))
	}
	level := v.Chain[st.Level]
	now := s.Store.Now()
	a := store.Approval{
		ID:                    store.RandomID(),
		Agency:                st.Agency,
		Year:                  st.Year,
		Version:               st.Version,
		Level:                 st.Level,
		LevelName:             level.Name,
		ConfidentialityReview: level.ConfidentialityReview,
		TaskToken:             in.Token,
		Created:               now,
		// The link lives as long as the wait can: every reminder interval (and the
		// escalation's), plus a day.
		Expires: now.Add(time.Duration(st.ReminderSeconds*(st.MaxReminders+1+escalation(level)))*time.Second + 24*time.Hour),
	}
	// The approvers, and the substitutes (代理) of those away today.
	subs, err := s.Store.Substitutes(ctx, st.Agency)
	if err != nil {
		return &TransientError{Err: err}
	}
	for _, r := range lifecycle.LevelRecipients(level, subs, lifecycle.Day(now)) {
		r.SecretHash = links.Hash(s.Keys.ApprovalSecret(a.ID, r.Email))
		a.Recipients = append(a.Recipients, r)
	}
	got, created, err := s.Store.CreateApproval(ctx, a)
	if err != nil {
		return err
	}
	if !created {
		if err := s.Life.Rearm(ctx, got, in.Token); err != nil || got.Notified {
			return err
		}
		// A retry of a request whose first try stopped before the approvers were
		// mailed (a mail failure that passes): finish what it began.
		rp, err := s.Store.GetReport(ctx, st.Agency, st.Year)
		if err != nil {
			return &TransientError{Err: err}
		}
		if rp.Version == st.Version && rp.Status == store.StatusInReview && rp.Level == st.Level {
			return s.notify(ctx, ag, v, got)
		}
	}
	if err := s.Life.EnterLevel(ctx, st, level.Name); err != nil {
		return err
	}
	return s.notify(ctx, ag, v, got)
}

// notify mails a new approval's links and notes it, so a retried request mails once.
func (s *Steps) notify(ctx context.Context, ag *store.Agency, v *store.Version, a *store.Approval) error {
	if err := s.mailApprovers(ctx, ag, v, a, false); err != nil {
		return err
	}
	if err := s.Store.MarkNotified(ctx, a.ID); err != nil {
		return &TransientError{Err: err}
	}
	return nil
}

// send mails a message. A failure that passes (throttling, a 5xx, the network) is a
// TransientError, which the state machine retries with backoff; any other is returned as
// it is, and the state machine records the step as failed.
func (s *Steps) send(ctx context.Context, m mail.Message) error {
	err := s.Mail.Send(ctx, m)
	if err != nil && mail.Transient(err) {
		return &TransientError{Err: err}
	}
	return err
}

// escalation is the number of extra waits a level's escalate_to adds.
func escalation(l store.Level) int {
	if l.EscalateTo != "" {
		return 1
	}
	return 0
}

func (s *Steps) mailApprovers(ctx context.Context, ag *store.Agency, v *store.Version, a *store.Approval, reminder bool) error {
	for _, r := range a.Live() {
		if err := s.mailRecipient(ctx, ag, v, a, r, reminder); err != nil {
			return err
		}
	}
	return nil
}

// mailRecipient mails one recipient their link.
func (s *Steps) mailRecipient(ctx context.Context, ag *store.Agency, v *store.Version, a *store.Approval, r store.Recipient, reminder bool) error {
	link := links.ApprovalURL(s.BaseURL, a.ID, s.Keys.ApprovalSecret(a.ID, r.Email))
	return s.send(ctx, approvalMessage(ag, v, a, r, link, reminder))
}

// RemindResult tells the state machine whether to wait again or give up.
type RemindResult struct {
	Overdue   bool `json:"overdue"`
	Reminders int  `json:"reminders"`
	// Closed: the approval ended without a decision (the report was withdrawn); the
	// execution has nothing left to do.
	Closed bool `json:"closed"`
	// Escalated: the approval was just offered to the level's escalate_to; the
	// execution waits once more.
	Escalated bool `json:"escalated"`
}

// Remind runs when a level has not decided within the reminder interval: a reminder with
// the same link, or — after the agency's maximum — the end of the wait (overdue).
func (s *Steps) Remind(ctx context.Context, in Input) (RemindResult, error) {
	ag, v, _, err := s.load(ctx, in)
	if err != nil {
		return RemindResult{}, err
	}
	a, err := s.Store.FindApproval(ctx, in.Agency, in.Year, in.Version, in.Level)
	if err != nil {
		return RemindResult{}, err
	}
	switch a.State {
	case store.ApprovalDecided:
		// Decided while the wait was timing out: go back to the wait, which delivers it.
		return RemindResult{Reminders: a.Reminders}, nil
	case store.ApprovalClosed:
		// Closed as overdue by an earlier run of this step (a retried Lambda): overdue
		// still. Closed otherwise (withdrawn): the execution has nothing left to do.
		overdue := a.ClosedReason == store.ClosedOverdue
		return RemindResult{Reminders: a.Reminders, Overdue: overdue, Closed: !overdue}, nil
	}
	if a.Escalated && a.EscalatedToken == a.TaskToken {
		// A retry of the escalation of this very wait: finish its mail, once.
		if !a.EscalationNotified && int(in.Level) < len(v.Chain) {
			return s.notifyEscalation(ctx, ag, v, a, v.Chain[in.Level])
		}
		return RemindResult{Reminders: a.Reminders, Escalated: true}, nil
	}
	if a.RemindedToken != "" && a.RemindedToken == a.TaskToken {
		// A retry of this very reminder (its mail failed in a way that passes): it is
		// counted and recorded already; send it again.
		if err := s.mailApprovers(ctx, ag, v, a, true); err != nil {
			return RemindResult{}, err
		}
		return RemindResult{Reminders: a.Reminders}, nil
	}
	if a.Reminders >= in.MaxReminders && !a.Escalated && int(in.Level) < len(v.Chain) {
		if res, escalated, err := s.escalate(ctx, ag, v, a, v.Chain[in.Level], in); escalated || err != nil {
			return res, err
		}
	}
	if a.Reminders >= in.MaxReminders {
		if err := s.Life.CloseOverdue(ctx, a); err != nil {
			if lifecycle.ErrorCode(err) == lifecycle.CodeConflict { // decided (or closed) in the meantime: look again
				return s.Remind(ctx, in)
			}
			return RemindResult{}, err
		}
		return RemindResult{Overdue: true, Reminders: a.Reminders}, nil
	}
	counted, err := s.Store.CountReminder(ctx, a.ID, a.TaskToken)
	if err != nil {
		if store.IsConflict(err) { // decided or closed meanwhile: look again
			return s.Remind(ctx, in)
		}
		return RemindResult{}, err
	}
	a = counted
	if err := s.Store.Audit(ctx, in.Agency, in.Year, store.AuditEntry{
		Actor: lifecycle.Actor, Action: store.ActionRemind, Version: in.Version, Level: a.LevelName,
		Comment: fmt.Sprintf("第 %d 次催办", a.Reminders),
	}); err != nil {
		return RemindResult{}, err
	}
	// Substitutions that began since the request: their substitutes get a request of
	// their own; everyone already asked, the reminder.
	before := map[string]bool{}
	for _, r := range a.Recipients {
		before[r.Email] = true
	}
	if added, err := s.addSubstitutes(ctx, a); err != nil {
		return RemindResult{}, err
	} else if added != nil {
		a = added
	}
	for _, r := range a.Live() {
		if err := s.mailRecipient(ctx, ag, v, a, r, before[r.Email]); err != nil {
			return RemindResult{}, err
		}
	}
	return RemindResult{Reminders: a.Reminders}, nil
}

// addSubstitutes adds to a the substitutes whose substitution runs today and who are not
// recipients yet; nil when there are none.
func (s *Steps) addSubstitutes(ctx context.Context, a *store.Approval) (*store.Approval, error) {
	subs, err := s.Store.Substitutes(ctx, a.Agency)
	if err != nil {
		return nil, &TransientError{Err: err}
	}
	missing := lifecycle.MissingSubstitutes(a, subs, lifecycle.Day(s.Store.Now()))
	if len(missing) == 0 {
		return nil, nil
	}
	for i := range missing {
		missing[i].SecretHash = links.Hash(s.Keys.ApprovalSecret(a.ID, missing[i].Email))
	}
	got, err := s.Store.AddRecipients(ctx, a.ID, missing)
	if store.IsConflict(err) {
		return nil, nil // decided or closed meanwhile: the reminder goes out as it stands
	}
	return got, err
}

// escalate offers the approval to the level's escalate_to after its last reminder and
// tells the approvers; the state machine then waits once more (RequestApproval rearms
// the same approval) before the report is returned as overdue.
// escalated is false when the level has nothing to escalate to.
func (s *Steps) escalate(ctx context.Context, ag *store.Agency, v *store.Version, a *store.Approval, level store.Level, in Input) (res RemindResult, escalated bool, err error) {
	to := strings.ToLower(strings.TrimSpace(level.EscalateTo))
	got, ok, err := s.Life.Escalate(ctx, a, level, links.Hash(s.Keys.ApprovalSecret(a.ID, to)))
	if err != nil {
		if lifecycle.ErrorCode(err) == lifecycle.CodeConflict { // decided, closed or escalated meanwhile: look again
			res, err := s.Remind(ctx, in)
			return res, true, err
		}
		return RemindResult{}, true, err
	}
	if !ok {
		return RemindResult{}, false, nil
	}
	s.log().InfoContext(ctx, "escalated", "agency", in.Agency, "year", in.Year, "version", in.Version, "level", a.LevelName, "to", to)
	res, err = s.notifyEscalation(ctx, ag, v, got, level)
	return res, true, err
}

// notifyEscalation mails the escalation's link, tells the level's approvers, and notes
// it, so a retried step mails once.
func (s *Steps) notifyEscalation(ctx context.Context, ag *store.Agency, v *store.Version, a *store.Approval, level store.Level) (RemindResult, error) {
	to := strings.ToLower(strings.TrimSpace(level.EscalateTo))
	var told []string
	for _, r := range a.Live() {
		if r.Escalation {
			if err := s.mailRecipient(ctx, ag, v, a, r, false); err != nil {
				return RemindResult{}, err
			}
			continue
		}
		told = append(told, r.Email)
	}
	if len(told) > 0 {
		if err := s.send(ctx, escalatedMessage(ag, v, a, told, to)); err != nil {
			return RemindResult{}, err
		}
	}
	if err := s.Store.MarkEscalationNotified(ctx, a.ID); err != nil {
		return RemindResult{}, &TransientError{Err: err}
	}
	return RemindResult{Reminders: a.Reminders, Escalated: true}, nil
}

// Return kinds: why a report goes back to its drafter.
const (
	ReturnInvalid  = "invalid"  // the Validate step found errors
	ReturnDecision = "returned" // an approver returned it
	ReturnOverdue  = "overdue"  // no decision after the last reminder
)

// ReturnInput is the input of the Return step.
type ReturnInput struct {
	State    Input     `json:"state"`
	Kind     string    `json:"kind"`
	Decision *Decision `json:"decision,omitempty"`
}

// Return sends the report back to its drafter, with the findings, the approver's
// comment, or the notice that it is overdue (to the 办公室 too).
func (s *Steps) Return(ctx context.Context, in ReturnInput) error {
	st := in.State
	ag, v, doc, err := s.load(ctx, st)
	if err != nil {
		return err
	}
	back := lifecycle.Return{Status: store.StatusReturned, Actor: lifecycle.Actor, Action: store.ActionReturn,
		Record: true, Levels: len(v.Chain)}
	var m mail.Message
	if st.Level >= 0 && int(st.Level) < len(v.Chain) {
		back.Level = v.Chain[st.Level].Name
	}
	switch in.Kind {
	case ReturnInvalid:
		findings := report.Validate(doc, s.previous(ctx, st.Agency, st.Year))
		back.Comment = "提交的版本未通过校验，请按提示修改后重新提交。"
		m = invalidMessage(ag, v, findings, s.reportURL(st))
		back.Action, back.Level = store.ActionInvalid, ""
	case ReturnDecision:
		if in.Decision == nil {
			return errors.New("return: decision missing")
		}
		back.Comment = in.Decision.Comment
		m = returnedMessage(ag, v, back.Level, in.Decision, s.reportURL(st))
		back.Actor = in.Decision.By
		// The approver's own return is in the record already (written with the decision).
		back.Record = false
	case ReturnOverdue:
		back.Status = store.StatusOverdue
		back.Comment = fmt.Sprintf("「%s」逾期未审批，已退回。", back.Level)
		m = overdueMessage(ag, v, back.Level, s.reportURL(st), officeAddress(ag, s.OperatorEmail))
		back.Action = store.ActionOverdue
	default:
		return fmt.Errorf("return: unknown kind %q", in.Kind)
	}
	ok, err := s.Life.SendBack(ctx, st, back)
	if err != nil {
		return err
	}
	if !ok {
		// Not in review at this version any more. Either a newer version took over
		// (withdrawn and resubmitted): nothing to return; or this is a retry whose first
		// try returned the report but could not mail the drafter: mail now.
		rp, err := s.Store.GetReport(ctx, st.Agency, st.Year)
		if err != nil {
			return &TransientError{Err: err}
		}
		if rp.Version != st.Version || rp.Status != back.Status {
			return nil
		}
	}
	return s.send(ctx, m)
}

// reportURL is the drafter's page of a report in the web app.
func (s *Steps) reportURL(st Input) string {
	return links.ReportURL(s.BaseURL, st.Agency, st.Year)
}

// officeAddress is where overdue and failure notices go: the agency's 办公室 address, or
// the operator's.
func officeAddress(ag *store.Agency, operator string) []string {
	if ag != nil && ag.Settings.OfficeEmail != "" {
		return []string{ag.Settings.OfficeEmail}
	}
	if operator != "" {
		return []string{operator}
	}
	return nil
}
