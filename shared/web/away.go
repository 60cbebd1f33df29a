package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"

	"nianbao/shared/lifecycle"
	"nianbao/shared/links"
	nbmail "nianbao/shared/mail"
	"nianbao/shared/render"
	"nianbao/shared/store"
)

// Approvers away (shared/lifecycle/away.go): an approver's own substitute (代理), the
// admin's reassignment of a pending approval, the copy an approver gets of their
// substitute's decision, and the person as the record shows them.

// timelineEntryOf is one line of the record as the API gives it.
func timelineEntryOf(e store.AuditEntry) timelineEntry {
	return timelineEntry{At: bjTime(e.At), Actor: e.Actor, Action: e.Action, Level: e.Level, Comment: e.Comment, Version: e.Version, Count: e.Count,
		ActorLabel: e.ActorLabel()}
}

// plainMessage is a short message with an optional link first.
func plainMessage(to []string, subject, link, linkLabel string, lines ...string) nbmail.Message {
	var text, body strings.Builder
	if link != "" {
		fmt.Fprintf(&text, "%s：%s\n\n", linkLabel, link)
		fmt.Fprintf(&body, "<p><a href=\"%s\">%s</a></p>\n", html.EscapeString(link), html.EscapeString(linkLabel))
	}
	for _, l := range lines {
		text.WriteString(l + "\n")
		fmt.Fprintf(&body, "<p>%s</p>\n", html.EscapeString(l))
	}
	return nbmail.Message{To: to, Subject: subject, Text: text.String(),
		HTML: "<!doctype html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>" + html.EscapeString(subject) + "</title></head><body>\n" + body.String() + "</body></html>\n"}
}

// approvalTitle names an approval's report in mail.
func (s *Server) approvalTitle(r *http.Request, a *store.Approval) string {
	name := a.Agency
	if ag, err := s.Store.GetAgency(r.Context(), a.Agency); err == nil {
		name = ag.Name
	}
	return fmt.Sprintf("%s（第 %d 版）", render.Title(name, a.Year), a.Version)
}

// copyToOriginal tells an approver, for their information, what their substitute
// decided. The decision stands either way: a failure is logged.
func (s *Server) copyToOriginal(r *http.Request, a *store.Approval) {
	title := s.approvalTitle(r, a)
	lines := []string{
		fmt.Sprintf("%s的「%s」已由您的代理人 %s 代您审批：%s。", title, a.LevelName, a.DecidedBy, a.Decision.Label()),
		"审批记录显示为「" + a.DecidedLabel() + "」；时间：" + render.DateTime(a.DecidedAt) + "（北京时间）。",
	}
	if a.Comment != "" {
		lines = append(lines, "意见："+a.Comment)
	}
	lines = append(lines, "本邮件仅供知悉，无需操作。")
	if err := s.Mail.Send(r.Context(), plainMessage([]string{a.DecidedFor}, "【抄送】"+title+"已由代理人审批", "", "", lines...)); err != nil {
		s.log().ErrorContext(r.Context(), "copy to the original approver not sent", "approval", a.ID, "to", a.DecidedFor, "err", err)
	}
}

