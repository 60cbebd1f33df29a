package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"nianbao/shared/approval"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// etag is the ETag of a draft revision.
func etag(rev int) string { return `"r` + strconv.Itoa(rev) + `"` }

// parseETag reads an If-Match value we issued; ok is false for anything else.
func parseETag(v string) (rev int, ok bool) {
	v = strings.TrimPrefix(strings.TrimSpace(v), "W/")
	if len(v) < 4 || v[0] != '"' || v[len(v)-1] != '"' || v[1] != 'r' {
		return 0, false
	}
	n, err := strconv.Atoi(v[2 : len(v)-1])
	if err != nil || n < 1 {
		return 0, false
	}
	return n, true
}

// agencyFor checks the signed-in user may work on the agency in the path.
func (s *Server) agencyFor(w http.ResponseWriter, r *http.Request) (*store.Agency, bool) {
	id := r.PathValue("agency")
	if !mayDraft(userOf(r), id) {
		writeError(w, http.StatusForbidden, "您没有该机关报告的权限。")
		return nil, false
	}
	ag, err := s.Store.GetAgency(r.Context(), id)
	if err != nil {
		if store.IsNotFound(err) {
			writeError(w, http.StatusNotFound, "没有这个机关。")
		} else {
			s.internal(w, r, err)
		}
		return nil, false
	}
	return ag, true
}

// reportFor checks the user may work on the agency in the path, and reads the year.
func (s *Server) reportFor(w http.ResponseWriter, r *http.Request) (*store.Agency, int, bool) {
	ag, ok := s.agencyFor(w, r)
	if !ok {
		return nil, 0, false
	}
	year, ok := pathYear(w, r)
	return ag, year, ok
}

// existingReport reads a report, answering 404 (with what to say) when there is none.
func (s *Server) existingReport(w http.ResponseWriter, r *http.Request, agency string, year int, missing string) (*store.Report, bool) {
	rp, err := s.Store.GetReport(r.Context(), agency, year)
	switch {
	case store.IsNotFound(err):
		writeError(w, http.StatusNotFound, fmt.Sprintf(missing, year))
		return nil, false
	case err != nil:
		s.internal(w, r, err)
		return nil, false
	}
	return rp, true
}

// reportSummary is one report in an agency's list.
type reportSummary struct {
	Year             int    `json:"year"`
	Status           string `json:"status"`
	StatusLabel      string `json:"status_label"`
	Level            string `json:"level"`
	Version          int    `json:"version"`
	PublishedVersion int    `json:"published_version"`
	Updated          string `json:"updated"`
	URL              string `json:"url,omitempty"`
}

