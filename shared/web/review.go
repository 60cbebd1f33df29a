package web

import (
	"bytes"
	"errors"
	"fmt"
	"html/template"
	"net/http"

	"nianbao/shared/approval"
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
	s.page(w, r, http.StatusNotFound, "message", pageData{Title: "链接无效",
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
	data := pageData{Title: "审批：" + a.LevelName, Approval: a, Recipient: t.recipient, Error: formError, JustDecided: justDecided}
	if r.Method == http.MethodPost && formError != "" {
		data.Comment = r.PostFormValue("comment") // what the approver typed is not lost to an error
	}
	if open, why := s.open(a); !open {
		data.Closed = why
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
	data.Warnings = append(data.Warnings, report.Validate(doc, approval.PreviousYear(r.Context(), s.Store, a.Agency, a.Year))...)
	data.Diff, data.PrevVersion = s.reviewDiff(r, a, doc)
	data.CSRF = s.Keys.CSRF("review", a.ID, t.recipient)
	s.page(w, r, status, "review", data)
}

// open says whether an approval still takes a decision, and if not, what happened.
func (s *Server) open(a *store.Approval) (bool, string) {
	switch a.State {
	case store.ApprovalDecided:
		verb := "同意"
		if a.Decision == store.DecisionReturn {
			verb = "退回"
		}
		return false, fmt.Sprintf("「%s」已由 %s 于 %s（北京时间）%s。", a.LevelName, a.DecidedBy, render.DateTime(a.DecidedAt), verb)
	case store.ApprovalClosed:
		switch a.ClosedReason {
		case "withdrawn":
			return false, fmt.Sprintf("起草人已于 %s（北京时间）撤回本版报告，无需审批。", render.DateTime(a.DecidedAt))
		case "overdue":
			return false, "本级审批已逾期，报告已退回起草人。"
		case "ended":
			return false, "本版报告的审批已经结束（已退回起草人或发布失败），无需再审批。"
		}
		return false, "本审批已结束。"
	}
	if !s.Store.Now().Before(a.Expires) {
		return false, "这个审批链接已过期。"
	}
	return true, ""
}

// decide takes the approver's decision from the plain HTML form.
func (s *Server) decide(w http.ResponseWriter, r *http.Request) {
	t, ok := s.target(r)
	if !ok {
		s.badLink(w, r)
		return
	}
	a := t.approval
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		s.showReview(w, r, t, http.StatusBadRequest, "表单内容过长或格式不对，请重新填写。", false)
		return
	}
	if !links.Equal(r.PostFormValue("csrf"), s.Keys.CSRF("review", a.ID, t.recipient)) {
		s.showReview(w, r, t, http.StatusForbidden, "表单已失效，请重新打开邮件中的链接后再提交。", false)
		return
	}
	if open, _ := s.open(a); !open {
		// A second click, a replay, a closed wait: show what happened, change nothing.
		s.showReview(w, r, t, http.StatusConflict, "", false)
		return
	}
	decided, err := approval.Decide(r.Context(), s.Store, s.SFN, a, approval.DecideInput{
		Approver: t.recipient,
		Decision: r.PostFormValue("decision"),
		Comment:  r.PostFormValue("comment"),
		Attested: r.PostFormValue("attest") == "1",
		IP:       clientIP(r),
	})
	if err != nil && decided != nil {
		// The decision is recorded; only its delivery (or its audit line) failed. The
		// workflow picks a recorded decision up at its next reminder, so the approver is
		// done either way.
		s.log().ErrorContext(r.Context(), "decision recorded but not delivered", "approval", a.ID, "err", err)
		err = nil
	}
	var de *approval.DecisionError
	switch {
	case errors.As(err, &de):
		s.showReview(w, r, t, http.StatusUnprocessableEntity, de.Msg, false)
		return
	case store.IsConflict(err):
		// Someone else decided first: show their decision.
		if cur, gerr := s.Store.GetApproval(r.Context(), a.ID); gerr == nil {
			t.approval = cur
		}
		s.showReview(w, r, t, http.StatusConflict, "", false)
		return
	case err != nil:
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, links.ApprovalURL("", a.ID, t.secret)+"?done=1", http.StatusSeeOther)
}
