package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"

	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

//go:embed templates/*.html static
var files embed.FS

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"datetime": render.DateTime,
	"add":      func(a, b int) int { return a + b },
}).ParseFS(files, "templates/*.html"))

// pageData is what the server-rendered pages show.
type pageData struct {
	Title    string
	Message  string
	Link     string
	LinkText string
	Email    string
	CSRF     string
	Error    string
	User     *store.User

	// The review page.
	Approval    *store.Approval
	Recipient   string
	AgencyName  string
	Version     *store.Version
	Article     template.HTML
	Warnings    []report.Finding
	Closed      string
	JustDecided bool
	Comment     string // the approver's comment, kept when the form comes back with an error
	Diff        *versionDiff
	PrevVersion int
	Submitter   string

	// The drafters' pages.
	SignOut string // CSRF token of the header's sign-out form
	Wide    bool   // the form: a wider page
	Dash    *dashView
	New     *newView
	Edit    *editView
	Status  *statusView
}

// page renders a page whole before writing, so a template error never leaves half a
// page behind.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, data pageData) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name+".html", data); err != nil {
		s.internal(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The pages need no script of their own beyond static files; nothing inline runs.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func (s *Server) pages(mux *http.ServeMux) {
	static, _ := fs.Sub(files, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.home)
	// Browsers ask for it on every page; a 404 there fills the console with noise.
	mux.HandleFunc("GET /favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("POST /signin", s.signinForm)
	mux.HandleFunc("POST /signout", s.signOut)
	mux.HandleFunc("GET /reports/new", s.newReportPage)
	mux.HandleFunc("POST /reports/new", s.createReport)
	mux.HandleFunc("GET /reports/{agency}/{year}", s.reportPage)
	mux.HandleFunc("GET /reports/{agency}/{year}/edit", s.editPage)
	mux.HandleFunc("GET /reports/{agency}/{year}/status", s.statusPage)
	mux.HandleFunc("POST /api/reports/{agency}/{year}/check", s.authed(s.checkDraft))
	mux.HandleFunc("GET /api/reports/{agency}/{year}/prefill", s.authed(s.prefillDraft))
}

// home is the start page: the sign-in form, or a drafter's dashboard.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u, err := s.sessionUser(r)
	if err != nil && !store.IsNotFound(err) {
		s.internal(w, r, err)
		return
	}
	if u == nil {
		s.page(w, r, http.StatusOK, "home", pageData{Title: "登录"})
		return
	}
	if !mayDraft(u, u.Agency) {
		s.page(w, r, http.StatusOK, "message", pageData{Title: "政府信息公开工作年度报告", User: u, SignOut: s.sessionCSRF(r, "signout"),
			Message: "您的账号用于审批：请打开审批邮件中的链接。需要起草报告的，请联系管理员开通起草权限。"})
		return
	}
	s.dashboard(w, r, u)
}

// signinForm is the no-script path of the sign-in form: the same as POST /api/auth/link.
func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		s.page(w, r, http.StatusBadRequest, "message", pageData{Title: "无法登录", Message: "表单格式不对。", Link: "/", LinkText: "返回"})
		return
	}
	ok, err := s.sendLoginLink(r, r.PostFormValue("email"))
	switch {
	case err != nil:
		s.internal(w, r, err)
	case !ok:
		s.page(w, r, http.StatusUnprocessableEntity, "message", pageData{Title: "登录", Message: "请输入有效的邮箱地址。", Link: "/", LinkText: "返回"})
	default:
		s.page(w, r, http.StatusAccepted, "message", pageData{Title: "登录", Message: loginAnswer + "请查收邮件。", Link: "/", LinkText: "返回"})
	}
}

func htmlEscape(s string) string { return template.HTMLEscapeString(s) }