func (s *Server) listReports(w http.ResponseWriter, r *http.Request) {
	ag, ok := s.agencyFor(w, r)
	if !ok {
		return
	}
	rs, err := s.Store.ListReports(r.Context(), ag.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	out := []reportSummary{}
	for i := len(rs) - 1; i >= 0; i-- { // newest year first
		rp := rs[i]
		sum := reportSummary{Year: rp.Year, Status: string(rp.Status), StatusLabel: rp.Status.Label(), Level: rp.LevelName,
			Version: rp.Version, PublishedVersion: rp.PublishedVersion, Updated: bjTime(rp.Updated)}
		if rp.PublishedVersion > 0 {
			sum.URL = s.publishedURL(ag.ID, rp.Year)
		}
		out = append(out, sum)
	}
	writeJSON(w, http.StatusOK, map[string]any{"agency": ag.ID, "agency_name": ag.Name, "chain": ag.Chain, "reports": out})
}

func (s *Server) publishedURL(agency string, year int) string {
	return strings.TrimRight(s.SiteURL, "/") + "/reports/" + agency + "/" + strconv.Itoa(year) + "/"
}

// timelineEntry is one line of a report's history as the API gives it.
type timelineEntry struct {
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	Level   string `json:"level"`
	Comment string `json:"comment"`
	Version int    `json:"version,omitempty"`
}

// reportView is GET /api/reports/{agency}/{year}.
type reportView struct {
	Agency           string              `json:"agency"`
	AgencyName       string              `json:"agency_name"`
	Year             int                 `json:"year"`
	Status           string              `json:"status"`
	StatusLabel      string              `json:"status_label"`
	Level            *string             `json:"level"`
	LevelIndex       int                 `json:"level_index"`
	Version          int                 `json:"version"`
	PublishedVersion int                 `json:"published_version"`
	ETag             string              `json:"etag"`
	Draft            json.RawMessage     `json:"draft"`
	Comment          string              `json:"comment"`
	URL              string              `json:"url,omitempty"`
	Updated          string              `json:"updated"`
	UpdatedBy        string              `json:"updated_by"`
	Findings         []report.Finding    `json:"findings"`
	Versions         []store.VersionInfo `json:"versions"`
	Timeline         []timelineEntry     `json:"timeline"`
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	ag, year, ok := s.reportFor(w, r)
	if !ok {
		return
	}
	rp, ok := s.existingReport(w, r, ag.ID, year, "还没有 %d 年度的报告。")
	if !ok {
		return
	}
	view, err := s.view(r, ag, rp)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("ETag", view.ETag)
	writeJSON(w, http.StatusOK, view)
}

func (s *Server) view(r *http.Request, ag *store.Agency, rp *store.Report) (*reportView, error) {
	v := &reportView{
		Agency: ag.ID, AgencyName: ag.Name, Year: rp.Year, Status: string(rp.Status), StatusLabel: rp.Status.Label(),
		LevelIndex: rp.Level, Version: rp.Version, PublishedVersion: rp.PublishedVersion, ETag: etag(rp.Rev),
		Draft: json.RawMessage(rp.Draft), Comment: rp.Comment, Updated: bjTime(rp.Updated), UpdatedBy: rp.UpdatedBy,
		Findings: []report.Finding{}, Versions: []store.VersionInfo{}, Timeline: []timelineEntry{},
	}
	if rp.Status == store.StatusInReview && rp.LevelName != "" {
		l := rp.LevelName
		v.Level = &l
	}
	if rp.PublishedVersion > 0 {
		v.URL = s.publishedURL(ag.ID, rp.Year)
	}
	if doc, err := report.DecodeBytes(rp.Draft); err == nil {
		v.Findings = report.Validate(doc, approval.PreviousYear(r.Context(), s.Store, ag.ID, rp.Year))
	}
	vs, err := s.Store.ListVersions(r.Context(), ag.ID, rp.Year)
	if err != nil {
		return nil, err
	}
	v.Versions = append(v.Versions, vs...)
	tl, err := s.Store.Timeline(r.Context(), ag.ID, rp.Year)
	if err != nil {
		return nil, err
	}
	for _, e := range tl {
		v.Timeline = append(v.Timeline, timelineEntry{At: bjTime(e.At), Actor: e.Actor, Action: e.Action, Level: e.Level, Comment: e.Comment, Version: e.Version})
	}
	return v, nil
}

// readDocument reads a report document from a request body: strictly, and never more
// than the limit. It answers the error itself.
func readDocument(w http.ResponseWriter, r *http.Request) (*report.Document, bool) {
	doc, err := report.Decode(http.MaxBytesReader(w, r.Body, maxBody))
	if err == nil {
		return doc, true
	}
	var tooBig *http.MaxBytesError
	var de *report.DecodeError
	switch {
	case errors.As(err, &tooBig), errors.Is(err, report.ErrTooLarge):
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("报告文件过大（上限 %d KiB）。", report.MaxDocumentSize>>10))
	case errors.As(err, &de):
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: "报告文件无效：" + de.Error(), Path: de.Path, Line: de.Line, Column: de.Column})
	case errors.Is(err, io.ErrUnexpectedEOF):
		writeError(w, http.StatusBadRequest, "请求体不完整。")
	default:
		writeError(w, http.StatusBadRequest, "无法读取请求体。")
	}
	return nil, false
}

