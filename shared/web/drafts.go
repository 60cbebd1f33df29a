package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"nianbao/shared/lifecycle"
	"nianbao/shared/links"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// The drafters' pages: the dashboard, a new report, the drafting form and a report's
// status with its timeline. They are rendered on the server; the form's script
// (static/form.js) saves and submits through the JSON API.

// drafterPage is the signed-in drafter of a page request and the agency they draft
// for. Without a session it answers with the sign-in page; without the right to the
// agency in the path, with a refusal.
func (s *Server) drafterPage(w http.ResponseWriter, r *http.Request, agencyID string) (*store.User, *store.Agency, bool) {
	u, err := s.sessionUser(r)
	if err != nil {
		if !store.IsNotFound(err) {
			s.internal(w, r, err)
			return nil, nil, false
		}
		s.page(w, r, http.StatusUnauthorized, "home", homePage{layout: layout{Title: "登录"}, Error: "请先登录。", Next: returnPath(r)})
		return nil, nil, false
	}
	if agencyID == "" {
		agencyID = u.Agency
	}
	if !lifecycle.MayDraft(u, agencyID) {
		s.message(w, r, http.StatusForbidden, messagePage{layout: layout{Title: "没有权限", User: u},
			Message: "您的账号不能起草该机关的报告。审批请使用审批邮件中的链接。", Link: "/", LinkText: "返回首页"})
		return nil, nil, false
	}
	ag, err := s.Store.GetAgency(r.Context(), agencyID)
	if err != nil {
		if store.IsNotFound(err) {
			s.message(w, r, http.StatusNotFound, messagePage{layout: layout{Title: "没有这个机关", User: u}, Link: "/", LinkText: "返回首页"})
		} else {
			s.internal(w, r, err)
		}
		return nil, nil, false
	}
	return u, ag, true
}

// sessionCSRF is the CSRF token of a plain form on a signed-in page: bound to the form's
// purpose and to the session, so it is useless in another browser.
func (s *Server) sessionCSRF(r *http.Request, purpose string) string {
	c, err := r.Cookie(cookieName)
	if err != nil {
		return ""
	}
	return s.Keys.CSRF(purpose, links.Hash(c.Value))
}

func (s *Server) checkSessionCSRF(r *http.Request, purpose string) bool {
	want := s.sessionCSRF(r, purpose)
	return want != "" && links.Equal(r.PostFormValue("csrf"), want)
}

// statusText is a report's status as a clerk reads it: 审批中 names the level.
func statusText(rp *store.Report) string {
	if correcting(rp) {
		return correctingLabel
	}
	if rp.Status == store.StatusInReview && rp.LevelName != "" {
		return rp.Label() + "（" + rp.LevelName + "）"
	}
	return rp.Label()
}

// correcting: a published report with a newer draft not submitted yet. It is still the
// published report the public reads.
func correcting(rp *store.Report) bool {
	return rp.Status == store.StatusDraft && rp.PublishedVersion > 0
}

// statusLabel is statusText, and 「已发布（有未提交的更正）」 for a published report whose
// draft has moved on from the published version (a correction begun, not submitted).
func (s *Server) statusLabel(ctx context.Context, rp *store.Report) string {
	if rp.Status == store.StatusPublished && rp.PublishedVersion > 0 {
		if v, err := s.Store.GetVersion(ctx, rp.Agency, rp.Year, rp.PublishedVersion); err == nil && !sameJSON(v.Document, rp.Draft) {
			return correctingLabel
		}
	}
	return statusText(rp)
}

const correctingLabel = "已发布（有未提交的更正）"

