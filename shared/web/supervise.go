package web

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"nianbao/shared/lifecycle"
	"nianbao/shared/links"
	nbmail "nianbao/shared/mail"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
	"nianbao/shared/supervise"
)

// The supervisor's console: a government unit's board of the units below it, 催报, the
// correction requests, the export and the 汇总. Everything here is read-only for the
// units' reports; a supervisor sees only its own government's units (supervise.MaySupervise).

// superviseRequest is what a console request is for: the user, the government unit, the year.
type superviseRequest struct {
	user *store.User
	gov  *store.Agency
	year int
}

// superviseFor checks the user may supervise the {unit} of the path and reads the year
// ({year}, or the default year when the path has none). It answers the error itself,
// as JSON (api) or a page.
func (s *Server) superviseFor(w http.ResponseWriter, r *http.Request, api bool) (*superviseRequest, bool) {
	u := userOf(r)
	if u == nil {
		var err error
		if u, err = s.sessionUser(r); err != nil {
			if !store.IsNotFound(err) {
				s.internal(w, r, err)
			} else if api {
				writeError(w, lifecycle.CodeUnauthorized, "请先登录。")
			} else {
				s.page(w, r, http.StatusUnauthorized, "home", homePage{layout: layout{Title: "登录"}, Error: "请先登录。"})
			}
			return nil, false
		}
	}
	gov, err := supervise.MaySupervise(r.Context(), s.Store, u, r.PathValue("unit"))
	if err != nil {
		s.superviseFail(w, r, u, api, err)
		return nil, false
	}
	rq := &superviseRequest{user: u, gov: gov}
	if r.PathValue("year") == "" {
		if rq.year, err = supervise.DefaultYearOf(r.Context(), s.Store, gov, s.Store.Now()); err != nil {
			s.superviseFail(w, r, u, api, err)
			return nil, false
		}
	} else {
		y, ok := yearOf(r)
		if !ok {
			s.superviseFail(w, r, u, api, lifecycle.Errorf(lifecycle.CodeNotFound, "年度 %q 无效。", r.PathValue("year")))
			return nil, false
		}
		rq.year = y
	}
	return rq, true
}

// superviseFail answers an error of the console as JSON or as a page.
func (s *Server) superviseFail(w http.ResponseWriter, r *http.Request, u *store.User, api bool, err error) {
	if api {
		s.fail(w, r, err)
		return
	}
	e, ok := lifecycle.AsError(err)
	if !ok || e.Code == lifecycle.CodeInternal {
		s.internal(w, r, err)
		return
	}
	s.message(w, r, statusOf(e.Code), messagePage{layout: layout{Title: "无法打开", User: u, SignOut: s.sessionCSRF(r, "signout")},
		Message: e.Message, Link: "/", LinkText: "返回首页"})
}

// unitBelow checks that the {agency} of the path is one of the government's units.
func (s *Server) unitBelow(ctx context.Context, rq *superviseRequest, agency string) (*store.Agency, error) {
	ok, err := supervise.Supervises(ctx, s.Store, rq.gov.ID, agency)
	if err != nil {
		return nil, err
	}
	if !ok || agency == rq.gov.ID {
		return nil, lifecycle.Errorf(lifecycle.CodeForbidden, "%s 不是%s的下属单位。", agency, rq.gov.Name)
	}
	ag, err := s.Store.GetAgency(ctx, agency)
	if err != nil {
		return nil, err
	}
	return ag, nil
}

func (s *Server) board(ctx context.Context, rq *superviseRequest) (*supervise.Board, error) {
	return supervise.BuildBoard(ctx, s.Store, rq.gov, rq.year, supervise.Options{Now: s.Store.Now(), ReportURL: s.publishedURL})
}

// superviseBoard is GET /api/supervise/{unit}[/{year}].
func (s *Server) superviseBoard(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.superviseFor(w, r, true)
	if !ok {
		return
	}
	b, err := s.board(r.Context(), rq)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, b)
}

