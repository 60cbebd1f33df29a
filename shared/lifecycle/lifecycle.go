// Package lifecycle is the one home of a report's life: every change of its state —
// save a draft, submit (and take the submission back when its execution cannot start),
// withdraw, decide a level, close the approvals still waiting, and the workflow's moves
// to the next level, returned, failed and published — with the rules around them: who
// may, in which state, at which version. The web calls it for what people do; the step
// handlers of the state machine (shared/approval) call it for what the workflow does.
//
// It talks to the table through Store and to Step Functions through Workflow, two small
// interfaces; its errors are *Error values with a Code the web maps to an HTTP status.
package lifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"nianbao/shared/report"
	"nianbao/shared/store"
)

// Store names the table's methods the lifecycle uses (*store.Store has them all).
type Store interface {
	Now() time.Time
	GetReport(ctx context.Context, agency string, year int) (*store.Report, error)
	GetVersion(ctx context.Context, agency string, year, n int) (*store.Version, error)
	SaveDraft(ctx context.Context, agency string, year int, doc []byte, expectRev int, actor, ip string) (int, error)
	Submit(ctx context.Context, sub store.Submission) error
	UndoSubmit(ctx context.Context, agency string, year, version int, prev store.Status) error
	SetExecution(ctx context.Context, agency string, year, version int, arn string) error
	Withdraw(ctx context.Context, agency string, year, version int, actor, ip string) (*store.Report, error)
	UpdateStatus(ctx context.Context, agency string, year, version int, c store.ReportChange, by string) error
	ClaimPublication(ctx context.Context, agency string, year, version int) error
	Audit(ctx context.Context, agency string, year int, e store.AuditEntry) error
	FindApproval(ctx context.Context, agency string, year, version int, level store.LevelIndex) (*store.Approval, error)
	Decide(ctx context.Context, a *store.Approval, d store.Decision) (*store.Approval, error)
	MarkDelivered(ctx context.Context, id string) error
	SetTaskToken(ctx context.Context, id, token string) (*store.Approval, error)
	CloseApproval(ctx context.Context, id string, reason store.ClosedReason) (*store.Approval, error)
	// Approvers away (away.go).
	GetUser(ctx context.Context, email string) (*store.User, error)
	Substitutes(ctx context.Context, agency string) ([]store.Substitute, error)
	PutSubstitute(ctx context.Context, sub store.Substitute) error
	DeleteSubstitute(ctx context.Context, agency, approver string) error
	Reassign(ctx context.Context, a *store.Approval, to store.Recipient, m store.Reassignment, audit store.AuditEntry) (*store.Approval, error)
	Escalate(ctx context.Context, a *store.Approval, to store.Recipient, audit store.AuditEntry) (*store.Approval, error)
}

// Workflow names what the lifecycle asks of the state machine (Step Functions through
// SFNWorkflow; function fields in tests).
type Workflow interface {
	// Start starts the execution of one version, named by ExecutionName, and returns
	// its ARN.
	Start(ctx context.Context, name string, in Execution) (arn string, err error)
	// Exists reports whether the execution of that name exists (started after all).
	Exists(ctx context.Context, name string) bool
	// Stop ends a running execution (the report was withdrawn).
	Stop(ctx context.Context, arn, cause string) error
	// Deliver hands a decision to the wait that holds token. ErrTaskClosed: the wait
	// is no longer live.
	Deliver(ctx context.Context, token, output string) error
	// ExecutionARN is the ARN of the execution of that name.
	ExecutionARN(name string) string
}

// Actor is who the record names for what the workflow does by itself.
const Actor = "system"

// Lifecycle changes reports' states.
type Lifecycle struct {
	Store    Store
	Workflow Workflow
	Log      *slog.Logger
}

func (l *Lifecycle) log() *slog.Logger {
	if l.Log != nil {
		return l.Log
	}
	return slog.Default()
}

// Execution is the state of one version's walk through its chain, as every step of the
// state machine receives it. Submit starts the execution with it; the state machine
// moves Level on.
type Execution struct {
	Agency          string           `json:"agency"`
	Year            int              `json:"year"`
	Version         int              `json:"version"`
	Level           store.LevelIndex `json:"level"`       // index into the version's chain
	LevelCount      int              `json:"level_count"` // the chain's length
	ReminderSeconds int              `json:"reminder_seconds"`
	MaxReminders    int              `json:"max_reminders"`
}

// ExecutionName is the deterministic name of the execution of one version: a second
// StartExecution of the same version cannot start a second walk.
func ExecutionName(agency string, year, version int) string {
	return fmt.Sprintf("%s-%d-v%d", agency, year, version)
}

// PreviousYear is an agency's published report of the year before, for the cross-year
// rules and prefill; nil when there is none (or it cannot be read, which only costs
// those warnings). Without a report of that year published by nianbao, the report the
// agency imported for it (store.Imported, 导入) stands in, when the store keeps imports.
func PreviousYear(ctx context.Context, st interface {
	GetReport(ctx context.Context, agency string, year int) (*store.Report, error)
	GetVersion(ctx context.Context, agency string, year, n int) (*store.Version, error)
}, agency string, year int) *report.Document {
	r, err := st.GetReport(ctx, agency, year-1)
	if err != nil || r.PublishedVersion == 0 {
		if err != nil && store.IsNotFound(err) {
			return importedYear(ctx, st, agency, year-1)
		}
		return nil
	}
	v, err := st.GetVersion(ctx, agency, year-1, r.PublishedVersion)
	if err != nil {
		return nil
	}
	doc, err := report.DecodeBytes(v.Document)
	if err != nil {
		return nil
	}
	return doc
}

// ImportedStore is the store's reading of imported reports (*store.Store has it).
type ImportedStore interface {
	GetImported(ctx context.Context, agency string, year int) (*store.Imported, error)
}

// importedYear is the report an agency imported for a year, if its store keeps imports.
func importedYear(ctx context.Context, st any, agency string, year int) *report.Document {
	is, ok := st.(ImportedStore)
	if !ok {
		return nil
	}
	im, err := is.GetImported(ctx, agency, year)
	if err != nil {
		return nil
	}
	doc, err := report.DecodeBytes(im.Document)
	if err != nil {
		return nil
	}
	return doc
}

// Previous is PreviousYear from the lifecycle's store.
func (l *Lifecycle) Previous(ctx context.Context, agency string, year int) *report.Document {
	return PreviousYear(ctx, l.Store, agency, year)
}

// MayDraft reports whether a user may read and edit an agency's reports: its drafters
// and admins, of that agency only.
func MayDraft(u *store.User, agency string) bool {
	return u != nil && u.Agency == agency && (u.Has(store.RoleDrafter) || u.Has(store.RoleAdmin))
}