// sameJSON reports whether two JSON documents are the same once compacted.
func sameJSON(a, b []byte) bool {
	var x, y bytes.Buffer
	if json.Compact(&x, a) != nil || json.Compact(&y, b) != nil {
		return bytes.Equal(a, b)
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

// statusClass is the badge class of a report's status.
func statusClass(rp *store.Report) string {
	if correcting(rp) {
		return string(store.StatusPublished)
	}
	return string(rp.Status)
}

// dashRow is one report on the dashboard.
type dashRow struct {
	Year        int
	Status      string
	StatusClass string
	Version     int
	Published   int
	Updated     string
	UpdatedBy   string
	Href        string
	PublicURL   string
	Late        bool // not published and its 1月31日 has passed
}

// dashView is the dashboard.
type dashView struct {
	CurrentYear int
	Due         string
	DaysLeft    int
	CurrentRow  *dashRow
	Rows        []dashRow
	// MissingYear is last year's report when it does not exist and its 1月31日 has passed
	// (a new agency in November still owes it); 0 otherwise.
	MissingYear int
	MissingDue  string
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, u *store.User) {
	_, ag, ok := s.drafterPage(w, r, u.Agency)
	if !ok {
		return
	}
	rs, err := s.Store.ListReports(r.Context(), ag.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	now := s.Store.Now()
	cur, due, left := currentReport(now)
	v := &dashView{CurrentYear: cur, Due: render.Date(due), DaysLeft: left}
	for i := len(rs) - 1; i >= 0; i-- {
		rp := &rs[i]
		row := dashRow{
			Year: rp.Year, Status: s.statusLabel(r.Context(), rp), StatusClass: statusClass(rp), Version: rp.Version,
			Published: rp.PublishedVersion, Updated: render.DateTime(rp.Updated), UpdatedBy: actorName(rp.UpdatedBy),
			Href: reportPath(ag.ID, rp.Year),
			Late: rp.PublishedVersion == 0 && daysBetween(now, deadline(rp.Year)) < 0,
		}
		if rp.PublishedVersion > 0 {
			row.PublicURL = s.publishedURL(ag.ID, rp.Year)
		}
		v.Rows = append(v.Rows, row)
	}
	imported, err := s.importedRows(r.Context(), ag.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v.Rows = append(v.Rows, imported...)
	slices.SortStableFunc(v.Rows, func(a, b dashRow) int { return b.Year - a.Year })
	have := map[int]bool{}
	for i := range v.Rows {
		have[v.Rows[i].Year] = true
		if v.Rows[i].Year == cur {
			v.CurrentRow = &v.Rows[i]
		}
	}
	if prev := cur - 1; !have[prev] && daysBetween(now, deadline(prev)) < 0 {
		v.MissingYear, v.MissingDue = prev, render.Date(deadline(prev))
	}
	s.page(w, r, http.StatusOK, "dashboard", dashboardPage{layout: s.signedIn(r, ag.Name+" — 政府信息公开工作年度报告", u, ag), Dash: v})
}

func reportPath(agency string, year int) string {
	return links.ReportURL("", agency, year)
}

// newView is the new-report page.
type newView struct {
	Years   []yearOption
	Formats []formatOption
	CSRF    string
	// Imported lists the years whose report was imported (imports.go), newest first.
	Imported    []int
	agency      string
	MaxUploadMB int
}

type yearOption struct {
	Year     int
	Format   string // the format the year takes
	Exists   bool   // a report of that year exists already
	Prefill  bool   // last year's published report is there to prefill from
	Selected bool
}

type formatOption struct {
	ID, Document, Title string
}

func (s *Server) newReportPage(w http.ResponseWriter, r *http.Request) {
	u, ag, ok := s.drafterPage(w, r, "")
	if !ok {
		return
	}
	s.showNewReport(w, r, u, ag, http.StatusOK, "")
}

func (s *Server) showNewReport(w http.ResponseWriter, r *http.Request, u *store.User, ag *store.Agency, status int, msg string) {
	rs, err := s.Store.ListReports(r.Context(), ag.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	byYear := map[int]*store.Report{}
	for i := range rs {
		byYear[rs[i].Year] = &rs[i]
	}
	now := s.Store.Now()
	cur, _, _ := currentReport(now)
	def := defaultNewYear(now, func(y int) bool { return byYear[y] != nil })
	imported, importedYears, err := s.importedYears(r.Context(), ag.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v := &newView{CSRF: s.sessionCSRF(r, "new"), Imported: importedYears, agency: ag.ID, MaxUploadMB: maxUpload >> 20}
	first := report.Formats()[0].FirstYear
	for y := cur; y >= first; y-- {
		prev := byYear[y-1]
		_, prevImported := imported[y-1]
		v.Years = append(v.Years, yearOption{Year: y, Format: report.ForYear(y).ID, Exists: byYear[y] != nil,
			Prefill: (prev != nil && prev.PublishedVersion > 0) || (prev == nil && prevImported), Selected: y == def})
	}
	for _, f := range report.Formats() {
		v.Formats = append(v.Formats, formatOption{ID: f.ID, Document: f.Document, Title: f.Title})
	}
	s.page(w, r, status, "new", newPage{layout: s.signedIn(r, "新建年度报告", u, ag), New: v, Error: msg})
}

// createReport starts a report: the prefilled document becomes its first draft.
func (s *Server) createReport(w http.ResponseWriter, r *http.Request) {
	u, ag, ok := s.drafterPage(w, r, "")
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil || !s.checkSessionCSRF(r, "new") {
		s.showNewReport(w, r, u, ag, http.StatusForbidden, "表单已失效，请重新填写。")
		return
	}
	year, err := strconv.Atoi(r.PostFormValue("year"))
	cur, _, _ := currentReport(s.Store.Now())
	if err != nil || year < report.Formats()[0].FirstYear || year > cur {
		s.showNewReport(w, r, u, ag, http.StatusUnprocessableEntity, "请选择报告年度。")
		return
	}
	body, ok, err := s.startingDocument(r, ag, year, r.PostFormValue("format"))
	if !ok {
		s.showNewReport(w, r, u, ag, http.StatusUnprocessableEntity, "请选择报告格式。")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !s.createDraft(w, r, u, ag, year, body) {
		return
	}
	http.Redirect(w, r, reportPath(ag.ID, year)+"/edit", http.StatusSeeOther)
}

// editable reports whether the form may change a report now: not while it is in review.
func editable(rp *store.Report) bool { return rp.Status != store.StatusInReview }

// editView is the drafting form page.
type editView struct {
	Agency      string
	Year        int
	Report      *store.Report
	StatusText  string
	Form        *formView
	ETag        string
	StatusHref  string
	FormatWarn  string
	Correction  bool // published: a submission is a correction and needs its reason
	Comments    []timelineRow
	PublicURL   string
	NextLevel   string // who a submission goes to first (preview.go)
	PreviewHref string
}

// reportPage is the report's own address (the one mail links to): the form while the
// report can be edited (a returned report opens with the comments beside it), its status
// while in review or once published.
func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.reportRequest(w, r)
	if !ok {
		return
	}
	if editable(rq.report) && rq.report.Status != store.StatusPublished {
		s.showForm(w, r, rq)
		return
	}
	s.showStatus(w, r, rq)
}

// editPage is the drafting form; a report in review shows its status instead.
func (s *Server) editPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.reportRequest(w, r)
	if !ok {
		return
	}
	if !editable(rq.report) {
		http.Redirect(w, r, reportPath(rq.agency.ID, rq.report.Year)+"/status", http.StatusSeeOther)
		return
	}
	s.showForm(w, r, rq)
}

// statusPage is a report's status, levels and timeline.
func (s *Server) statusPage(w http.ResponseWriter, r *http.Request) {
	if rq, ok := s.reportRequest(w, r); ok {
		s.showStatus(w, r, rq)
	}
}

// reportRequest is a drafter's page request for one report.
type reportRequest struct {
	user   *store.User
	agency *store.Agency
	report *store.Report
}

// reportRequest reads the report a page is for, answering the page itself when there is
// none or the user may not see it.
func (s *Server) reportRequest(w http.ResponseWriter, r *http.Request) (*reportRequest, bool) {
	u, ag, ok := s.drafterPage(w, r, r.PathValue("agency"))
	if !ok {
		return nil, false
	}
	year, ok := yearOf(r)
	if !ok {
		s.message(w, r, http.StatusNotFound, messagePage{layout: layout{Title: "没有这个报告", User: u}, Link: "/", LinkText: "返回首页"})
		return nil, false
	}
	rp, err := s.Store.GetReport(r.Context(), ag.ID, year)
	if err != nil {
		if store.IsNotFound(err) {
			s.message(w, r, http.StatusNotFound, messagePage{layout: layout{Title: "没有这个报告", User: u},
				Message: fmt.Sprintf("还没有 %d 年度的报告。", year), Link: "/reports/new", LinkText: "新建年度报告"})
			return nil, false
		}
		s.internal(w, r, err)
		return nil, false
	}
	return &reportRequest{user: u, agency: ag, report: rp}, true
}

// newestLines are the audit lines of the report's newest version (none before its first
// submission): what its levels and comments are made of.
func (s *Server) newestLines(ctx context.Context, rp *store.Report) (*store.Version, []store.AuditEntry, error) {
	if rp.Version == 0 {
		return nil, nil, nil
	}
	ver, err := s.Store.GetVersion(ctx, rp.Agency, rp.Year, rp.Version)
	if err != nil {
		return nil, nil, err
	}
	lines, err := s.Store.VersionLines(ctx, ver)
	return ver, lines, err
}

// signedIn is the frame of a signed-in drafter's page.
func (s *Server) signedIn(r *http.Request, title string, u *store.User, ag *store.Agency) layout {
	return layout{Title: title, User: u, AgencyName: ag.Name, SignOut: s.sessionCSRF(r, "signout")}
}

func (s *Server) showForm(w http.ResponseWriter, r *http.Request, rq *reportRequest) {
	u, ag, rp := rq.user, rq.agency, rq.report
	year := rp.Year
	doc, err := report.DecodeBytes(rp.Draft)
	if err != nil {
		s.message(w, r, http.StatusInternalServerError, messagePage{layout: layout{Title: "草稿无法打开", User: u},
			Message: "保存的草稿不是有效的报告文件：" + err.Error()})
		return
	}
	fillSums(doc)
	form := buildForm(doc)
	markPrefilled(form, doc, s.Life.Previous(r.Context(), ag.ID, year))
	v := &editView{
		Agency: ag.ID, Year: year, Report: rp, StatusText: s.statusLabel(r.Context(), rp), Form: form, ETag: etag(rp.Rev),
		StatusHref: reportPath(ag.ID, year) + "/status", Correction: rp.PublishedVersion > 0,
		NextLevel: firstLevel(ag), PreviewHref: reportPath(ag.ID, year) + "/preview",
	}
	if want := report.ForYear(year); want != doc.Spec() {
		v.FormatWarn = fmt.Sprintf("%d 年度报告应使用 %s 的格式（%s），本报告使用的是 %s（%s）。", year, want.Document, want.ID, doc.Spec().Document, doc.Spec().ID)
	}
	if rp.PublishedVersion > 0 {
		v.PublicURL = s.publishedURL(ag.ID, year)
	}
	if rp.Status != store.StatusDraft || rp.Comment != "" {
		_, lines, err := s.newestLines(r.Context(), rp)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		v.Comments = comments(rp, lines)
	}
	l := s.signedIn(r, render.Title(ag.Name, year), u, ag)
	l.Wide = true
	s.page(w, r, http.StatusOK, "form", formPage{layout: l, Edit: v})
}

// timelineRow is one line of a report's history as a page shows it.
type timelineRow struct {
	At      string
	Actor   string
	Action  string
	Level   string
	Comment string
	Version int
	Count   int // saves folded into this line
	Kind    string
}

// actionLabels names the audit actions in Chinese.
var actionLabels = map[string]string{
	store.ActionSave: "保存", store.ActionSubmit: "提交", store.ActionRequest: "请求审批",
	store.ActionApprove: "同意", store.ActionReturn: "退回", store.ActionAttest: "保密审查",
	store.ActionRemind: "催办", store.ActionOverdue: "逾期退回", store.ActionInvalid: "校验未通过",
	store.ActionPublish: "发布", store.ActionFail: "失败", store.ActionWithdraw: "撤回",
	store.ActionCorrected: "更正", store.ActionSubmitUndone: "撤销提交",
	store.ActionReassign: "改派", store.ActionEscalate: "提交上级",
}

// actorName is who did something as a page shows it: the workflow's own actions (the
// record's lifecycle.Actor) are 「系统」's.
func actorName(a string) string {
	if a == lifecycle.Actor {
		return "系统"
	}
	return a
}

func actionLabel(a string) string {
	if l, ok := actionLabels[a]; ok {
		return l
	}
	return a
}

// timelineRows turns the audit log into lines, newest first. Autosave writes a line every
// few seconds, so a run of saves by one person is folded into one line with a count.
func timelineRows(tl []store.AuditEntry) []timelineRow {
	var out []timelineRow
	for _, e := range tl {
		row := timelineRow{At: render.DateTime(e.At), Actor: store.ActorLabel(actorName(e.Actor), e.For), Action: actionLabel(e.Action), Level: e.Level,
			Comment: e.Comment, Version: e.Version, Count: max(1, e.Count), Kind: e.Action}
		if n := len(out); n > 0 && e.Action == store.ActionSave && out[n-1].Kind == store.ActionSave && out[n-1].Actor == e.Actor {
			out[n-1].Count += row.Count
			out[n-1].At = row.At
			continue
		}
		out = append(out, row)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}

// commentActions are the audit lines whose comment is meant for the drafter (a publish
// line's comment is the address, an attestation's the fixed sentence).
var commentActions = map[string]bool{
	store.ActionApprove: true, store.ActionReturn: true, store.ActionOverdue: true,
	store.ActionInvalid: true, store.ActionFail: true,
}

// comments are what the approvers and the workflow said about the newest version: shown
// beside the form of a returned report.
func comments(rp *store.Report, tl []store.AuditEntry) []timelineRow {
	var out []timelineRow
	for _, e := range tl {
		if e.Version != rp.Version || rp.Version == 0 || e.Comment == "" || !commentActions[e.Action] {
			continue
		}
		out = append(out, timelineRow{At: render.DateTime(e.At), Actor: store.ActorLabel(actorName(e.Actor), e.For), Action: actionLabel(e.Action), Level: e.Level,
			Comment: e.Comment, Version: e.Version, Kind: e.Action})
	}
	if len(out) == 0 && rp.Comment != "" {
		out = append(out, timelineRow{Action: rp.Label(), Comment: rp.Comment, Kind: string(rp.Status)})
	}
	return out
}

// levelView is one level of the approval chain of the newest version.
type levelView struct {
	Name    string
	State   string // 已同意, 已退回, 审批中, 待审批, 逾期未审批 …
	Class   string
	By      string
	At      string
	Comment string
	Attest  bool
}

// statusView is a report's status page.
type statusView struct {
	Agency      string
	Year        int
	Report      *store.Report
	StatusText  string
	Levels      []levelView
	Timeline    []timelineRow
	Versions    []versionRow
	EditHref    string
	PublicURL   string
	CanEdit     bool
	CanWithdraw bool
	Comments    []timelineRow
	// The filing copies of the newest version (filing.go).
	DocxHref  string
	SheetHref string
	// Submitted: the page right after 提交审批 says what happened.
	Submitted string

	// TimelineOlder is the link to the older lines (the page shows the newest
	// store.TimelinePageSize), TimelineNewest the link back when this page is an older one.
	TimelineOlder, TimelineNewest string
}

type versionRow struct {
	Number           int
	SubmittedBy      string
	SubmittedAt      string
	CorrectionReason string
	Published        bool
	DocxHref         string
	SheetHref        string
}

func (s *Server) showStatus(w http.ResponseWriter, r *http.Request, rq *reportRequest) {
	u, ag, rp := rq.user, rq.agency, rq.report
	before := r.URL.Query().Get("before")
	page, err := s.Store.TimelinePage(r.Context(), ag.ID, rp.Year, before, store.TimelinePageSize)
	if errors.Is(err, store.ErrBadCursor) {
		s.message(w, r, http.StatusBadRequest, messagePage{layout: layout{Title: "链接无效", User: u},
			Message: "这个操作记录的链接无效。", Link: reportPath(ag.ID, rp.Year) + "/status", LinkText: "查看最新的记录"})
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	oldestFirst := slices.Clone(page.Entries)
	slices.Reverse(oldestFirst)
	v := &statusView{
		Agency: ag.ID, Year: rp.Year, Report: rp, StatusText: s.statusLabel(r.Context(), rp), Timeline: timelineRows(oldestFirst),
		EditHref: reportPath(ag.ID, rp.Year) + "/edit", CanEdit: editable(rp), CanWithdraw: rp.Status == store.StatusInReview,
	}
	if page.Next != "" {
		v.TimelineOlder = reportPath(ag.ID, rp.Year) + "/status?" + url.Values{"before": {page.Next}}.Encode() + "#tl-h"
	}
	if before != "" {
		v.TimelineNewest = reportPath(ag.ID, rp.Year) + "/status#tl-h"
	}
	if rp.PublishedVersion > 0 {
		v.PublicURL = s.publishedURL(ag.ID, rp.Year)
	}
	vs, err := s.Store.ListVersions(r.Context(), ag.ID, rp.Year)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for i := len(vs) - 1; i >= 0; i-- {
		x := vs[i]
		files := versionPath(ag.ID, rp.Year, x.Number) + "/"
		v.Versions = append(v.Versions, versionRow{Number: x.Number, SubmittedBy: x.SubmittedBy, SubmittedAt: render.DateTime(x.SubmittedAt),
			CorrectionReason: x.CorrectionReason, Published: x.Number == rp.PublishedVersion,
			DocxHref: files + fileReportDocx, SheetHref: files + fileSheet})
	}
	ver, lines, err := s.newestLines(r.Context(), rp)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if ver != nil {
		v.Levels = levels(rp, ver.Chain, lines)
		if r.URL.Query().Get("submitted") == "1" && rp.Status == store.StatusInReview && int(rp.Level) >= 0 && int(rp.Level) < len(ver.Chain) {
			v.Submitted = "已提交，已通知 " + levelWho(ver.Chain[rp.Level]) + " 审批。"
		}
		files := versionPath(ag.ID, rp.Year, rp.Version) + "/"
		v.DocxHref, v.SheetHref = files+fileReportDocx, files+fileSheet
	}
	if rp.Status != store.StatusDraft && rp.Status != store.StatusInReview && rp.Status != store.StatusPublished {
		v.Comments = comments(rp, lines)
	}
	s.page(w, r, http.StatusOK, "status", statusPage{layout: s.signedIn(r, render.Title(ag.Name, rp.Year)+" — 审批进度", u, ag), Status: v})
}

// levels tells, for each level of the newest version's chain, where it stands: decided
// (by whom, when, with what comment), waiting, or not reached yet.
func levels(rp *store.Report, chain []store.Level, tl []store.AuditEntry) []levelView {
	out := make([]levelView, len(chain))
	for i, l := range chain {
		out[i] = levelView{Name: l.Name, State: "未开始", Class: "todo"}
	}
	find := func(name string) int {
		for i, l := range chain {
			if l.Name == name {
				return i
			}
		}
		return -1
	}
	for _, e := range tl {
		if e.Version != rp.Version {
			continue
		}
		i := find(e.Level)
		if i < 0 {
			continue
		}
		lv := &out[i]
		switch e.Action {
		case store.ActionRequest:
			lv.State, lv.Class, lv.At = "待审批", "waiting", render.DateTime(e.At)
		case store.ActionRemind:
			lv.State, lv.Class = "待审批（已催办）", "waiting"
		case store.ActionApprove:
			lv.State, lv.Class, lv.By, lv.At, lv.Comment = "已同意", "approved", store.ActorLabel(actorName(e.Actor), e.For), render.DateTime(e.At), e.Comment
		case store.ActionReturn:
			lv.State, lv.Class, lv.By, lv.At, lv.Comment = "已退回", "returned", store.ActorLabel(actorName(e.Actor), e.For), render.DateTime(e.At), e.Comment
		case store.ActionOverdue:
			lv.State, lv.Class, lv.At = "逾期未审批，已退回", "returned", render.DateTime(e.At)
		case store.ActionAttest:
			lv.Attest = true
		}
	}
	if i := int(rp.Level); rp.Status == store.StatusInReview && i >= 0 && i < len(out) && out[i].Class == "todo" {
		// Submitted a moment ago: the workflow is mailing the level.
		out[i].State, out[i].Class = "待审批（正在通知）", "waiting"
	}
	if rp.Status == store.StatusDraft {
		// Withdrawn: the waits of the version ended without a decision.
		for i := range out {
			if out[i].Class == "waiting" {
				out[i].State, out[i].Class = "已撤回", "todo"
			}
		}
	}
	return out
}

// checkDraft is POST /api/reports/{agency}/{year}/check: the findings a save and a
// submission of this document would give (with last year's report for the cross-year
// rules), without storing anything. The form calls it as the clerk types.
func (s *Server) checkDraft(w http.ResponseWriter, r *http.Request) {
	if !jsonRequest(w, r) {
		return
	}
	ag, year, ok := s.reportFor(w, r)
	if !ok {
		return
	}
	doc, ok := readDocument(w, r)
	if !ok {
		return
	}
	if doc.Agency == "" {
		doc.Agency = ag.Name
	}
	if doc.Year == 0 {
		doc.Year = year
	}
	res := report.Check(doc, s.Life.Previous(r.Context(), ag.ID, year))
	res.Findings = nonNil(res.Findings)
	writeJSON(w, http.StatusOK, res)
}

// prefillDraft is GET /api/reports/{agency}/{year}/prefill?format=…: the starting document
// of a new report, as the new-report page makes it (for scripts that create reports).
func (s *Server) prefillDraft(w http.ResponseWriter, r *http.Request) {
	ag, year, ok := s.reportFor(w, r)
	if !ok {
		return
	}
	id := r.URL.Query().Get("format")
	body, ok, err := s.startingDocument(r, ag, year, id)
	if !ok {
		writeError(w, lifecycle.CodeNotFound, fmt.Sprintf("没有报告格式 %q。", id))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(body)
}

// startingDocument is a new report of a year, in the format the year calls for or the
// one chosen (formatID), prefilled from last year's published report. ok is false for an
// unknown format.
func (s *Server) startingDocument(r *http.Request, ag *store.Agency, year int, formatID string) (body []byte, ok bool, err error) {
	f := report.ForYear(year)
	if formatID != "" {
		if f, ok = report.Lookup(formatID); !ok {
			return nil, false, nil
		}
	}
	body, err = prefill(f, ag.Name, year, s.Life.Previous(r.Context(), ag.ID, year)).MarshalJSON()
	return body, true, err
}

// signOut ends the session from the header's plain form.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err == nil && s.checkSessionCSRF(r, "signout") {
		if !s.endSession(w, r) {
			return
		}
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// createDraft stores a new report's first draft, answering the page itself when it
// cannot (a report of that year exists already: a link to it).
func (s *Server) createDraft(w http.ResponseWriter, r *http.Request, u *store.User, ag *store.Agency, year int, body []byte) bool {
	err := s.Life.CreateDraft(r.Context(), ag.ID, year, body, u.Email, clientIP(r))
	if err == nil {
		return true
	}
	if e, ok := lifecycle.AsError(err); ok && e.Code == lifecycle.CodeConflict {
		s.message(w, r, http.StatusConflict, messagePage{layout: layout{Title: "报告已存在", User: u},
			Message: e.Message, Link: reportPath(ag.ID, year), LinkText: "打开该报告"})
		return false
	}
	s.internal(w, r, err)
	return false
}
