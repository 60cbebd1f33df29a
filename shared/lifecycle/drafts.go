package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// MaxStoredDocument bounds a draft as stored: it is kept in the report's item and again
// in a version's, and a DynamoDB item holds at most 400 KB. A full report with long texts
// is well under 100 KiB.
const MaxStoredDocument = 300 << 10

// MaxReasonLen bounds a correction reason (characters).
const MaxReasonLen = 500

// SaveInput is one save of a draft.
type SaveInput struct {
	Agency *store.Agency
	Year   int
	Doc    *report.Document
	// ExpectRev is the revision the editor started from (its If-Match); 0 only for the
	// first save of a new report.
	ExpectRev int
	Actor, IP string
}

// Saved is what a save gives back: the new revision and the findings of the draft.
type Saved struct {
	Rev      int
	Findings []report.Finding
}

// SaveDraft stores a draft. The document's agency and year, when given, must be the
// report's; a save from an old revision is CodeStale with the draft as it now stands,
// and a report in review cannot be changed (CodeConflict).
func (l *Lifecycle) SaveDraft(ctx context.Context, in SaveInput) (*Saved, error) {
	ag, doc := in.Agency, in.Doc
	switch {
	case doc.Agency == "":
		doc.Agency = ag.Name
	case doc.Agency != ag.Name:
		return nil, &Error{Code: CodeUnprocessable, Path: "agency",
			Message: fmt.Sprintf("报告中的机关名称「%s」与本机关「%s」不一致。", doc.Agency, ag.Name)}
	}
	switch {
	case doc.Year == 0:
		doc.Year = in.Year
	case doc.Year != in.Year:
		return nil, &Error{Code: CodeUnprocessable, Path: "year",
			Message: fmt.Sprintf("报告中的年度 %d 与地址中的 %d 不一致。", doc.Year, in.Year)}
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: encode draft: %w", err)
	}
	if len(body) > MaxStoredDocument {
		return nil, Errorf(CodeTooLarge, "报告过大（%d KiB，上限 %d KiB），请精简文字后再保存。", len(body)>>10, MaxStoredDocument>>10)
	}
	rev, err := l.Store.SaveDraft(ctx, ag.ID, in.Year, body, in.ExpectRev, in.Actor, in.IP)
	if err != nil {
		if !store.IsConflict(err) {
			return nil, err
		}
		cur, gerr := l.Store.GetReport(ctx, ag.ID, in.Year)
		if store.IsNotFound(gerr) {
			// An If-Match for a report that does not exist (deleted, or another year's).
			return nil, &Error{Code: CodeNotFound, Err: gerr,
				Message: fmt.Sprintf("还没有 %d 年度的报告：首次保存时不要带 If-Match，或请先新建报告。", in.Year)}
		}
		if gerr != nil {
			return nil, gerr
		}
		if cur.Status == store.StatusInReview {
			return nil, Errorf(CodeConflict, "报告正在审批中，不能修改；如需修改请先撤回。")
		}
		return nil, Stale(cur)
	}
	return &Saved{Rev: rev, Findings: report.Validate(doc, l.Previous(ctx, ag.ID, in.Year))}, nil
}

// Stale is the error of a change made from an old revision: it carries the report as it
// now stands, so the editor can show both versions and let the clerk keep theirs.
func Stale(cur *store.Report) *Error {
	return &Error{Code: CodeStale, Current: cur,
		Message: fmt.Sprintf("报告已被 %s 于 %s 修改，您的修改没有保存。请比较两个版本后再保存。", cur.UpdatedBy, bjTime(cur.Updated))}
}

// CreateDraft stores the first draft of a new report; CodeConflict when the report of
// that year exists already.
func (l *Lifecycle) CreateDraft(ctx context.Context, agency string, year int, body []byte, actor, ip string) error {
	if _, err := l.Store.SaveDraft(ctx, agency, year, body, 0, actor, ip); err != nil {
		if store.IsConflict(err) {
			return &Error{Code: CodeConflict, Message: fmt.Sprintf("%d 年度的报告已经存在。", year), Err: err}
		}
		return err
	}
	return nil
}

// SubmitInput is a drafter's submission of the report's draft as a new version.
type SubmitInput struct {
	Agency *store.Agency
	Year   int
	// CheckRev: the submission names the draft revision it was checked at (If-Match),
	// Rev; a draft saved since is CodeStale, as for a save.
	CheckRev         bool
	Rev              int
	CorrectionReason string
	Actor, IP        string
}

// Submitted is a version now in review.
type Submitted struct {
	Version  int
	Level    string // the first level's name
	Findings []report.Finding
}