// remindResult is one unit's answer to 催报.
type remindResult struct {
	Agency string `json:"agency"`
	Result string `json:"result"` // sent, already_reminded
	Sent   int    `json:"sent,omitempty"`
}

// remind sends 催报 to the units: at most once a day per unit. conflict: every unit
// had already been reminded that day.
func (s *Server) remind(ctx context.Context, rq *superviseRequest, ids []string) (out []remindResult, err error) {
	if len(ids) == 0 {
		return nil, lifecycle.Errorf(lifecycle.CodeUnprocessable, "请选择要催报的单位。")
	}
	b, err := s.board(ctx, rq)
	if err != nil {
		return nil, err
	}
	rows := map[string]supervise.Row{}
	for _, row := range b.Units {
		rows[row.Agency] = row
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	for _, id := range ids {
		if _, ok := rows[id]; !ok {
			return nil, lifecycle.Errorf(lifecycle.CodeForbidden, "%s 不是%s的下属单位。", id, rq.gov.Name)
		}
	}
	now := s.Store.Now()
	day := now.In(beijing).Format("2006-01-02")
	fresh := 0
	for _, id := range ids {
		row := rows[id]
		err := s.Store.Urge(ctx, id, rq.year, day, store.AuditEntry{At: now, Actor: rq.user.Email,
			Comment: fmt.Sprintf("%s催报：%s，报送期限 %s", rq.gov.Name, row.StateLabel, row.Due)})
		if store.IsConflict(err) {
			out = append(out, remindResult{Agency: id, Result: "already_reminded"})
			continue
		}
		if err != nil {
			return nil, err
		}
		fresh++
		to, err := s.unitAddresses(ctx, id)
		if err != nil {
			return nil, err
		}
		state := row.StateLabel
		if row.Late {
			state += "，已逾期 " + strconv.Itoa(-row.DaysLeft) + " 天"
		} else {
			state += "，还有 " + strconv.Itoa(row.DaysLeft) + " 天"
		}
		link := links.ReportURL(s.BaseURL, id, rq.year)
		text := fmt.Sprintf("%s：\n\n%s提醒您：%d 年度政府信息公开工作年度报告的报送期限为 %s（北京时间），目前状态：%s。请抓紧完成并按时报送、发布。\n\n报告：%s\n",
			row.Name, rq.gov.Name, rq.year, row.Due, state, link)
		if len(to) > 0 {
			if err := s.Mail.Send(ctx, nbmail.Message{To: to, Subject: fmt.Sprintf("【催报】%d 年度政府信息公开工作年度报告（期限 %s）", rq.year, row.Due),
				Text: text, HTML: "<p>" + strings.ReplaceAll(htmlEscape(text), "\n", "<br>") + "</p>"}); err != nil {
				return nil, err
			}
		}
		out = append(out, remindResult{Agency: id, Result: "sent", Sent: len(to)})
	}
	if fresh == 0 {
		return out, lifecycle.Errorf(lifecycle.CodeConflict, "所选单位今天都已催报过，每个单位每天最多催报一次。")
	}
	return out, nil
}

// unitAddresses are the addresses a unit is written to: its drafters and its office.
func (s *Server) unitAddresses(ctx context.Context, agency string) ([]string, error) {
	ag, err := s.Store.GetAgency(ctx, agency)
	if err != nil {
		return nil, err
	}
	ms, err := s.Store.Members(ctx, agency)
	if err != nil {
		return nil, err
	}
	var to []string
	for _, m := range ms {
		u := store.User{Roles: m.Roles}
		if u.Has(store.RoleDrafter) {
			to = append(to, m.Email)
		}
	}
	if o := strings.ToLower(strings.TrimSpace(ag.Settings.OfficeEmail)); o != "" && !slices.Contains(to, o) {
		to = append(to, o)
	}
	return to, nil
}

// superviseRemind is POST /api/supervise/{unit}/{year}/remind {"units":[…]}.
func (s *Server) superviseRemind(w http.ResponseWriter, r *http.Request) {
	if !jsonRequest(w, r) {
		return
	}
	rq, ok := s.superviseFor(w, r, true)
	if !ok {
		return
	}
	var in struct {
		Units []string `json:"units"`
	}
	if !readJSON(w, r, &in, false) {
		return
	}
	res, err := s.remind(r.Context(), rq, in.Units)
	if e, ok := lifecycle.AsError(err); ok && e.Code == lifecycle.CodeConflict {
		writeJSON(w, http.StatusConflict, map[string]any{"error": e.Message, "code": e.Code, "results": res})
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": res})
}

// requestCorrection records and mails a correction request of a unit's published report.
func (s *Server) requestCorrection(ctx context.Context, rq *superviseRequest, agency, comment string) error {
	ag, err := s.unitBelow(ctx, rq, agency)
	if err != nil {
		return err
	}
	comment = strings.TrimSpace(comment)
	if comment == "" {
		return lifecycle.Errorf(lifecycle.CodeUnprocessable, "请填写整改意见。")
	}
	if utf8.RuneCountInString(comment) > lifecycle.MaxCommentLen {
		return lifecycle.Errorf(lifecycle.CodeUnprocessable, "整改意见过长（最多 %d 字）。", lifecycle.MaxCommentLen)
	}
	if report.InvisibleProblem("整改意见", comment) != "" {
		return lifecycle.Errorf(lifecycle.CodeUnprocessable, "%s", report.InvisibleProblem("整改意见", comment))
	}
	rp, err := s.Store.GetReport(ctx, ag.ID, rq.year)
	if store.IsNotFound(err) || (err == nil && rp.PublishedVersion == 0) {
		return lifecycle.Errorf(lifecycle.CodeConflict, "%s的 %d 年度报告尚未发布，只能对已发布的报告提出整改意见。", ag.Name, rq.year)
	}
	if err != nil {
		return err
	}
	err = s.Store.RequestCorrection(ctx, ag.ID, rq.year, store.CorrectionRequest{Comment: comment, By: rq.user.Email,
		Unit: rq.gov.ID, Version: rp.PublishedVersion})
	if store.IsConflict(err) {
		return lifecycle.Errorf(lifecycle.CodeConflict, "报告刚刚有了新的发布版本，请刷新后再提。")
	}
	if err != nil {
		return err
	}
	to, err := s.unitAddresses(ctx, ag.ID)
	if err != nil || len(to) == 0 {
		return err
	}
	link := links.ReportURL(s.BaseURL, ag.ID, rq.year)
	text := fmt.Sprintf("%s：\n\n%s对贵单位已发布的 %d 年度政府信息公开工作年度报告（第 %d 版）提出整改意见：\n\n%s\n\n请修改后提交更正版本：%s\n",
		ag.Name, rq.gov.Name, rq.year, rp.PublishedVersion, comment, link)
	return s.Mail.Send(ctx, nbmail.Message{To: to, Subject: fmt.Sprintf("【整改意见】%d 年度政府信息公开工作年度报告", rq.year),
		Text: text, HTML: "<p>" + strings.ReplaceAll(htmlEscape(text), "\n", "<br>") + "</p>"})
}

// superviseCorrection is POST /api/supervise/{unit}/{year}/{agency}/correction {"comment"}.
func (s *Server) superviseCorrection(w http.ResponseWriter, r *http.Request) {
	if !jsonRequest(w, r) {
		return
	}
	rq, ok := s.superviseFor(w, r, true)
	if !ok {
		return
	}
	var in struct {
		Comment string `json:"comment"`
	}
	if !readJSON(w, r, &in, false) {
		return
	}
	if err := s.requestCorrection(r.Context(), rq, r.PathValue("agency"), in.Comment); err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"message": "整改意见已发送。"})
}

