package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"nianbao/shared/lifecycle"
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
	if !lifecycle.MayDraft(userOf(r), id) {
		writeError(w, lifecycle.CodeForbidden, "您没有该机关报告的权限。")
		return nil, false
	}
	ag, err := s.Store.GetAgency(r.Context(), id)
	if err != nil {
		if store.IsNotFound(err) {
			writeError(w, lifecycle.CodeNotFound, "没有这个机关。")
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
		sum := reportSummary{Year: rp.Year, Status: string(rp.Status), StatusLabel: rp.Label(), Level: rp.LevelName,
			Version: rp.Version, PublishedVersion: rp.PublishedVersion, Updated: bjTime(rp.Updated)}
		if rp.PublishedVersion > 0 {
			sum.URL = s.publishedURL(ag.ID, rp.Year)
		}
		out = append(out, sum)
	}
	writeJSON(w, http.StatusOK, map[string]any{"agency": ag.ID, "agency_name": ag.Name, "chain": ag.Chain, "reports": out})
}

// timelineEntry is one line of a report's history as the API gives it.
type timelineEntry struct {
	At      string `json:"at"`
	Actor   string `json:"actor"`
	Action  string `json:"action"`
	Level   string `json:"level"`
	Comment string `json:"comment"`
	Version int    `json:"version,omitempty"`
	// Count is how many consecutive saves by one person a save line stands for.
	Count int `json:"count,omitempty"`
	// ActorLabel is the person as shown: 「张三（代 李四）」 for a substitute (away.go).
	ActorLabel string `json:"actor_label"`
}

// reportView is GET /api/reports/{agency}/{year}.
type reportView struct {
	Agency           string              `json:"agency"`
	AgencyName       string              `json:"agency_name"`
	Year             int                 `json:"year"`
	Status           string              `json:"status"`
	StatusLabel      string              `json:"status_label"`
	Level            *string             `json:"level"`
	LevelIndex       store.LevelIndex    `json:"level_index"`
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
	// Timeline is the newest store.TimelinePageSize lines (older than ?before= when
	// given), newest first; TimelineNext, when there are older ones, is the before of the
	// next page.
	Timeline     []timelineEntry `json:"timeline"`
	TimelineNext string          `json:"timeline_next,omitempty"`
}

func (s *Server) getReport(w http.ResponseWriter, r *http.Request) {
	ag, year, ok := s.reportFor(w, r)
	if !ok {
		return
	}
	rp, err := s.Store.GetReport(r.Context(), ag.ID, year)
	if store.IsNotFound(err) {
		writeError(w, lifecycle.CodeNotFound, fmt.Sprintf("还没有 %d 年度的报告。", year))
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	view, err := s.view(r, ag, rp)
	if errors.Is(err, store.ErrBadCursor) {
		writeError(w, lifecycle.CodeInvalid, "before 不是本系统给出的记录位置（timeline_next）。")
		return
	}
	if err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("ETag", view.ETag)
	writeJSON(w, http.StatusOK, view)
}

func (s *Server) view(r *http.Request, ag *store.Agency, rp *store.Report) (*reportView, error) {
	v := &reportView{
		Agency: ag.ID, AgencyName: ag.Name, Year: rp.Year, Status: string(rp.Status), StatusLabel: rp.Label(),
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
		v.Findings = nonNil(report.Validate(doc, s.Life.Previous(r.Context(), ag.ID, rp.Year)))
	}
	vs, err := s.Store.ListVersions(r.Context(), ag.ID, rp.Year)
	if err != nil {
		return nil, err
	}
	v.Versions = append(v.Versions, vs...)
	page, err := s.Store.TimelinePage(r.Context(), ag.ID, rp.Year, r.URL.Query().Get("before"), store.TimelinePageSize)
	if err != nil {
		return nil, err
	}
	v.TimelineNext = page.Next
	for _, e := range page.Entries {
		v.Timeline = append(v.Timeline, timelineEntryOf(e))
	}
	return v, nil
}

// readDocument reads a report document from a request body: strictly, and never more
// than the limit. It answers the error itself.
func readDocument(w http.ResponseWriter, r *http.Request) (*report.Document, bool) {
	body, ok := readBody(w, r, maxBody, fmt.Sprintf("报告文件过大（上限 %d KiB）。", report.MaxDocumentSize>>10))
	if !ok {
		return nil, false
	}
	doc, err := report.DecodeBytes(body)
	if err == nil {
		return doc, true
	}
	var de *report.DecodeError
	switch {
	case errors.Is(err, report.ErrTooLarge):
		writeError(w, lifecycle.CodeTooLarge, fmt.Sprintf("报告文件过大（上限 %d KiB）。", report.MaxDocumentSize>>10))
	case errors.As(err, &de):
		writeJSON(w, statusOf(lifecycle.CodeUnprocessable), apiError{Error: "报告文件无效：" + de.Error(), Code: lifecycle.CodeUnprocessable,
			Path: de.Path, Line: de.Line, Column: de.Column})
	case errors.Is(err, io.ErrUnexpectedEOF):
		writeError(w, lifecycle.CodeInvalid, "请求体不完整。")
	default:
		writeError(w, lifecycle.CodeInvalid, "无法读取请求体。")
	}
	return nil, false
}

// ifMatch reads If-Match: present says whether there is one, ok whether we issued it.
func ifMatch(r *http.Request) (rev int, present, ok bool) {
	im := r.Header.Get("If-Match")
	if im == "" {
		return 0, false, true
	}
	rev, ok = parseETag(im)
	return rev, true, ok
}

func (s *Server) saveDraft(w http.ResponseWriter, r *http.Request) {
	if !jsonRequest(w, r) {
		return
	}
	ag, year, ok := s.reportFor(w, r)
	if !ok {
		return
	}
	rev, _, ok := ifMatch(r)
	if !ok {
		writeError(w, lifecycle.CodeStale, "If-Match 不是本系统给出的 ETag。")
		return
	}
	doc, ok := readDocument(w, r)
	if !ok {
		return
	}
	saved, err := s.Life.SaveDraft(r.Context(), lifecycle.SaveInput{Agency: ag, Year: year, Doc: doc, ExpectRev: rev,
		Actor: userOf(r).Email, IP: clientIP(r)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("ETag", etag(saved.Rev))
	writeJSON(w, http.StatusOK, map[string]any{"etag": etag(saved.Rev), "findings": nonNil(saved.Findings)})
}

func nonNil(fs []report.Finding) []report.Finding {
	if fs == nil {
		return []report.Finding{}
	}
	return fs
}

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
	// With If-Match (the form always sends it) the version is the draft the clerk saved
	// and checked; one we did not issue matches no revision.
	rev, present, ok := ifMatch(r)
	if !ok {
		rev = -1
	}
	sub, err := s.Life.Submit(r.Context(), lifecycle.SubmitInput{Agency: ag, Year: year, CheckRev: present, Rev: rev,
		CorrectionReason: in.CorrectionReason, Actor: userOf(r).Email, IP: clientIP(r)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]any{
		"status": store.StatusInReview, "status_label": store.StatusInReview.Label(), "version": sub.Version,
		"level": sub.Level, "findings": nonNil(sub.Findings),
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
	v, err := s.Life.Withdraw(r.Context(), ag.ID, year, userOf(r).Email, clientIP(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": store.StatusDraft, "status_label": store.StatusDraft.Label(), "version": v})
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
