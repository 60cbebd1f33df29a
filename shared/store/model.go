// Package store keeps nianbao's state in one DynamoDB table: agencies and their approval
// chains, users, reports with their drafts, the immutable submitted versions, pending
// approvals, sign-in links, sessions, publications and the append-only audit log.
//
// Every change of state is a conditional write, so a stale save, a second decision on one
// approval or a second submission of one version loses cleanly (ErrConflict) instead of
// overwriting. Expiry is checked in code: DynamoDB's TTL only cleans up, and late.
package store

import (
	"strings"
	"time"
)

// Status is where a report stands, as the API reports it.
type Status string

const (
	StatusDraft     Status = "draft"
	StatusInReview  Status = "in_review"
	StatusReturned  Status = "returned"
	StatusOverdue   Status = "overdue"
	StatusPublished Status = "published"
	StatusFailed    Status = "failed"
)

// Label is the status in Chinese, as staff see it.
func (s Status) Label() string {
	switch s {
	case StatusDraft:
		return "草稿"
	case StatusInReview:
		return "审批中"
	case StatusReturned:
		return "已退回"
	case StatusOverdue:
		return "逾期未审批"
	case StatusPublished:
		return "已发布"
	case StatusFailed:
		return "流程出错"
	}
	return string(s)
}

// Label is the report's status in Chinese: a failure says what did not happen, by the
// step of the workflow that failed.
func (r *Report) Label() string {
	if r.Status != StatusFailed {
		return r.Status.Label()
	}
	return StepOf(r.FailedStep).Failed
}

// Step is one task of the approval state machine (workflow/approval.asl.json), as
// people are told about it.
type Step struct {
	Name   string // 「审批通知」: what the step does
	Failed string // the status label of a report whose workflow failed there
}

// steps are the state machine's tasks by their state names, the one table the status
// labels, the failure's record line and its mail read.
var steps = map[string]Step{
	"Validate":        {Name: "校验", Failed: "流程出错：校验未能完成"},
	"RequestApproval": {Name: "审批通知", Failed: "流程出错：审批通知未能发出"},
	"Remind":          {Name: "催办通知", Failed: "流程出错：审批通知未能发出"},
	"Return":          {Name: "退回通知", Failed: "流程出错：退回通知未能发出"},
	"Publish":         {Name: "发布", Failed: "发布失败"},
	"Notify":          {Name: "发布通知", Failed: "已发布（发布通知未能发出）"},
}

// StepOf is a step by its state name; an unknown one reads as the workflow in general.
func StepOf(name string) Step {
	if st, ok := steps[name]; ok {
		return st
	}
	return Step{Name: "审批流程", Failed: StatusFailed.Label()}
}

// Roles a user may hold.
const (
	RoleDrafter  = "drafter"
	RoleApprover = "approver"
	RoleAdmin    = "admin"
	// RoleSupervisor: a user of a government unit who sees that unit and every unit
	// below it, read-only, and may remind them and request corrections (the console).
	RoleSupervisor = "supervisor"
)

// Kinds of unit: who files with whom, and by when.
const (
	KindDepartment = "department" // 部门 (the default)
	KindTownship   = "township"   // 乡镇、街道
	KindGovernment = "government" // 本级政府
)

// Due are a government unit's month-day overrides ("01-31") of the statutory deadlines,
// for the units below it; empty fields keep the statute's.
type Due struct {
	Department string `dynamodbav:"department,omitempty" json:"department,omitempty" yaml:"department"`
	Township   string `dynamodbav:"township,omitempty" json:"township,omitempty" yaml:"township"`
	Government string `dynamodbav:"government,omitempty" json:"government,omitempty" yaml:"government"`
	// Publish: by when the units must also have published, where the local rule
	// separates 备案 from publication.
	Publish string `dynamodbav:"publish,omitempty" json:"publish,omitempty" yaml:"publish"`
}

// Level is one step of an agency's approval chain.
type Level struct {
	Name      string   `dynamodbav:"name" json:"name" yaml:"name"`
	Approvers []string `dynamodbav:"approvers" json:"approvers" yaml:"approvers"`
	// ConfidentialityReview makes approval at this level require the 保密审查 attestation.
	ConfidentialityReview bool `dynamodbav:"confidentiality_review" json:"confidentiality_review" yaml:"confidentiality_review"`
	// EscalateTo is offered the level's approval after its last reminder, before the
	// report is returned as overdue ("": no escalation).
	EscalateTo string `dynamodbav:"escalate_to,omitempty" json:"escalate_to,omitempty" yaml:"escalate_to,omitempty"`
}

