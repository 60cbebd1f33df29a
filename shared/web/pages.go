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
	mux.HandleFunc("POST /signin", s.signinForm)
}

// home is the start page: the sign-in form, or the signed-in user's overview.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u, err := s.sessionUser(r)
	if err != nil && !store.IsNotFound(err) {
		s.internal(w, r, err)
		return
	}
	s.page(w, r, http.StatusOK, "home", pageData{Title: "政府信息公开工作年度报告", User: u})
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
