package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"nianbao/shared/filing"
	"nianbao/shared/lifecycle"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
	"nianbao/shared/supervise"
)

// The filing copies of a submitted version: its Word copy and its 审批单, as a page to
// print and as a Word file. Drafters reach them from the status page, approvers from
// their review link; lifecycle.MayFile decides who may open them.

// The files of a version under its address (versionPath) and under a review link.
const (
	fileReportDocx = "report.docx"
	fileSheet      = "approval"
	fileSheetDocx  = "approval.docx"
)

// versionPath is the address of a submitted version's files: /reports/{agency}/{year}/versions/{n}.
func versionPath(agency string, year, n int) string {
	return reportPath(agency, year) + "/versions/" + strconv.Itoa(n)
}

// filingView is the 审批单 page.
type filingView struct {
	layout
	Sheet     *filing.Sheet
	DocxHref  string // the report's Word copy
	SheetDocx string // the sheet as a Word file
	BackHref  string
	BackText  string
	// Signatures are the lines the 主要领导 sign.
	Signatures []string
}

// filingFiles is what a version's files are made from, read from the store.
type filingFiles struct {
	agency  *store.Agency
	version *store.Version
	doc     *report.Document
	sheet   *filing.Sheet
	// published is when the version was published (zero when it was not).
	published *store.Publication
}

// loadFiling reads a version with its approvals level by level, the report's audit log
// and its publication, if any.
func (s *Server) loadFiling(ctx context.Context, agencyID string, year, n int) (*filingFiles, error) {
	ag, err := s.Store.GetAgency(ctx, agencyID)
	if err != nil {
		return nil, err
	}
	v, err := s.Store.GetVersion(ctx, agencyID, year, n)
	if err != nil {
		return nil, err
	}
	return s.filingOf(ctx, ag, v)
}

func (s *Server) filingOf(ctx context.Context, ag *store.Agency, v *store.Version) (*filingFiles, error) {
	doc, err := report.DecodeBytes(v.Document)
	if err != nil {
		return nil, fmt.Errorf("version %d: %w", v.Number, err)
	}
	approvals := make([]*store.Approval, len(v.Chain))
	for i := range v.Chain {
		a, err := s.Store.FindApproval(ctx, v.Agency, v.Year, v.Number, store.LevelIndex(i))
		switch {
		case err == nil:
			approvals[i] = a
		case !store.IsNotFound(err):
			return nil, err
		}
	}
	tl, err := s.Store.VersionLines(ctx, v) // the version's own lines: bounded
	if err != nil {
		return nil, err
	}
	sheet, err := filing.NewSheet(ag, v, approvals, tl)
	if err != nil {
		return nil, err
	}
	f := &filingFiles{agency: ag, version: v, doc: doc, sheet: sheet}
	pub, err := s.Store.GetPublication(ctx, v.Agency, v.Year, v.Number)
	switch {
	case err == nil:
		f.published = pub
	case !store.IsNotFound(err):
		return nil, err
	}
	return f, nil
}

// closing is the 落款 of the version's Word copy: dated by its publication, else by its
// approval, else left for the office to date.
func (f *filingFiles) closing() render.Closing {
	if f.published != nil {
		return render.ClosingOf(f.doc, f.published.PublishedAt)
	}
	return render.ClosingOf(f.doc, f.sheet.ApprovedAt())
}

