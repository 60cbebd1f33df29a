package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"time"

	"nianbao/shared/filing"
	"nianbao/shared/lifecycle"
	"nianbao/shared/links"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
	"nianbao/shared/supervise"
)

//go:embed templates/*.html static
var files embed.FS

var pageTemplates = template.Must(template.New("").Funcs(template.FuncMap{
	"datetime":    render.DateTime,
	"add":         func(a, b int) int { return a + b },
	"actor":       actorName,
	"statusClass": statusClass,
	// The facts a page prints that are defined elsewhere, once.
	"attestation":        func() string { return lifecycle.Attestation },
	"attestationNeeded":  func() string { return lifecycle.AttestationNeeded },
	"returnNeedsComment": func() string { return lifecycle.ReturnNeedsComment },
	"maxComment":         func() int { return lifecycle.MaxCommentLen },
	"maxReason":          func() int { return lifecycle.MaxReasonLen },
	"loginLife":          func() string { return links.Lifetime(links.LoginLife) },
	"sheetTitle":         func() string { return filing.SheetTitle },
	// The supervisor's console.
	"kindLabel": supervise.KindLabel,
	"flagLabel": flagLabel,
	"neg":       func(n int) int { return -n },
	"shortTime": shortTime,
}).ParseFS(files, "templates/*.html"))

func staticFiles() fs.FS {
	static, _ := fs.Sub(files, "static")
	return static
}

// layout is what every page's frame shows (templates/layout.html); each page's view
// embeds it.
type layout struct {
	Title      string
	User       *store.User
	AgencyName string
	SignOut    string // CSRF token of the header's sign-out form
	Wide       bool   // the form: a wider page
}

// messagePage is a page that says one thing, with a link onward.
type messagePage struct {
	layout
	Message  string
	Link     string
	LinkText string
}

// homePage is the sign-in form.
type homePage struct {
	layout
	Error string
	Next  string // the page to return to after signing in (returnpath.go)
}

// loginPage is the sign-in button a sign-in link opens.
type loginView struct {
	layout
	Email string
	CSRF  string
}

// reviewPage is an approver's page of one approval.
type reviewView struct {
	layout
	Approval    *store.Approval
	Recipient   string
	OnBehalf    string // the approver a substitute's link stands in for
	Version     *store.Version
	Article     template.HTML
	Warnings    []report.Finding
	Closed      string
	Decided     bool   // Closed by a decision: the page lists it
	NotYours    string // why this approver may not decide this version (separation of duties)
	JustDecided bool
	DecidedText string // the confirmation: whose report, what happens next (chain.go)
	Comment     string // the approver's comment, kept when the form comes back with an error
	Error       string
	Diff        *versionDiff
	PrevVersion int
	Chain       *reviewChain // the levels before this one and earlier returns (chain.go)
	CSRF        string
	// The filing copies of the approval's version (filing.go).
	DocxHref  string
	SheetHref string
}

type dashboardPage struct {
	layout
	Dash *dashView
}

type newPage struct {
	layout
	New   *newView
	Error string
}

// importedPage is an imported report: to confirm, or as stored (imports.go).
type importedPage struct {
	layout
	Import *importView
}

type formPage struct {
	layout
	Edit *editView
}

type statusPage struct {
	layout
	Status *statusView
}

// page renders a page whole before writing, so a template error never leaves half a
// page behind.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
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

// message answers with a message page.
func (s *Server) message(w http.ResponseWriter, r *http.Request, status int, p messagePage) {
	s.page(w, r, status, "message", p)
}

// home is the start page: the sign-in form, or a drafter's dashboard.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	u, err := s.sessionUser(r)
	if err != nil && !store.IsNotFound(err) {
		s.internal(w, r, err)
		return
	}
	if u == nil {
		s.page(w, r, http.StatusOK, "home", homePage{layout: layout{Title: "登录"}})
		return
	}
	if u.Has(store.RoleSupervisor) && !lifecycle.MayDraft(u, u.Agency) {
		http.Redirect(w, r, "/supervise", http.StatusSeeOther)
		return
	}
	if !lifecycle.MayDraft(u, u.Agency) {
		s.approverHome(w, r, u) // 「待我审批」 (mine.go)
		return
	}
	s.dashboard(w, r, u)
}

// signinForm is the no-script path of the sign-in form: the same as POST /api/auth/link.
func (s *Server) signinForm(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.message(w, r, http.StatusBadRequest, messagePage{layout: layout{Title: "无法登录"}, Message: "表单格式不对。", Link: "/", LinkText: "返回"})
		return
	}
	if !s.queueLogin(r, r.PostFormValue("email"), r.PostFormValue("next")) {
		s.message(w, r, http.StatusUnprocessableEntity, messagePage{layout: layout{Title: "登录"}, Message: "请输入有效的邮箱地址。", Link: "/", LinkText: "返回"})
		return
	}
	s.message(w, r, http.StatusAccepted, messagePage{layout: layout{Title: "登录"}, Message: loginAnswer() + "请查收邮件。", Link: "/", LinkText: "返回"})
}

func htmlEscape(s string) string { return template.HTMLEscapeString(s) }

// flagLabel is a quality flag's short name on the board.
func flagLabel(rule string) string {
	switch rule {
	case report.RuleOverviewLength:
		return "总体情况过长"
	case report.RuleOverviewNumbers:
		return "总体情况数字与表格不符"
	case report.RuleRepeated:
		return "年年雷同"
	case report.RuleCrossCarriedOver:
		return "结转数与上年不符"
	case report.RuleCrossInForce:
		return "现行有效件数与上年不符"
	}
	return rule
}

// shortTime is an RFC 3339 time as "01-02 15:04".
func shortTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return t.In(render.Beijing()).Format("01-02 15:04")
}
