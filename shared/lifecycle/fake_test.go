package lifecycle

import (
	"context"
	"reflect"
	"time"

	"nianbao/shared/store"
)

// fakeStore is a Store made of function fields (as wtf/mock does): a test sets the ones
// it expects to be called; any other call is an error the test sees, and every call is
// counted by name.
type fakeStore struct {
	now   time.Time
	calls map[string]int

	GetReportFn        func(agency string, year int) (*store.Report, error)
	GetVersionFn       func(agency string, year, n int) (*store.Version, error)
	SaveDraftFn        func(agency string, year int, doc []byte, expectRev int, actor, ip string) (int, error)
	SubmitFn           func(sub store.Submission) error
	UndoSubmitFn       func(agency string, year, version int, prev store.Status) error
	SetExecutionFn     func(agency string, year, version int, arn string) error
	WithdrawFn         func(agency string, year, version int, actor, ip string) (*store.Report, error)
	UpdateStatusFn     func(agency string, year, version int, c store.ReportChange, by string) error
	ClaimPublicationFn func(agency string, year, version int) error
	AuditFn            func(agency string, year int, e store.AuditEntry) error
	FindApprovalFn     func(agency string, year, version int, level store.LevelIndex) (*store.Approval, error)
	DecideFn           func(a *store.Approval, d store.Decision) (*store.Approval, error)
	MarkDeliveredFn    func(id string) error
	SetTaskTokenFn     func(id, token string) (*store.Approval, error)
	CloseApprovalFn    func(id string, reason store.ClosedReason) (*store.Approval, error)
	GetUserFn          func(email string) (*store.User, error)
	SubstitutesFn      func(agency string) ([]store.Substitute, error) // unset: none
	PutSubstituteFn    func(sub store.Substitute) error
	DeleteSubstituteFn func(agency, approver string) error
	ReassignFn         func(a *store.Approval, to store.Recipient, m store.Reassignment, audit store.AuditEntry) (*store.Approval, error)
	EscalateFn         func(a *store.Approval, to store.Recipient, audit store.AuditEntry) (*store.Approval, error)
}

func newFakeStore() *fakeStore {
	return &fakeStore{now: time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC), calls: map[string]int{}}
}

type unexpected string

func (u unexpected) Error() string { return "unexpected call of " + string(u) }

func (f *fakeStore) call(name string, fn any) error {
	f.calls[name]++
	if reflect.ValueOf(fn).IsNil() {
		return unexpected(name)
	}
	return nil
}

func (f *fakeStore) Now() time.Time { return f.now }

func (f *fakeStore) GetReport(_ context.Context, agency string, year int) (*store.Report, error) {
	if err := f.call("GetReport", f.GetReportFn); err != nil {
		return nil, err
	}
	return f.GetReportFn(agency, year)
}

func (f *fakeStore) GetVersion(_ context.Context, agency string, year, n int) (*store.Version, error) {
	if err := f.call("GetVersion", f.GetVersionFn); err != nil {
		return nil, err
	}
	return f.GetVersionFn(agency, year, n)
}

func (f *fakeStore) SaveDraft(_ context.Context, agency string, year int, doc []byte, expectRev int, actor, ip string) (int, error) {
	if err := f.call("SaveDraft", f.SaveDraftFn); err != nil {
		return 0, err
	}
	return f.SaveDraftFn(agency, year, doc, expectRev, actor, ip)
}

func (f *fakeStore) Submit(_ context.Context, sub store.Submission) error {
	if err := f.call("Submit", f.SubmitFn); err != nil {
		return err
	}
	return f.SubmitFn(sub)
}

func (f *fakeStore) UndoSubmit(_ context.Context, agency string, year, version int, prev store.Status) error {
	if err := f.call("UndoSubmit", f.UndoSubmitFn); err != nil {
		return err
	}
	return f.UndoSubmitFn(agency, year, version, prev)
}

func (f *fakeStore) SetExecution(_ context.Context, agency string, year, version int, arn string) error {
	if err := f.call("SetExecution", f.SetExecutionFn); err != nil {
		return err
	}
	return f.SetExecutionFn(agency, year, version, arn)
}

func (f *fakeStore) Withdraw(_ context.Context, agency string, year, version int, actor, ip string) (*store.Report, error) {
	if err := f.call("Withdraw", f.WithdrawFn); err != nil {
		return nil, err
	}
	return f.WithdrawFn(agency, year, version, actor, ip)
}

func (f *fakeStore) UpdateStatus(_ context.Context, agency string, year, version int, c store.ReportChange, by string) error {
	if err := f.call("UpdateStatus", f.UpdateStatusFn); err != nil {
		return err
	}
	return f.UpdateStatusFn(agency, year, version, c, by)
}