// superviseUnit is GET /api/supervise/{unit}/{year}/{agency}: the unit's report, read-only.
func (s *Server) superviseUnit(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.superviseFor(w, r, true)
	if !ok {
		return
	}
	ag, err := s.unitBelow(r.Context(), rq, r.PathValue("agency"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rp, err := s.Store.GetReport(r.Context(), ag.ID, rq.year)
	if store.IsNotFound(err) {
		// Not started: only what the record holds (催报).
		rp = &store.Report{Agency: ag.ID, Year: rq.year, Status: supervise.StateNotStarted, Level: store.NoLevel, Draft: []byte("null")}
		err = nil
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v, err := s.view(r, ag, rp)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// published reads the units' published reports of the year, for the export and the summary.
func (s *Server) publishedBelow(ctx context.Context, rq *superviseRequest) ([]supervise.Published, []string, error) {
	return supervise.PublishedBelow(ctx, s.Store, rq.gov.ID, rq.year)
}

// superviseExport is GET /api/supervise/{unit}/{year}/export.xlsx (and .csv).
func (s *Server) superviseExport(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.superviseFor(w, r, true)
	if !ok {
		return
	}
	b, err := s.board(r.Context(), rq)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	pubs, _, err := s.publishedBelow(r.Context(), rq)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	sheets := supervise.ExportSheets(b, pubs)
	name := fmt.Sprintf("%s-%d", rq.gov.ID, rq.year)
	var body []byte
	var ctype string
	if strings.HasSuffix(r.URL.Path, ".csv") {
		body, err = supervise.CSV(sheets)
		ctype, name = "text/csv; charset=utf-8", name+".csv"
	} else {
		body, err = supervise.XLSX(sheets)
		ctype, name = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name+".xlsx"
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", "attachment; filename=\""+name+"\"; filename*=UTF-8''"+url.PathEscape(name))
	w.Write(body)
}

func (s *Server) summary(ctx context.Context, rq *superviseRequest) (*supervise.Summary, error) {
	pubs, missing, err := s.publishedBelow(ctx, rq)
	if err != nil {
		return nil, err
	}
	return supervise.Summarize(rq.gov, rq.year, pubs, missing), nil
}

// superviseSummary is GET /api/supervise/{unit}/{year}/summary.
func (s *Server) superviseSummary(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.superviseFor(w, r, true)
	if !ok {
		return
	}
	sum, err := s.summary(r.Context(), rq)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

// The console's pages.

type superviseView struct {
	layout
	Gov      *store.Agency
	Year     int
	Years    []int
	Board    *supervise.Board
	Rows     []supervise.Row
	Counts   []stateCount
	State    string
	Kind     string
	Sort     string
	Desc     bool
	Columns  []sortColumn
	CSRF     string
	Notice   string
	Error    string
	Export   string
	Summary  string
	KindOpts []option
}

type stateCount struct {
	State, Label string
	N            int
	Href         string
	Current      bool
}

type sortColumn struct {
	Key, Label, Href, Arrow string
}

type option struct {
	Value, Label string
	Selected     bool
}

// boardStates are the states the board counts and filters by, in order.
var boardStates = []string{supervise.StateNotStarted, string(store.StatusDraft), string(store.StatusInReview), string(store.StatusReturned),
	string(store.StatusOverdue), string(store.StatusFailed), string(store.StatusPublished), supervise.StateLate}

var boardColumns = []struct{ key, label string }{
	{"name", "单位"}, {"kind", "类型"}, {"state", "状态"}, {"due", "期限"}, {"days_left", "剩余天数"},
	{"last_activity", "最近操作"}, {"errors", "错误"}, {"warnings", "警告"},
}

func boardHref(gov string, year int, state, kind, sort string, desc bool) string {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	if kind != "" {
		q.Set("kind", kind)
	}
	if sort != "" {
		q.Set("sort", sort)
	}
	if desc {
		q.Set("desc", "1")
	}
	h := fmt.Sprintf("/supervise/%s/%d", url.PathEscape(gov), year)
	if len(q) > 0 {
		h += "?" + q.Encode()
	}
	return h
}

// supervisePage is GET /supervise and GET /supervise/{unit}/{year}: the board.
func (s *Server) supervisePage(w http.ResponseWriter, r *http.Request) {
	if r.PathValue("unit") == "" {
		u, err := s.sessionUser(r)
		if err != nil {
			if store.IsNotFound(err) {
				s.page(w, r, http.StatusUnauthorized, "home", homePage{layout: layout{Title: "登录"}, Error: "请先登录。"})
			} else {
				s.internal(w, r, err)
			}
			return
		}
		if !u.Has(store.RoleSupervisor) {
			s.superviseFail(w, r, u, false, lifecycle.Errorf(lifecycle.CodeForbidden, "您没有督导权限。"))
			return
		}
		r.SetPathValue("unit", u.Agency)
	}
	rq, ok := s.superviseFor(w, r, false)
	if !ok {
		return
	}
	if r.PathValue("year") == "" {
		http.Redirect(w, r, boardHref(rq.gov.ID, rq.year, "", "", "", false), http.StatusSeeOther)
		return
	}
	s.showBoard(w, r, rq, http.StatusOK, remindNotice(r.URL.Query()), "")
}

func (s *Server) showBoard(w http.ResponseWriter, r *http.Request, rq *superviseRequest, status int, notice, formError string) {
	b, err := s.board(r.Context(), rq)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	q := r.URL.Query()
	v := superviseView{layout: layout{Title: fmt.Sprintf("%s · %d 年度报告报送情况", rq.gov.Name, rq.year), User: rq.user,
		AgencyName: rq.gov.Name, SignOut: s.sessionCSRF(r, "signout"), Wide: true},
		Gov: rq.gov, Year: rq.year, Board: b, State: q.Get("state"), Kind: q.Get("kind"), Sort: q.Get("sort"), Desc: q.Get("desc") == "1",
		CSRF: s.sessionCSRF(r, "supervise"), Notice: notice, Error: formError,
		Export:  fmt.Sprintf("/api/supervise/%s/%d/export", url.PathEscape(rq.gov.ID), rq.year),
		Summary: fmt.Sprintf("/supervise/%s/%d/summary", url.PathEscape(rq.gov.ID), rq.year)}
	if !slices.Contains(boardStates, v.State) {
		v.State = ""
	}
	if !slices.Contains([]string{store.KindDepartment, store.KindTownship, store.KindGovernment}, v.Kind) {
		v.Kind = ""
	}
	if !slices.Contains(supervise.SortKeys, v.Sort) {
		v.Sort = ""
	}
	for y := s.Store.Now().In(beijing).Year(); y >= rq.year-3 && y >= report.MinYear; y-- {
		v.Years = append(v.Years, y)
	}
	if !slices.Contains(v.Years, rq.year) {
		v.Years = append(v.Years, rq.year)
	}
	v.Counts = append(v.Counts, stateCount{Label: "全部", N: len(b.Units), Href: boardHref(rq.gov.ID, rq.year, "", v.Kind, v.Sort, v.Desc), Current: v.State == ""})
	for _, st := range boardStates {
		v.Counts = append(v.Counts, stateCount{State: st, Label: supervise.StateLabel(st), N: b.Counts[st],
			Href: boardHref(rq.gov.ID, rq.year, st, v.Kind, v.Sort, v.Desc), Current: v.State == st})
	}
	for _, k := range []string{store.KindDepartment, store.KindTownship, store.KindGovernment} {
		v.KindOpts = append(v.KindOpts, option{Value: k, Label: supervise.KindLabel(k), Selected: v.Kind == k})
	}
	for _, c := range boardColumns {
		desc := v.Sort == c.key && !v.Desc
		col := sortColumn{Key: c.key, Label: c.label, Href: boardHref(rq.gov.ID, rq.year, v.State, v.Kind, c.key, desc)}
		if v.Sort == c.key {
			col.Arrow = "↑"
			if v.Desc {
				col.Arrow = "↓"
			}
		}
		v.Columns = append(v.Columns, col)
	}
	v.Rows = b.Filter(v.State, v.Kind)
	supervise.Sort(v.Rows, v.Sort, v.Desc)
	s.page(w, r, status, "supervise", v)
}

// superviseRemindForm is POST /supervise/{unit}/{year}/remind: 催报 from the board's form.
func (s *Server) superviseRemindForm(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.superviseFor(w, r, false)
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil || !s.checkSessionCSRF(r, "supervise") {
		s.superviseFail(w, r, rq.user, false, lifecycle.Errorf(lifecycle.CodeForbidden, "表单已失效，请刷新页面后重试。"))
		return
	}
	res, err := s.remind(r.Context(), rq, r.PostForm["unit"])
	if e, ok := lifecycle.AsError(err); ok {
		s.showBoard(w, r, rq, statusOf(e.Code), "", e.Message)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	sent, already := 0, 0
	for _, x := range res {
		if x.Result == "sent" {
			sent++
		} else {
			already++
		}
	}
	http.Redirect(w, r, fmt.Sprintf("%s?reminded=%d&already=%d", boardHref(rq.gov.ID, rq.year, "", "", "", false), sent, already), http.StatusSeeOther)
}

// remindNotice is what the board says after 催报, from the counts its address carries
// (never text from the address: a link cannot make the page say something else).
func remindNotice(q url.Values) string {
	sent, err := strconv.Atoi(q.Get("reminded"))
	if err != nil || sent < 0 {
		return ""
	}
	msg := fmt.Sprintf("已向 %d 个单位发出催报。", sent)
	if already, err := strconv.Atoi(q.Get("already")); err == nil && already > 0 {
		msg += fmt.Sprintf("另有 %d 个单位今天已催报过，未重复发送。", already)
	}
	return msg
}

type superviseUnitView struct {
	layout
	Gov        *store.Agency
	Year       int
	Agency     *store.Agency
	Report     *store.Report
	Row        *supervise.Row
	Article    template.HTML
	Timeline   []timelineRow
	Correction *store.CorrectionRequest
	CSRF       string
	Back       string
	Notice     string
	Error      string
	Comment    string
	MaxComment int
	// Filing is the folder of the current version's filing copies (Word, 审批单).
	Filing string
}

// superviseUnitPage is GET /supervise/{unit}/{year}/{agency}: a unit's report, read-only.
func (s *Server) superviseUnitPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.superviseFor(w, r, false)
	if !ok {
		return
	}
	notice := ""
	if r.URL.Query().Get("requested") == "1" {
		notice = "整改意见已发送，该单位的报告表单上会一直显示，直到发布更正版本。"
	}
	s.showUnit(w, r, rq, http.StatusOK, notice, "", "")
}

func (s *Server) showUnit(w http.ResponseWriter, r *http.Request, rq *superviseRequest, status int, notice, formError, comment string) {
	ag, err := s.unitBelow(r.Context(), rq, r.PathValue("agency"))
	if err != nil {
		s.superviseFail(w, r, rq.user, false, err)
		return
	}
	v := superviseUnitView{layout: layout{Title: render.Title(ag.Name, rq.year), User: rq.user, AgencyName: rq.gov.Name,
		SignOut: s.sessionCSRF(r, "signout"), Wide: true}, Gov: rq.gov, Year: rq.year, Agency: ag,
		CSRF: s.sessionCSRF(r, "supervise"), Back: boardHref(rq.gov.ID, rq.year, "", "", "", false),
		Notice: notice, Error: formError, Comment: comment, MaxComment: lifecycle.MaxCommentLen}
	b, err := s.board(r.Context(), rq)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	for i := range b.Units {
		if b.Units[i].Agency == ag.ID {
			v.Row = &b.Units[i]
		}
	}
	rp, err := s.Store.GetReport(r.Context(), ag.ID, rq.year)
	switch {
	case store.IsNotFound(err):
	case err != nil:
		s.internal(w, r, err)
		return
	default:
		v.Report = rp
		v.Correction = rp.OpenCorrection()
		if rp.Version > 0 {
			v.Filing = versionPath(ag.ID, rq.year, rp.Version) + "/"
		}
		if doc, err := report.DecodeBytes(rp.Draft); err == nil {
			var article bytes.Buffer
			if err := render.Article(&article, doc, nil, render.PageOptions{AssetBase: "/assets/"}); err != nil {
				s.internal(w, r, err)
				return
			}
			v.Article = template.HTML(article.String()) // rendered by our own html/template: escaped
		}
		tl, err := s.Store.Timeline(r.Context(), ag.ID, rq.year)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		v.Timeline = timelineRows(tl)
	}
	s.page(w, r, status, "supervise-unit", v)
}

// superviseCorrectionForm is POST /supervise/{unit}/{year}/{agency}/correction.
func (s *Server) superviseCorrectionForm(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.superviseFor(w, r, false)
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil || !s.checkSessionCSRF(r, "supervise") {
		s.superviseFail(w, r, rq.user, false, lifecycle.Errorf(lifecycle.CodeForbidden, "表单已失效，请刷新页面后重试。"))
		return
	}
	comment := r.PostFormValue("comment")
	err := s.requestCorrection(r.Context(), rq, r.PathValue("agency"), comment)
	if e, ok := lifecycle.AsError(err); ok {
		s.showUnit(w, r, rq, statusOf(e.Code), "", e.Message, comment)
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/supervise/%s/%d/%s?requested=1", url.PathEscape(rq.gov.ID), rq.year, url.PathEscape(r.PathValue("agency"))), http.StatusSeeOther)
}

type summaryView struct {
	layout
	Gov     *store.Agency
	Year    int
	Sum     *supervise.Summary
	Tables  []summaryTable
	Names   map[string]string
	Back    string
	Missing []string
	// Article is the summary in the official layout.
	Article template.HTML
}

type summaryTable struct {
	Heading string
	Cells   []summaryCell
}

type summaryCell struct {
	Label, Value string
	Parts        []supervise.Part
}

// superviseSummaryPage is GET /supervise/{unit}/{year}/summary: the 汇总 table by table,
// each cell opening to the units that make it up.
func (s *Server) superviseSummaryPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.superviseFor(w, r, false)
	if !ok {
		return
	}
	sum, err := s.summary(r.Context(), rq)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v := summaryView{layout: layout{Title: fmt.Sprintf("%s · %d 年度汇总", rq.gov.Name, rq.year), User: rq.user, AgencyName: rq.gov.Name,
		SignOut: s.sessionCSRF(r, "signout")}, Gov: rq.gov, Year: rq.year, Sum: sum, Back: boardHref(rq.gov.ID, rq.year, "", "", "", false)}
	var article bytes.Buffer
	if err := render.Article(&article, sum.Document, nil, render.PageOptions{AssetBase: "/assets/"}); err != nil {
		s.internal(w, r, err)
		return
	}
	v.Article = template.HTML(article.String()) // rendered by our own html/template: escaped
	f := report.ForYear(rq.year)
	for _, t := range []*report.Table{f.Proactive, f.Requests, f.Appeals} {
		st := summaryTable{Heading: t.Heading}
		for _, row := range t.Rows {
			for _, c := range row.Columns {
				path := supervise.CellPath(t, row, c)
				st.Cells = append(st.Cells, summaryCell{Label: supervise.CellLabel(t, row, c),
					Value: sum.Document.Grid(t.Key).At(row, c).String(), Parts: sum.Parts[path]})
			}
		}
		v.Tables = append(v.Tables, st)
	}
	s.page(w, r, http.StatusOK, "supervise-summary", v)
}