// Settings are an agency's workflow settings.
type Settings struct {
	// ReminderSeconds: no decision within this long → a reminder (default 2 days).
	ReminderSeconds int `dynamodbav:"reminder_seconds" json:"reminder_seconds" yaml:"reminder_seconds"`
	// MaxReminders: after this many reminders the report is returned as overdue (default 3).
	MaxReminders int `dynamodbav:"max_reminders" json:"max_reminders" yaml:"max_reminders"`
	// OfficeEmail is the 办公室 address told about overdue and failed reports.
	OfficeEmail string `dynamodbav:"office_email" json:"office_email" yaml:"office_email"`
}

// Defaults of an agency's settings.
const (
	DefaultReminderSeconds = 2 * 24 * 60 * 60
	DefaultMaxReminders    = 3
	MinLevels, MaxLevels   = 1, 5
)

// Agency is a government department with its approval chain.
type Agency struct {
	ID       string    `dynamodbav:"id"`
	Name     string    `dynamodbav:"name"` // as printed in the report title
	Chain    []Level   `dynamodbav:"chain"`
	Settings Settings  `dynamodbav:"settings"`
	Updated  time.Time `dynamodbav:"updated"`
	// Kind is department, township or government ("" reads as department).
	Kind string `dynamodbav:"kind,omitempty"`
	// Parent is the government unit that supervises this one ("" for none).
	Parent string `dynamodbav:"parent,omitempty"`
	// Due overrides the deadlines of this (government) unit's own units.
	Due Due `dynamodbav:"due,omitempty"`
}

// UnitKind is the agency's kind, department when not set.
func (a *Agency) UnitKind() string {
	if a.Kind == "" {
		return KindDepartment
	}
	return a.Kind
}

// Unit is one unit under a government, as the government's list of units holds it.
type Unit struct {
	ID     string `dynamodbav:"id"`
	Name   string `dynamodbav:"name"`
	Kind   string `dynamodbav:"kind"`
	Parent string `dynamodbav:"parent"`
}

// Member is a user of an agency, as the agency's list of members holds it (the
// addresses a reminder goes to).
type Member struct {
	Email string   `dynamodbav:"email"`
	Roles []string `dynamodbav:"roles,stringset,omitempty"`
}

// CorrectionRequest is a supervisor's request (整改意见) that a unit correct its
// published report: shown on the form until a version after Version is published.
type CorrectionRequest struct {
	Comment string    `dynamodbav:"comment"`
	By      string    `dynamodbav:"by"`
	At      time.Time `dynamodbav:"at"`
	Unit    string    `dynamodbav:"unit"` // the supervising unit that asked
	Version int       `dynamodbav:"version"`
}

// User is a person who signs in.
type User struct {
	Email  string   `dynamodbav:"email"`
	Name   string   `dynamodbav:"name"`
	Agency string   `dynamodbav:"agency"`
	Roles  []string `dynamodbav:"roles,stringset,omitempty"`
}