func (f *fakeStore) ClaimPublication(_ context.Context, agency string, year, version int) error {
	if err := f.call("ClaimPublication", f.ClaimPublicationFn); err != nil {
		return err
	}
	return f.ClaimPublicationFn(agency, year, version)
}

func (f *fakeStore) Audit(_ context.Context, agency string, year int, e store.AuditEntry) error {
	if err := f.call("Audit", f.AuditFn); err != nil {
		return err
	}
	return f.AuditFn(agency, year, e)
}

func (f *fakeStore) FindApproval(_ context.Context, agency string, year, version int, level store.LevelIndex) (*store.Approval, error) {
	if err := f.call("FindApproval", f.FindApprovalFn); err != nil {
		return nil, err
	}
	return f.FindApprovalFn(agency, year, version, level)
}

func (f *fakeStore) Decide(_ context.Context, a *store.Approval, d store.Decision) (*store.Approval, error) {
	if err := f.call("Decide", f.DecideFn); err != nil {
		return nil, err
	}
	return f.DecideFn(a, d)
}

func (f *fakeStore) MarkDelivered(_ context.Context, id string) error {
	if err := f.call("MarkDelivered", f.MarkDeliveredFn); err != nil {
		return err
	}
	return f.MarkDeliveredFn(id)
}

func (f *fakeStore) SetTaskToken(_ context.Context, id, token string) (*store.Approval, error) {
	if err := f.call("SetTaskToken", f.SetTaskTokenFn); err != nil {
		return nil, err
	}
	return f.SetTaskTokenFn(id, token)
}

func (f *fakeStore) CloseApproval(_ context.Context, id string, reason store.ClosedReason) (*store.Approval, error) {
	if err := f.call("CloseApproval", f.CloseApprovalFn); err != nil {
		return nil, err
	}
	return f.CloseApprovalFn(id, reason)
}

func (f *fakeStore) GetUser(_ context.Context, email string) (*store.User, error) {
	if err := f.call("GetUser", f.GetUserFn); err != nil {
		return nil, err
	}
	return f.GetUserFn(email)
}

func (f *fakeStore) Substitutes(_ context.Context, agency string) ([]store.Substitute, error) {
	f.calls["Substitutes"]++
	if f.SubstitutesFn == nil {
		return nil, nil
	}
	return f.SubstitutesFn(agency)
}

func (f *fakeStore) PutSubstitute(_ context.Context, sub store.Substitute) error {
	if err := f.call("PutSubstitute", f.PutSubstituteFn); err != nil {
		return err
	}
	return f.PutSubstituteFn(sub)
}

func (f *fakeStore) DeleteSubstitute(_ context.Context, agency, approver string) error {
	if err := f.call("DeleteSubstitute", f.DeleteSubstituteFn); err != nil {
		return err
	}
	return f.DeleteSubstituteFn(agency, approver)
}

func (f *fakeStore) Reassign(_ context.Context, a *store.Approval, to store.Recipient, m store.Reassignment, audit store.AuditEntry) (*store.Approval, error) {
	if err := f.call("Reassign", f.ReassignFn); err != nil {
		return nil, err
	}
	return f.ReassignFn(a, to, m, audit)
}

func (f *fakeStore) Escalate(_ context.Context, a *store.Approval, to store.Recipient, audit store.AuditEntry) (*store.Approval, error) {
	if err := f.call("Escalate", f.EscalateFn); err != nil {
		return nil, err
	}
	return f.EscalateFn(a, to, audit)
}

// fakeWorkflow is a Workflow made of function fields.
type fakeWorkflow struct {
	calls     map[string]int
	StartFn   func(name string, in Execution) (string, error)
	ExistsFn  func(name string) bool
	StopFn    func(arn, cause string) error
	DeliverFn func(token, output string) error
}

func newFakeWorkflow() *fakeWorkflow { return &fakeWorkflow{calls: map[string]int{}} }

func (w *fakeWorkflow) Start(_ context.Context, name string, in Execution) (string, error) {
	w.calls["Start"]++
	if w.StartFn == nil {
		return "", unexpected("Start")
	}
	return w.StartFn(name, in)
}

func (w *fakeWorkflow) Exists(_ context.Context, name string) bool {
	w.calls["Exists"]++
	return w.ExistsFn != nil && w.ExistsFn(name)
}

func (w *fakeWorkflow) Stop(_ context.Context, arn, cause string) error {
	w.calls["Stop"]++
	if w.StopFn == nil {
		return unexpected("Stop")
	}
	return w.StopFn(arn, cause)
}

func (w *fakeWorkflow) Deliver(_ context.Context, token, output string) error {
	w.calls["Deliver"]++
	if w.DeliverFn == nil {
		return unexpected("Deliver")
	}
	return w.DeliverFn(token, output)
}

func (w *fakeWorkflow) ExecutionARN(name string) string {
	return "arn:aws:states:us-east-1:123456789012:execution:Approval:" + name
}