// memberPage is the signed-in user and their agency, for the pages any member uses.
func (s *Server) memberPage(w http.ResponseWriter, r *http.Request) (*store.User, *store.Agency, bool) {
	u, err := s.sessionUser(r)
	if err != nil {
		if !store.IsNotFound(err) {
			s.internal(w, r, err)
			return nil, nil, false
		}
		s.page(w, r, http.StatusUnauthorized, "home", homePage{layout: layout{Title: "登录"}, Error: "请先登录。"})
		return nil, nil, false
	}
	ag, err := s.Store.GetAgency(r.Context(), u.Agency)
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

// substituteView is the page of an approver's substitute (代理).
type substituteView struct {
	layout
	Admin    bool
	Approver string
	Mine     []store.Substitute
	Today    string
	CSRF     string
	Error    string
	Done     string
}

func (s *Server) substitutePage(w http.ResponseWriter, r *http.Request) {
	u, ag, ok := s.memberPage(w, r)
	if !ok {
		return
	}
	done := ""
	if r.URL.Query().Get("done") == "1" {
		done = "已保存。"
	}
	s.showSubstitute(w, r, u, ag, http.StatusOK, "", done)
}

func (s *Server) showSubstitute(w http.ResponseWriter, r *http.Request, u *store.User, ag *store.Agency, status int, msg, done string) {
	subs, err := s.Store.Substitutes(r.Context(), ag.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v := substituteView{layout: s.signedIn(r, "代理人", u, ag), Admin: u.Has(store.RoleAdmin), Approver: u.Email,
		Today: lifecycle.Day(s.Store.Now()), CSRF: s.sessionCSRF(r, "substitute"), Error: msg, Done: done}
	for _, sub := range subs {
		if v.Admin || strings.EqualFold(sub.Approver, u.Email) || strings.EqualFold(sub.Substitute, u.Email) {
			v.Mine = append(v.Mine, sub)
		}
	}
	s.page(w, r, status, "substitute", v)
}

// setSubstitute names or clears a substitute (the approver themselves, or the admin).
func (s *Server) setSubstitute(w http.ResponseWriter, r *http.Request) {
	u, ag, ok := s.memberPage(w, r)
	if !ok {
		return
	}
	if err := parseForm(w, r); err != nil || !s.checkSessionCSRF(r, "substitute") {
		s.showSubstitute(w, r, u, ag, http.StatusForbidden, "表单已失效，请重新填写。", "")
		return
	}
	approver := strings.TrimSpace(r.PostFormValue("approver"))
	if approver == "" {
		approver = u.Email
	}
	if r.PostFormValue("clear") == "1" {
		err := s.Life.ClearSubstitute(r.Context(), u, ag.ID, approver)
		s.substituteAnswer(w, r, u, ag, err)
		return
	}
	err := s.Life.SetSubstitute(r.Context(), u, store.Substitute{Agency: ag.ID, Approver: approver,
		Substitute: r.PostFormValue("substitute"), From: r.PostFormValue("from"), To: r.PostFormValue("to")})
	s.substituteAnswer(w, r, u, ag, err)
}

func (s *Server) substituteAnswer(w http.ResponseWriter, r *http.Request, u *store.User, ag *store.Agency, err error) {
	if err == nil {
		http.Redirect(w, r, "/substitute?done=1", http.StatusSeeOther)
		return
	}
	if e, ok := lifecycle.AsError(err); ok && e.Code != lifecycle.CodeInternal {
		s.showSubstitute(w, r, u, ag, codeStatus[e.Code], e.Message, "")
		return
	}
	s.internal(w, r, err)
}

// pendingApproval is one approval waiting in the admin's agency.
type pendingApproval struct {
	Approval *store.Approval
	Year     int
	Live     []string
	CSRF     string
}

type reassignView struct {
	layout
	Pending []pendingApproval
	Error   string
	Done    string
}

func (s *Server) adminPage(w http.ResponseWriter, r *http.Request) (*store.User, *store.Agency, bool) {
	u, ag, ok := s.memberPage(w, r)
	if ok && !lifecycle.MayReassign(u, ag.ID) {
		s.message(w, r, http.StatusForbidden, messagePage{layout: layout{Title: "没有权限", User: u},
			Message: "只有本机关的管理员可以改派审批。", Link: "/", LinkText: "返回首页"})
		return nil, nil, false
	}
	return u, ag, ok
}

func (s *Server) reassignPage(w http.ResponseWriter, r *http.Request) {
	u, ag, ok := s.adminPage(w, r)
	if !ok {
		return
	}
	done := ""
	if to := r.URL.Query().Get("to"); to != "" {
		done = "已改派给 " + to + "，并已将审批链接发给对方。"
	}
	s.showReassign(w, r, u, ag, http.StatusOK, "", done)
}

func (s *Server) showReassign(w http.ResponseWriter, r *http.Request, u *store.User, ag *store.Agency, status int, msg, done string) {
	rs, err := s.Store.ListReports(r.Context(), ag.ID)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v := reassignView{layout: s.signedIn(r, "改派审批", u, ag), Error: msg, Done: done}
	for _, rp := range rs {
		if rp.Status != store.StatusInReview {
			continue
		}
		a, err := s.Store.FindApproval(r.Context(), ag.ID, rp.Year, rp.Version, rp.Level)
		if store.IsNotFound(err) {
			continue
		}
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if a.State != store.ApprovalPending {
			continue
		}
		p := pendingApproval{Approval: a, Year: rp.Year, CSRF: s.sessionCSRF(r, "reassign:"+a.ID)}
		for _, rec := range a.Live() {
			p.Live = append(p.Live, store.ActorLabel(rec.Email, rec.For))
		}
		v.Pending = append(v.Pending, p)
	}
	s.page(w, r, status, "reassign", v)
}

// reassign moves a pending approval and mails the new approver their link.
func (s *Server) reassign(w http.ResponseWriter, r *http.Request) {
	u, ag, ok := s.adminPage(w, r)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if err := parseForm(w, r); err != nil || !links.ValidToken(id) || !s.checkSessionCSRF(r, "reassign:"+id) {
		s.showReassign(w, r, u, ag, http.StatusForbidden, "表单已失效，请重新填写。", "")
		return
	}
	a, err := s.Store.GetApproval(r.Context(), id)
	if err != nil || a.Agency != ag.ID {
		s.showReassign(w, r, u, ag, http.StatusNotFound, "没有这个待审批事项。", "")
		return
	}
	to := strings.ToLower(strings.TrimSpace(r.PostFormValue("to")))
	moved, err := s.Life.Reassign(r.Context(), a, lifecycle.ReassignInput{By: u, To: to, Reason: r.PostFormValue("reason"), IP: clientIP(r),
		SecretHash: links.Hash(s.Keys.ApprovalSecret(a.ID, to))})
	if err != nil {
		if e, ok := lifecycle.AsError(err); ok && e.Code != lifecycle.CodeInternal {
			s.showReassign(w, r, u, ag, codeStatus[e.Code], e.Message, "")
			return
		}
		s.internal(w, r, err)
		return
	}
	title := s.approvalTitle(r, moved)
	link := links.ApprovalURL(s.BaseURL, moved.ID, s.Keys.ApprovalSecret(moved.ID, to))
	m := plainMessage([]string{to}, "【待审批】"+title, link, "审批链接",
		fmt.Sprintf("%s等待「%s」审批，管理员 %s 已将本级审批改派给您。", title, moved.LevelName, u.Email),
		"改派原因："+strings.TrimSpace(r.PostFormValue("reason")),
		"打开上面的链接查看报告全文，选择「同意」或「退回」。",
		"此链接只供您本人使用，请勿转发。")
	if err := s.Mail.Send(r.Context(), m); err != nil {
		s.log().ErrorContext(r.Context(), "reassigned approval not mailed", "approval", moved.ID, "to", to, "err", err)
		s.showReassign(w, r, u, ag, http.StatusBadGateway, "已改派，但审批邮件未能发出，请稍后重试或直接联系 "+to+"。", "")
		return
	}
	http.Redirect(w, r, "/reassign?to="+url.QueryEscape(to), http.StatusSeeOther)
}