// versionFile is GET /reports/{agency}/{year}/versions/{n}/{file}: a version's files for
// a signed-in drafter or approver of it.
func (s *Server) versionFile(file string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		u, err := s.sessionUser(r)
		if err != nil {
			if !store.IsNotFound(err) {
				s.internal(w, r, err)
				return
			}
			s.page(w, r, statusOf(lifecycle.CodeUnauthorized), "home", homePage{layout: layout{Title: "登录"}, Error: "请先登录。", Next: returnPath(r)})
			return
		}
		year, ok := yearOf(r)
		n, err := strconv.Atoi(r.PathValue("n"))
		if !ok || err != nil || n < 1 {
			s.refuse(w, r, u, lifecycle.CodeNotFound, "没有这个版本。")
			return
		}
		f, err := s.loadFiling(r.Context(), r.PathValue("agency"), year, n)
		if err != nil {
			if store.IsNotFound(err) {
				s.refuse(w, r, u, lifecycle.CodeNotFound, "没有这个版本。")
				return
			}
			s.internal(w, r, err)
			return
		}
		var above []string
		if u.Has(store.RoleSupervisor) {
			if above, err = supervise.Ancestors(r.Context(), s.Store, f.version.Agency); err != nil {
				s.internal(w, r, err)
				return
			}
		}
		if !lifecycle.MayFile(u, f.version, above) {
			s.refuse(w, r, u, lifecycle.CodeForbidden, "您的账号不能查看这份报告的备案材料：只有本机关的起草人、本版本的审批人和上级督导单位可以查看。")
			return
		}
		base := versionPath(f.version.Agency, f.version.Year, f.version.Number) + "/"
		back := reportPath(f.version.Agency, f.version.Year) + "/status"
		l := layout{Title: filing.SheetTitle, User: u, SignOut: s.sessionCSRF(r, "signout"), AgencyName: f.agency.Name}
		s.serveFiling(w, r, f, file, base, back, "返回审批进度", l)
	}
}

// reviewFile is GET /review/{id}/{secret}/{file}: the files of the version a review link
// is for, for its approver.
func (s *Server) reviewFile(file string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, ok := s.target(r)
		if !ok {
			s.badLink(w, r)
			return
		}
		a := t.approval
		// A link opens the files as long as it could open its review page: a forwarded
		// old mail does not keep a version's files open for good.
		if !s.Store.Now().Before(a.Expires) {
			s.message(w, r, http.StatusGone, messagePage{layout: layout{Title: "链接已过期"},
				Message: "这个审批链接已过期，不能再查看本版报告的备案材料。请登录后在审批进度页面下载。", Link: "/", LinkText: "登录"})
			return
		}
		f, err := s.loadFiling(r.Context(), a.Agency, a.Year, a.Version)
		if err != nil {
			s.internal(w, r, err) // the approval names its version: it exists
			return
		}
		if !lifecycle.MayFileByLink(a, t.recipient, f.version) {
			s.refuse(w, r, nil, lifecycle.CodeForbidden, "这个审批链接不能查看这份报告的备案材料。")
			return
		}
		link := t.pagePath()
		s.serveFiling(w, r, f, file, link+"/", link, "返回审批页", layout{Title: filing.SheetTitle, AgencyName: f.agency.Name})
	}
}

// serveFiling answers one of a version's files.
func (s *Server) serveFiling(w http.ResponseWriter, r *http.Request, f *filingFiles, file, base, back, backText string, l layout) {
	v := f.version
	name := fmt.Sprintf("%s（第%d版）", render.Title(f.agency.Name, v.Year), v.Number)
	switch file {
	case fileReportDocx:
		data, err := filing.Report(f.doc, f.closing())
		if err != nil {
			s.internal(w, r, err)
			return
		}
		sendDocx(w, name+".docx", data)
	case fileSheetDocx:
		data, err := filing.SheetDocx(f.sheet)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		sendDocx(w, filing.SheetTitle+"——"+name+".docx", data)
	default:
		l.Title = filing.SheetTitle + " — " + name
		s.page(w, r, http.StatusOK, "approval", filingView{layout: l, Sheet: f.sheet, DocxHref: base + fileReportDocx,
			SheetDocx: base + fileSheetDocx, BackHref: back, BackText: backText, Signatures: filing.SignatureLines})
	}
}

// sendDocx answers a Word file as a download with its Chinese name (RFC 6266), and an
// ASCII name for old clients.
func sendDocx(w http.ResponseWriter, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", filing.ContentType)
	h.Set("Content-Disposition", `attachment; filename="report.docx"; filename*=UTF-8''`+url.PathEscape(name))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	w.Write(data)
}

// refuse answers a page request with a coded error, as a message page.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, u *store.User, code lifecycle.Code, msg string) {
	s.message(w, r, statusOf(code), messagePage{layout: layout{Title: msg, User: u}, Message: msg, Link: "/", LinkText: "返回首页"})
}