// Submit makes the draft a new immutable version and starts its walk through the chain.
// When the execution cannot be started the submission is taken back, so the report is
// never left in review with nothing walking it.
func (l *Lifecycle) Submit(ctx context.Context, in SubmitInput) (*Submitted, error) {
	ag, year := in.Agency, in.Year
	reason := strings.TrimSpace(in.CorrectionReason)
	if utf8.RuneCountInString(reason) > MaxReasonLen {
		return nil, Errorf(CodeUnprocessable, "更正原因不能超过 %d 字。", MaxReasonLen)
	}
	rp, err := l.existing(ctx, ag.ID, year, "还没有 %d 年度的报告，请先保存草稿。")
	if err != nil {
		return nil, err
	}
	if rp.Status == store.StatusInReview {
		return nil, Errorf(CodeConflict, "第 %d 版已在审批中。", rp.Version)
	}
	if in.CheckRev && in.Rev != rp.Rev {
		return nil, Stale(rp)
	}
	if rp.PublishedVersion > 0 && reason == "" {
		return nil, Errorf(CodeUnprocessable, "该报告已发布；提交更正版本须填写更正原因，发布时将列入更正记录。")
	}
	if rp.PublishedVersion == 0 {
		reason = ""
	}
	if len(ag.Chain) < store.MinLevels || len(ag.Chain) > store.MaxLevels {
		return nil, Errorf(CodeConflict, "本机关的审批流程未配置（须有 %d 至 %d 级），请联系管理员。", store.MinLevels, store.MaxLevels)
	}
	subs, err := l.Store.Substitutes(ctx, ag.ID)
	if err != nil {
		return nil, err
	}
	if i := Unstaffed(ag.Chain, in.Actor, subs, Day(l.Store.Now())); i != store.NoLevel {
		return nil, unstaffedError(ag.Chain, i)
	}
	doc, err := report.DecodeBytes(rp.Draft)
	if err != nil {
		return nil, &Error{Code: CodeUnprocessable, Message: "草稿不是有效的报告文件：" + err.Error(), Err: err}
	}
	findings := report.Validate(doc, l.Previous(ctx, ag.ID, year))
	if report.HasErrors(findings) {
		return nil, &Error{Code: CodeUnprocessable, Message: "报告有错误，不能提交审批。请按提示修改。", Findings: findings}
	}
	settings := ag.Settings
	if settings.ReminderSeconds <= 0 {
		settings.ReminderSeconds = store.DefaultReminderSeconds
	}
	if settings.MaxReminders <= 0 {
		settings.MaxReminders = store.DefaultMaxReminders
	}
	n := rp.Version + 1
	if err := l.Store.Submit(ctx, store.Submission{
		Version: store.Version{Agency: ag.ID, Year: year, Number: n, Document: rp.Draft, SubmittedBy: in.Actor,
			CorrectionReason: reason, Chain: ag.Chain, Settings: settings},
		Rev: rp.Rev, IP: in.IP,
	}); err != nil {
		if store.IsConflict(err) {
			return nil, &Error{Code: CodeConflict, Message: "报告刚刚被修改或已提交，请刷新后再试。", Err: err}
		}
		return nil, err
	}
	name := ExecutionName(ag.ID, year, n)
	arn, err := l.Workflow.Start(ctx, name, Execution{Agency: ag.ID, Year: year, Version: n, Level: 0, LevelCount: len(ag.Chain),
		ReminderSeconds: settings.ReminderSeconds, MaxReminders: settings.MaxReminders})
	// The rest must finish even if the caller goes away: the version is written.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err != nil {
		arn = l.Workflow.ExecutionARN(name)
		// An error may still have started it (a timeout after AWS took the call), and
		// an execution that exists already is this very version's: ask before taking
		// it back.
		if !l.Workflow.Exists(ctx, name) {
			if uerr := l.Store.UndoSubmit(ctx, ag.ID, year, n, rp.Status); uerr != nil {
				l.log().ErrorContext(ctx, "undo of a submission failed", "err", uerr)
				return nil, fmt.Errorf("lifecycle: start execution: %w; undo: %w", err, uerr)
			}
			l.log().ErrorContext(ctx, "start execution", "err", err)
			return nil, &Error{Code: CodeUnavailable, Message: "审批流程暂时无法启动，报告未提交，请稍后再试。", Err: err}
		}
	}
	if err := l.Store.SetExecution(ctx, ag.ID, year, n, arn); err != nil && !store.IsConflict(err) {
		// Submitted and running all the same; withdraw finds the execution by its name.
		l.log().ErrorContext(ctx, "record the execution", "arn", arn, "err", err)
	}
	return &Submitted{Version: n, Level: ag.Chain[0].Name, Findings: findings}, nil
}

// Withdraw takes a report in review back to draft: its execution is stopped and every
// level's wait closed. Returns the version withdrawn.
func (l *Lifecycle) Withdraw(ctx context.Context, agency string, year int, actor, ip string) (int, error) {
	rp, err := l.existing(ctx, agency, year, "还没有 %d 年度的报告。")
	if err != nil {
		return 0, err
	}
	if rp.Status != store.StatusInReview {
		return 0, Errorf(CodeConflict, "报告当前为「%s」，不在审批中，无需撤回。", rp.Status.Label())
	}
	before, err := l.Store.Withdraw(ctx, agency, year, rp.Version, actor, ip)
	if err != nil {
		if store.IsConflict(err) {
			return 0, &Error{Code: CodeConflict, Message: "报告状态刚刚发生变化，请刷新后再试。", Err: err}
		}
		return 0, err
	}
	arn := before.ExecutionARN
	if arn == "" {
		arn = l.Workflow.ExecutionARN(ExecutionName(agency, year, rp.Version))
	}
	if err := l.Workflow.Stop(ctx, arn, "撤回："+actor); err != nil {
		l.log().WarnContext(ctx, "stop execution", "arn", arn, "err", err)
	}
	// Every level's pending approval, not only the one the report stood at when read: the
	// next level's may have been created meanwhile.
	if v, err := l.Store.GetVersion(ctx, agency, year, rp.Version); err == nil {
		if err := l.ClosePending(ctx, agency, year, rp.Version, len(v.Chain), store.ClosedWithdrawn); err != nil {
			return 0, err
		}
	}
	return rp.Version, nil
}

// existing reads a report; CodeNotFound (with missing, formatted with the year) when
// there is none.
func (l *Lifecycle) existing(ctx context.Context, agency string, year int, missing string) (*store.Report, error) {
	rp, err := l.Store.GetReport(ctx, agency, year)
	if store.IsNotFound(err) {
		return nil, &Error{Code: CodeNotFound, Message: fmt.Sprintf(missing, year), Err: err}
	}
	return rp, err
}

func bjTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(render.Beijing()).Format(time.RFC3339)
}