// Has reports whether the user holds a role.
func (u *User) Has(role string) bool {
	for _, r := range u.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// Report is one agency's report for one year: its draft and where it stands.
type Report struct {
	Agency string `dynamodbav:"agency"`
	Year   int    `dynamodbav:"year"`
	Status Status `dynamodbav:"status"`
	// Draft is the report document (JSON) being edited; Rev counts its saves (the ETag).
	Draft []byte `dynamodbav:"draft"`
	Rev   int    `dynamodbav:"rev"`
	// Version is the newest submitted version (0: never submitted).
	Version int `dynamodbav:"version"`
	// Level is the index of the approval level the report waits at, while in review.
	Level     LevelIndex `dynamodbav:"level"`
	LevelName string     `dynamodbav:"level_name"`
	// PublishedVersion is the version the public sees (0: not published).
	PublishedVersion int `dynamodbav:"published_version"`
	// Publishing is the version the Publish step has claimed: approved by every level and
	// being written out, so no longer to be withdrawn.
	Publishing   int       `dynamodbav:"publishing"`
	ExecutionARN string    `dynamodbav:"execution_arn"`
	Updated      time.Time `dynamodbav:"updated"`
	UpdatedBy    string    `dynamodbav:"updated_by"`
	// Comment is the last return comment or failure, shown beside the form.
	Comment string `dynamodbav:"comment"`
	// FailedStep is the workflow's step that failed, while the status is failed.
	FailedStep string `dynamodbav:"failed_step"`
	// CorrectionRequest is the last supervisor's request to correct the published
	// report (nil: none); it stands while PublishedVersion <= its Version.
	CorrectionRequest *CorrectionRequest `dynamodbav:"correction_request,omitempty"`
}

// OpenCorrection is the correction request still standing: none once a version after
// the one it was about has been published.
func (r *Report) OpenCorrection() *CorrectionRequest {
	if c := r.CorrectionRequest; c != nil && r.PublishedVersion <= c.Version {
		return c
	}
	return nil
}

// Version is a submitted version of a report: immutable once written.
type Version struct {
	Agency           string    `dynamodbav:"agency"`
	Year             int       `dynamodbav:"year"`
	Number           int       `dynamodbav:"number"`
	Document         []byte    `dynamodbav:"document"`
	SubmittedBy      string    `dynamodbav:"submitted_by"`
	SubmittedAt      time.Time `dynamodbav:"submitted_at"`
	CorrectionReason string    `dynamodbav:"correction_reason"`
	// Chain and Settings as they were at submission: a change of the agency's chain does
	// not move a report already under way.
	Chain    []Level  `dynamodbav:"chain"`
	Settings Settings `dynamodbav:"settings"`
}

// ApprovalState is where one pending approval stands.
type ApprovalState string

const (
	ApprovalPending ApprovalState = "pending"
	ApprovalDecided ApprovalState = "decided"
	// ApprovalClosed: the report was withdrawn, or returned as overdue, before a decision.
	ApprovalClosed ApprovalState = "closed"
)

// Verdict is the decision an approver takes on one level.
type Verdict string

// The verdicts an approver can give.
const (
	DecisionApprove Verdict = "approve"
	DecisionReturn  Verdict = "return"
)

// Label is the verdict in Chinese.
func (v Verdict) Label() string {
	if v == DecisionReturn {
		return "退回"
	}
	return "同意"
}

// ClosedReason says why an approval ended without a decision.
type ClosedReason string

// Why an approval was closed without a decision.
const (
	ClosedOverdue   ClosedReason = "overdue"   // no decision after the last reminder
	ClosedWithdrawn ClosedReason = "withdrawn" // the drafter withdrew the version
	ClosedEnded     ClosedReason = "ended"     // the workflow ended (returned, failed) before this level decided
)

// LevelIndex is a level's position in a version's chain (0 is the first level); a
// level's name is the string its Level carries.
type LevelIndex int

// NoLevel is the index of a report that waits at no level (not in review).
const NoLevel LevelIndex = -1

// Recipient is one approver a link was sent to; the secret of the link is kept hashed.
type Recipient struct {
	Email      string `dynamodbav:"email"`
	SecretHash string `dynamodbav:"secret_hash"`
	// For is the approver this recipient stands in for (a substitute's link).
	For string `dynamodbav:"for,omitempty"`
	// Escalation: the link offered to the level's escalate_to after its last reminder.
	Escalation bool `dynamodbav:"escalation,omitempty"`
	// Reassigned: the admin moved the approval away from this link, which then
	// decides nothing and says why.
	Reassigned *Reassignment `dynamodbav:"reassigned,omitempty"`
}

// Reassignment is an admin's move of a pending approval to another approver.
type Reassignment struct {
	To     string    `dynamodbav:"to"`
	Reason string    `dynamodbav:"reason"`
	By     string    `dynamodbav:"by"`
	At     time.Time `dynamodbav:"at"`
}

// Substitute (代理) names who stands in for an approver of an agency from From to To,
// both 北京时间 dates (YYYY-MM-DD) and both included.
type Substitute struct {
	Agency     string    `dynamodbav:"agency" json:"agency" yaml:"-"`
	Approver   string    `dynamodbav:"approver" json:"approver" yaml:"approver"`
	Substitute string    `dynamodbav:"substitute" json:"substitute" yaml:"substitute"`
	From       string    `dynamodbav:"from" json:"from" yaml:"from"`
	To         string    `dynamodbav:"to" json:"to" yaml:"to"`
	SetBy      string    `dynamodbav:"set_by" json:"set_by" yaml:"-"`
	Updated    time.Time `dynamodbav:"updated" json:"updated" yaml:"-"`
}

// Active reports whether the substitution runs on day (a 北京时间 date, YYYY-MM-DD).
func (s Substitute) Active(day string) bool { return s.From <= day && day <= s.To }

// ActorLabel is a person as the record shows them: 「张三（代 李四）」 for who decided in
// the place of whom, or just who.
func ActorLabel(by, onBehalfOf string) string {
	if onBehalfOf == "" {
		return by
	}
	return by + "（代 " + onBehalfOf + "）"
}

// Approval is the wait for one level's decision on one version.
type Approval struct {
	ID                    string        `dynamodbav:"id"`
	Agency                string        `dynamodbav:"agency"`
	Year                  int           `dynamodbav:"year"`
	Version               int           `dynamodbav:"version"`
	Level                 LevelIndex    `dynamodbav:"level"`
	LevelName             string        `dynamodbav:"level_name"`
	ConfidentialityReview bool          `dynamodbav:"confidentiality_review"`
	Recipients            []Recipient   `dynamodbav:"recipients"`
	TaskToken             string        `dynamodbav:"task_token"`
	State                 ApprovalState `dynamodbav:"state"`
	Created               time.Time     `dynamodbav:"created"`
	Expires               time.Time     `dynamodbav:"expires"`
	Reminders             int           `dynamodbav:"reminders"`
	Decision              Verdict       `dynamodbav:"decision"`
	DecidedBy             string        `dynamodbav:"decided_by"`
	DecidedAt             time.Time     `dynamodbav:"decided_at"`
	Comment               string        `dynamodbav:"comment"`
	Attested              bool          `dynamodbav:"attested"`
	// ClosedReason says why a closed approval ended without a decision.
	ClosedReason ClosedReason `dynamodbav:"closed_reason"`
	// Delivered: the decision reached the state machine (SendTaskSuccess succeeded).
	Delivered bool `dynamodbav:"delivered"`
	// Notified: the approvers were mailed their links (a retried request mails them once).
	Notified bool `dynamodbav:"notified"`
	// DecidedFor is the approver a substitute decided for ("": in their own name).
	DecidedFor string `dynamodbav:"decided_for,omitempty"`
	// Assignment counts the approval's reassignments: a decision taken through a link
	// read before a reassignment loses to it.
	Assignment int `dynamodbav:"assignment"`
	// Escalated: the approval was offered to the level's escalate_to; EscalationNotified:
	// the escalation's link and the approvers' notice were mailed (a retried step mails
	// them once).
	Escalated          bool `dynamodbav:"escalated,omitempty"`
	EscalationNotified bool `dynamodbav:"escalation_notified,omitempty"`
	// EscalatedToken is the token of the wait whose timeout the escalation answered: a
	// retried step of that wait escalates nothing again.
	EscalatedToken string `dynamodbav:"escalated_token,omitempty"`
	// RemindedToken is the token of the wait whose timeout the last reminder answered:
	// a retried Remind of that wait counts nothing again.
	RemindedToken string `dynamodbav:"reminded_token"`
}

// DecidedLabel is who decided, as shown: 「张三（代 李四）」 for a substitute.
func (a *Approval) DecidedLabel() string { return ActorLabel(a.DecidedBy, a.DecidedFor) }

// Recipient finds the recipient whose secret hashes to hash; a live one before one the
// approval was reassigned away from (a link sent again to a former recipient).
func (a *Approval) Recipient(hash string) (Recipient, bool) {
	var found *Recipient
	for i, r := range a.Recipients {
		if r.SecretHash == hash && (found == nil || found.Reassigned != nil) {
			found = &a.Recipients[i]
		}
	}
	if found == nil {
		return Recipient{}, false
	}
	return *found, true
}

// RecipientNamed finds the live recipient of an address (a reassigned one when no other).
func (a *Approval) RecipientNamed(email string) (Recipient, bool) {
	var found *Recipient
	for i, r := range a.Recipients {
		if strings.EqualFold(r.Email, email) && (found == nil || found.Reassigned != nil) {
			found = &a.Recipients[i]
		}
	}
	if found == nil {
		return Recipient{}, false
	}
	return *found, true
}

// Live are the recipients whose links still decide (not reassigned away).
func (a *Approval) Live() []Recipient {
	var out []Recipient
	for _, r := range a.Recipients {
		if r.Reassigned == nil {
			out = append(out, r)
		}
	}
	return out
}

// AuditEntry is one line of a report's audit log: who did what, when, from where.
type AuditEntry struct {
	At      time.Time `dynamodbav:"at" json:"at"`
	Actor   string    `dynamodbav:"actor" json:"actor"`
	Action  string    `dynamodbav:"action" json:"action"`
	Version int       `dynamodbav:"version,omitempty" json:"version,omitempty"`
	Level   string    `dynamodbav:"level,omitempty" json:"level"`
	Comment string    `dynamodbav:"comment,omitempty" json:"comment"`
	IP      string    `dynamodbav:"ip,omitempty" json:"-"`
	// For is the approver a substitute acted for.
	For string `dynamodbav:"for,omitempty" json:"for,omitempty"`
	// Count is how many consecutive saves a save line stands for (0 on lines written
	// one per save, before saves were folded in the store).
	Count int `dynamodbav:"count,omitempty" json:"count,omitempty"`
}

// Audit actions.
const (
	ActionSave         = "save"
	ActionSubmit       = "submit"
	ActionWithdraw     = "withdraw"
	ActionRequest      = "request"       // approval requested from a level
	ActionApprove      = "approve"       // a level approved
	ActionReturn       = "return"        // a level returned the report
	ActionAttest       = "attest"        // 保密审查 attestation given with an approval
	ActionRemind       = "remind"        // a reminder was sent
	ActionOverdue      = "overdue"       // returned after the last reminder
	ActionInvalid      = "invalid"       // the Validate step refused the version
	ActionPublish      = "publish"       // published
	ActionFail         = "fail"          // the workflow failed
	ActionSignIn       = "sign_in"       // (user audit) signed in
	ActionImport       = "import"        // agency created or updated by admin import
	ActionCorrected    = "corrected"     // a correction replaced a published version
	ActionSubmitUndone = "submit_undone" // a submission taken back: its execution could not start
	ActionReassign     = "reassign"      // the admin moved a pending approval to another approver
	ActionEscalate     = "escalate"      // offered to the level's escalate_to after the last reminder
	ActionUrge         = "urge"          // a supervisor sent 催报
	// ActionCorrectionRequest: a supervisor asked for a correction of the published report.
	ActionCorrectionRequest = "correction_request"
)

// ActorLabel is the line's person as shown: 「张三（代 李四）」 for a substitute.
func (e AuditEntry) ActorLabel() string { return ActorLabel(e.Actor, e.For) }

// Publication records one published version, for the index pages.
type Publication struct {
	AgencyID         string    `dynamodbav:"agency_id"`
	Agency           string    `dynamodbav:"agency_name"`
	Year             int       `dynamodbav:"year"`
	Version          int       `dynamodbav:"version"`
	PublishedAt      time.Time `dynamodbav:"published_at"`
	CorrectionReason string    `dynamodbav:"correction_reason"`
	SHA256           string    `dynamodbav:"sha256"`
}

// LoginLink is a sign-in link mailed to a user; its secret is kept hashed.
type LoginLink struct {
	ID         string    `dynamodbav:"id"`
	Email      string    `dynamodbav:"email"`
	SecretHash string    `dynamodbav:"secret_hash"`
	Created    time.Time `dynamodbav:"created"`
	Expires    time.Time `dynamodbav:"expires"`
	Used       bool      `dynamodbav:"used"`
}

// Session is a signed-in browser; the cookie carries the id, the table a hash of it.
type Session struct {
	IDHash  string    `dynamodbav:"id_hash"`
	Email   string    `dynamodbav:"email"`
	CSRF    string    `dynamodbav:"csrf"`
	Created time.Time `dynamodbav:"created"`
	Expires time.Time `dynamodbav:"expires"`
}