// draftConflict is the 412 body: the draft as it now stands, so the editor can show
// both versions and let the clerk keep theirs.
type draftConflict struct {
	Error     string          `json:"error"`
	ETag      string          `json:"etag"`
	Draft     json.RawMessage `json:"draft"`
	Updated   string          `json:"updated"`
	UpdatedBy string          `json:"updated_by"`
	Status    string          `json:"status"`
}

func (s *Server) saveDraft(w http.ResponseWriter, r *http.Request) {
	if !jsonRequest(w, r) {
		return
	}
	ag, year, ok := s.reportFor(w, r)
	if !ok {
		return
	}
	expect := 0
	if im := r.Header.Get("If-Match"); im != "" {
		rev, ok := parseETag(im)
		if !ok {
			writeError(w, http.StatusPreconditionFailed, "If-Match 不是本系统给出的 ETag。")
			return
		}
		expect = rev
	}
	doc, ok := readDocument(w, r)
	if !ok {
		return
	}
	switch {
	case doc.Agency == "":
		doc.Agency = ag.Name
	case doc.Agency != ag.Name:
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Path: "agency",
			Error: fmt.Sprintf("报告中的机关名称「%s」与本机关「%s」不一致。", doc.Agency, ag.Name)})
		return
	}
	switch {
	case doc.Year == 0:
		doc.Year = year
	case doc.Year != year:
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Path: "year",
			Error: fmt.Sprintf("报告中的年度 %d 与地址中的 %d 不一致。", doc.Year, year)})
		return
	}
	body, err := json.Marshal(doc)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if len(body) > MaxStoredDocument {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("报告过大（%d KiB，上限 %d KiB），请精简文字后再保存。", len(body)>>10, MaxStoredDocument>>10))
		return
	}
	u := userOf(r)
	rev, err := s.Store.SaveDraft(r.Context(), ag.ID, year, body, expect, u.Email, clientIP(r))
	if err != nil {
		if !store.IsConflict(err) {
			s.internal(w, r, err)
			return
		}
		cur, gerr := s.Store.GetReport(r.Context(), ag.ID, year)
		if gerr != nil {
			s.internal(w, r, gerr)
			return
		}
		if cur.Status == store.StatusInReview {
			writeError(w, http.StatusConflict, "报告正在审批中，不能修改；如需修改请先撤回。")
			return
		}
		s.staleDraft(w, cur)
		return
	}
	w.Header().Set("ETag", etag(rev))
	writeJSON(w, http.StatusOK, map[string]any{
		"etag": etag(rev), "findings": nonNil(report.Validate(doc, approval.PreviousYear(r.Context(), s.Store, ag.ID, year))),
	})
}

// MaxStoredDocument bounds a draft as stored: it is kept in the report's item and again
// in a version's, and a DynamoDB item holds at most 400 KB. A full report with long texts
// is well under 100 KiB.
const MaxStoredDocument = 300 << 10

// executionARN is the ARN of the execution with a name on the state machine
// (arn:…:stateMachine:M → arn:…:execution:M:name).
func (s *Server) executionARN(name string) string {
	return strings.Replace(s.StateMachineARN, ":stateMachine:", ":execution:", 1) + ":" + name
}

// staleDraft answers 412 with the draft as it now stands.
func (s *Server) staleDraft(w http.ResponseWriter, cur *store.Report) {
	w.Header().Set("ETag", etag(cur.Rev))
	writeJSON(w, http.StatusPreconditionFailed, draftConflict{
		Error: fmt.Sprintf("报告已被 %s 于 %s 修改，您的修改没有保存。请比较两个版本后再保存。", cur.UpdatedBy, bjTime(cur.Updated)),
		ETag:  etag(cur.Rev), Draft: json.RawMessage(cur.Draft), Updated: bjTime(cur.Updated), UpdatedBy: cur.UpdatedBy,
		Status: string(cur.Status),
	})
}

