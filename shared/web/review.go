package web

import (
	"bytes"
	"html/template"
	"net/http"
	"unicode/utf8"

	"nianbao/shared/lifecycle"
	"nianbao/shared/links"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// reviewTarget is the approval and recipient a review link names.
type reviewTarget struct {
	approval  *store.Approval
	recipient string
	secret    string
}

// target resolves a review link. A forged id, a wrong secret and an unknown approval
// all look the same to the visitor: a link that does not work.
func (s *Server) target(r *http.Request) (*reviewTarget, bool) {
	id, secret := r.PathValue("id"), r.PathValue("secret")
	if !links.ValidToken(id) || !links.ValidToken(secret) {
		return nil, false
	}
	a, err := s.Store.GetApproval(r.Context(), id)
	if err != nil {
		return nil, false
	}
	rec, ok := a.Recipient(links.Hash(secret))
	if !ok {
		return nil, false
	}
	return &reviewTarget{approval: a, recipient: rec.Email, secret: secret}, true
}

func (s *Server) badLink(w http.ResponseWriter, r *http.Request) {
	s.message(w, r, http.StatusNotFound, messagePage{layout: layout{Title: "链接无效"},
		Message: "这个审批链接无效。请使用邮件中的完整链接；如有疑问请联系报告起草人。"})
}

// reviewPage shows the report and, while the approval waits, the decision form. A GET
// decides nothing: mail scanners open every link.
func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request) {
	t, ok := s.target(r)
	if !ok {
		s.badLink(w, r)
		return
	}
	s.showReview(w, r, t, http.StatusOK, "", r.URL.Query().Get("done") == "1")
}

func (s *Server) showReview(w http.ResponseWriter, r *http.Request, t *reviewTarget, status int, formError string, justDecided bool) {
	a := t.approval
	data := reviewView{layout: layout{Title: "审批：" + a.LevelName}, Approval: a, Recipient: t.recipient, Error: formError, JustDecided: justDecided}
	files := links.ApprovalURL("", a.ID, t.secret) + "/"
	data.DocxHref, data.SheetHref = files+fileReportDocx, files+fileSheet
	if r.Method == http.MethodPost && formError != "" {
		if c := r.PostFormValue("comment"); utf8.ValidString(c) {
			data.Comment = c // what the approver typed is not lost to an error
		}
	}
	if rec, ok := a.RecipientNamed(t.recipient); ok {
		data.OnBehalf = rec.For
	}
	if open, why := lifecycle.OpenTo(a, t.recipient, s.Store.Now()); !open {
		data.Closed, data.Decided = why, a.State == store.ApprovalDecided
		s.page(w, r, status, "review", data)
		return
	}
	ag, err := s.Store.GetAgency(r.Context(), a.Agency)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v, err := s.Store.GetVersion(r.Context(), a.Agency, a.Year, a.Version)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	doc, err := report.DecodeBytes(v.Document)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	var article bytes.Buffer
	if err := render.Article(&article, doc, nil, render.PageOptions{AssetBase: "/assets/"}); err != nil {
		s.internal(w, r, err)
		return
	}
	data.Title = render.Title(ag.Name, a.Year) + " — 审批"
	data.AgencyName = ag.Name
	data.Version = v
	data.Article = template.HTML(article.String()) // rendered by our own html/template: escaped
	data.Warnings = report.Validate(doc, s.Life.Previous(r.Context(), a.Agency, a.Year))
	data.Diff, data.PrevVersion = s.reviewDiff(r, a, doc)
	if err := s.Life.MayDecide(r.Context(), a, t.recipient); err != nil {
		e, ok := lifecycle.AsError(err)
		if !ok {
			s.internal(w, r, err)
			return
		}
		data.NotYours = e.Message
	} else {
		data.CSRF = s.Keys.CSRF("review", a.ID, t.recipient)
	}
	s.page(w, r, status, "review", data)
}

// decide takes the approver's decision from the plain HTML form.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	t, ok := s.target(r)
	if !ok {
		s.badLink(w, r)
		return
	}
	a := t.approval
	if err := parseForm(w, r); err != nil {
		s.showReview(w, r, t, http.StatusBadRequest, "表单内容过长、格式不对或不是 UTF-8 文字，请重新填写。", false)
		return
	}
	// Separation of duties first: the link already names the approver, and the page
	// they were shown had no form to post.
	if open, _ := lifecycle.OpenTo(a, t.recipient, s.Store.Now()); open && lifecycle.ErrorCode(s.Life.MayDecide(r.Context(), a, t.recipient)) == lifecycle.CodeForbidden {
		s.showReview(w, r, t, http.StatusForbidden, "", false)
		return
	}
	if !links.Equal(r.PostFormValue("csrf"), s.Keys.CSRF("review", a.ID, t.recipient)) {
		s.showReview(w, r, t, http.StatusForbidden, "表单已失效，请重新打开邮件中的链接后再提交。", false)
		return
	}
	decided, err := s.Life.Decide(r.Context(), a, lifecycle.DecideInput{
		Approver: t.recipient,
		Decision: store.Verdict(r.PostFormValue("decision")),
		Comment:  r.PostFormValue("comment"),
		Attested: r.PostFormValue("attest") == "1",
		IP:       clientIP(r),
	})
	if err != nil && decided != nil {
		// The decision is recorded; only its delivery failed. The workflow picks a
		// recorded decision up at its next reminder, so the approver is done either way.
		s.log().ErrorContext(r.Context(), "decision recorded but not delivered", "approval", a.ID, "err", err)
		err = nil
	}
	if err == nil && decided.DecidedFor != "" {
		s.copyToOriginal(r, decided) // a substitute decided: the approver is told
	}
	switch lifecycle.ErrorCode(err) {
	case "":
		http.Redirect(w, r, links.ApprovalURL("", a.ID, t.secret)+"?done=1", http.StatusSeeOther)
	case lifecycle.CodeUnprocessable:
		e, _ := lifecycle.AsError(err)
		s.showReview(w, r, t, http.StatusUnprocessableEntity, e.Message, false)
	case lifecycle.CodeForbidden:
		// Separation of duties: the page says why, without the buttons.
		s.showReview(w, r, t, http.StatusForbidden, "", false)
	case lifecycle.CodeConflict:
		// A second click, a replay, a closed wait, someone else first: show what
		// happened, change nothing.
		if cur, gerr := s.Store.GetApproval(r.Context(), a.ID); gerr == nil {
			t.approval = cur
		}
		s.showReview(w, r, t, http.StatusConflict, "", false)
	default:
		s.internal(w, r, err)
	}
}