func nonNil(fs []report.Finding) []report.Finding {
	if fs == nil {
		return []report.Finding{}
	}
	return fs
}

// MaxReasonLen bounds a correction reason (characters).
const MaxReasonLen = 500

func (s *Server) submit(w http.ResponseWriter, r *http.Request) {
	if !jsonRequest(w, r) {
		return
	}
	ag, year, ok := s.reportFor(w, r)
	if !ok {
		return
	}
	var in struct {
		CorrectionReason string `json:"correction_reason"`
	}
	if !readJSON(w, r, &in, true) {
		return
	}
	reason := strings.TrimSpace(in.CorrectionReason)
	if utf8.RuneCountInString(reason) > MaxReasonLen {
		writeError(w, http.StatusUnprocessableEntity, fmt.Sprintf("更正原因不能超过 %d 字。", MaxReasonLen))
		return
	}
	rp, ok := s.existingReport(w, r, ag.ID, year, "还没有 %d 年度的报告，请先保存草稿。")
	if !ok {
		return
	}
	if rp.Status == store.StatusInReview {
		writeError(w, http.StatusConflict, fmt.Sprintf("第 %d 版已在审批中。", rp.Version))
		return
	}
	// With If-Match (the form always sends it) the version is the draft the clerk saved and
	// checked; a draft saved since by another tab or clerk is a 412, as for a save.
	if im := r.Header.Get("If-Match"); im != "" {
		if rev, ok := parseETag(im); !ok || rev != rp.Rev {
			s.staleDraft(w, rp)
			return
		}
	}
	if rp.PublishedVersion > 0 && reason == "" {
		writeError(w, http.StatusUnprocessableEntity, "该报告已发布；提交更正版本须填写更正原因，发布时将列入更正记录。")
		return
	}
	if rp.PublishedVersion == 0 {
		reason = ""
	}
	if len(ag.Chain) < store.MinLevels || len(ag.Chain) > store.MaxLevels {
		writeError(w, http.StatusConflict, "本机关的审批流程未配置（须有 1 至 5 级），请联系管理员。")
		return
	}
	doc, err := report.DecodeBytes(rp.Draft)
	if err != nil {
		writeError(w, http.StatusUnprocessableEntity, "草稿不是有效的报告文件："+err.Error())
		return
	}
	findings := report.Validate(doc, approval.PreviousYear(r.Context(), s.Store, ag.ID, year))
	if report.HasErrors(findings) {
		writeJSON(w, http.StatusUnprocessableEntity, apiError{Error: "报告有错误，不能提交审批。请按提示修改。", Findings: findings})
		return
	}
	settings := ag.Settings
	if settings.ReminderSeconds <= 0 {
		settings.ReminderSeconds = store.DefaultReminderSeconds
	}
	if settings.MaxReminders <= 0 {
		settings.MaxReminders = store.DefaultMaxReminders
	}
	u := userOf(r)
	n := rp.Version + 1
	err = s.Store.Submit(r.Context(), store.Submission{
		Version: store.Version{Agency: ag.ID, Year: year, Number: n, Document: rp.Draft, SubmittedBy: u.Email,
			CorrectionReason: reason, Chain: ag.Chain, Settings: settings},
		Rev: rp.Rev, IP: clientIP(r),
	})
	if err != nil {
		if store.IsConflict(err) {
			writeError(w, http.StatusConflict, "报告刚刚被修改或已提交，请刷新后再试。")
			return
		}
		s.internal(w, r, err)
		return
	}
	input, _ := json.Marshal(approval.Input{Agency: ag.ID, Year: year, Version: n, Level: 0, LevelCount: len(ag.Chain),
		ReminderSeconds: settings.ReminderSeconds, MaxReminders: settings.MaxReminders})
	name := approval.ExecutionName(ag.ID, year, n)
	_, err = s.SFN.StartExecution(r.Context(), &sfn.StartExecutionInput{
		StateMachineArn: aws.String(s.StateMachineARN), Name: aws.String(name), Input: aws.String(string(input)),
	})
	// The rest must finish even if the caller goes away: the version is written.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 10*time.Second)
	defer cancel()
	arn := s.executionARN(name)
	if err != nil {
		// An error may still have started it (a timeout after AWS took the call), and
		// ExecutionAlreadyExists is this very version's: ask before taking it back.
		if _, derr := s.SFN.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String(arn)}); derr != nil {
			if uerr := s.Store.UndoSubmit(ctx, ag.ID, year, n, rp.Status); uerr != nil {
				s.log().ErrorContext(ctx, "undo of a submission failed", "err", uerr)
				s.internal(w, r, fmt.Errorf("start execution: %w; undo: %w", err, uerr))
				return
			}
			s.log().ErrorContext(ctx, "start execution", "err", err)
			writeError(w, http.StatusServiceUnavailable, "审批流程暂时无法启动，报告未提交，请稍后再试。")
			return
		}
	}
	if err := s.Store.SetExecution(ctx, ag.ID, year, n, arn); err != nil && !store.IsConflict(err) {
		// Submitted and running all the same; withdraw finds the execution by its name.
		s.log().ErrorContext(ctx, "record the execution", "arn", arn, "err", err)
	}
	writeJSON(w, http.StatusAccepted, map[string]any{
		"status": store.StatusInReview, "status_label": store.StatusInReview.Label(), "version": n,
		"level": ag.Chain[0].Name, "findings": nonNil(findings),
	})
}

func (s *Server) withdraw(w http.ResponseWriter, r *http.Request) {
	if !jsonRequest(w, r) {
		return
	}
	ag, year, ok := s.reportFor(w, r)
	if !ok {
		return
	}
	var in struct{}
	if !readJSON(w, r, &in, true) {
		return
	}
	rp, ok := s.existingReport(w, r, ag.ID, year, "还没有 %d 年度的报告。")
	if !ok {
		return
	}
	if rp.Status != store.StatusInReview {
		writeError(w, http.StatusConflict, fmt.Sprintf("报告当前为「%s」，不在审批中，无需撤回。", rp.Status.Label()))
		return
	}
	u := userOf(r)
	before, err := s.Store.Withdraw(r.Context(), ag.ID, year, rp.Version, u.Email, clientIP(r))
	if err != nil {
		if store.IsConflict(err) {
			writeError(w, http.StatusConflict, "报告状态刚刚发生变化，请刷新后再试。")
			return
		}
		s.internal(w, r, err)
		return
	}
	arn := before.ExecutionARN
	if arn == "" {
		arn = s.executionARN(approval.ExecutionName(ag.ID, year, rp.Version))
	}
	if _, err := s.SFN.StopExecution(r.Context(), &sfn.StopExecutionInput{
		ExecutionArn: aws.String(arn), Error: aws.String("Withdrawn"), Cause: aws.String("撤回：" + u.Email),
	}); err != nil {
		s.log().WarnContext(r.Context(), "stop execution", "arn", arn, "err", err)
	}
	// Every level's pending approval, not only the one the report stood at when read: the
	// next level's may have been created meanwhile.
	if v, err := s.Store.GetVersion(r.Context(), ag.ID, year, rp.Version); err == nil {
		if err := approval.ClosePending(r.Context(), s.Store, ag.ID, year, rp.Version, len(v.Chain), "withdrawn"); err != nil {
			s.internal(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": store.StatusDraft, "status_label": store.StatusDraft.Label(), "version": rp.Version})
}

// validate checks a document without storing anything, as `nianbao validate` does.
func (s *Server) validate(w http.ResponseWriter, r *http.Request) {
	if !jsonRequest(w, r) {
		return
	}
	doc, ok := readDocument(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, report.Check(doc, nil))
}
