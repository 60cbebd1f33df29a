package lifecycle

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"nianbao/shared/render"
	"nianbao/shared/store"
)

// Approvers away. A level must not stall on an approver who is travelling: they (or the
// agency's admin for them) name a substitute (代理) for a range of 北京时间 dates, who is
// mailed a link of their own to every approval addressed to the approver while it runs,
// and decides in their place, recorded as 「张三（代 李四）」; the agency's admin may move
// a pending approval to another approver (reassignment); and after a level's last
// reminder the approval is offered to the level's escalate_to before the report is
// returned as overdue.

// Day is now's 北京时间 date, as substitutions name their days (YYYY-MM-DD).
func Day(now time.Time) string { return now.In(render.Beijing()).Format(time.DateOnly) }

// MaxReasonLenReassign bounds a reassignment's reason (characters).
const MaxReasonLenReassign = 500

// LevelRecipients are the people a level's approval is mailed to on day: its approvers,
// and for each approver whose substitution runs that day, the substitute (For names
// the approver). A substitute's own substitute does not inherit (no chains), and a
// substitute who is an approver of the level already is mailed once, in their own name.
func LevelRecipients(l store.Level, subs []store.Substitute, day string) []store.Recipient {
	var out []store.Recipient
	seen := map[string]bool{}
	for _, a := range l.Approvers {
		if !seen[key(a)] {
			seen[key(a)] = true
			out = append(out, store.Recipient{Email: key(a)})
		}
	}
	for _, a := range l.Approvers {
		for _, s := range subs {
			if !s.Active(day) || !same(s.Approver, a) || seen[key(s.Substitute)] {
				continue
			}
			seen[key(s.Substitute)] = true
			out = append(out, store.Recipient{Email: key(s.Substitute), For: key(a)})
		}
	}
	return out
}

// substituting reports whether substitute's substitution for approver runs on day.
func substituting(subs []store.Substitute, substitute, approver, day string) bool {
	for _, s := range subs {
		if same(s.Approver, approver) && same(s.Substitute, substitute) && s.Active(day) {
			return true
		}
	}
	return false
}

// MissingSubstitutes are the substitutes to add to a pending approval on day: those of
// its live approvers (in their own name) whose substitution runs that day and who were
// never recipients of it — a substitution that began, or was named, after the approval
// was requested. Its reminders mail them.
func MissingSubstitutes(a *store.Approval, subs []store.Substitute, day string) []store.Recipient {
	had := map[string]bool{}
	for _, r := range a.Recipients {
		had[key(r.Email)] = true
	}
	var out []store.Recipient
	for _, r := range a.Live() {
		if r.For != "" {
			continue // no chains: a substitute's own substitute does not inherit
		}
		for _, s := range subs {
			if s.Active(day) && same(s.Approver, r.Email) && !had[key(s.Substitute)] {
				had[key(s.Substitute)] = true
				out = append(out, store.Recipient{Email: key(s.Substitute), For: key(r.Email)})
			}
		}
	}
	return out
}

// CheckSubstitute says what is wrong with naming sub, given the agency's substitutions
// (existing, the approver's own among them is replaced) and the two people's users (nil:
// unknown): the dates, the same agency, nobody their own substitute, and no loop — a
// chain of substitutions overlapping sub's dates that leads back to the approver.
func CheckSubstitute(existing []store.Substitute, sub store.Substitute, approver, substitute *store.User) error {
	from, err1 := time.Parse(time.DateOnly, sub.From)
	to, err2 := time.Parse(time.DateOnly, sub.To)
	switch {
	case err1 != nil || err2 != nil:
		return Errorf(CodeUnprocessable, "代理的起止日期须为 YYYY-MM-DD（北京时间）。")
	case to.Before(from):
		return Errorf(CodeUnprocessable, "代理的结束日期 %s 早于开始日期 %s。", sub.To, sub.From)
	case same(sub.Approver, sub.Substitute):
		return Errorf(CodeUnprocessable, "不能指定自己为自己的代理人。")
	case approver == nil || approver.Agency != sub.Agency:
		return Errorf(CodeUnprocessable, "%s 不是本机关的用户。", sub.Approver)
	case substitute == nil || substitute.Agency != sub.Agency:
		return Errorf(CodeUnprocessable, "代理人 %s 不是本机关的用户：代理人须与审批人同属一个机关。", sub.Substitute)
	}
	overlaps := func(s store.Substitute) bool { return s.From <= sub.To && sub.From <= s.To }
	// Follow the substitutions from the substitute: reaching the approver is a loop.
	seen := map[string]bool{key(sub.Substitute): true}
	next := []string{key(sub.Substitute)}
	for len(next) > 0 {
		who := next[0]
		next = next[1:]
		for _, s := range existing {
			if !same(s.Approver, who) || same(s.Approver, sub.Approver) || !overlaps(s) {
				continue
			}
			if same(s.Substitute, sub.Approver) {
				return Errorf(CodeUnprocessable, "代理不能成环：%s 在这段时间已由 %s 代理（%s 至 %s）。", sub.Substitute, s.Substitute, s.From, s.To)
			}
			if !seen[key(s.Substitute)] {
				seen[key(s.Substitute)] = true
				next = append(next, key(s.Substitute))
			}
		}
	}
	return nil
}

// MayNameSubstitute reports whether u may name approver's substitute in agency: the
// approver themselves, or the agency's admin.
func MayNameSubstitute(u *store.User, agency, approver string) bool {
	return u != nil && u.Agency == agency && (same(u.Email, approver) || u.Has(store.RoleAdmin))
}

// SetSubstitute names (or replaces) an approver's substitute, after CheckSubstitute.
func (l *Lifecycle) SetSubstitute(ctx context.Context, by *store.User, sub store.Substitute) error {
	sub.Approver, sub.Substitute = key(sub.Approver), key(sub.Substitute)
	sub.From, sub.To = strings.TrimSpace(sub.From), strings.TrimSpace(sub.To)
	if !MayNameSubstitute(by, sub.Agency, sub.Approver) {
		return Errorf(CodeForbidden, "只有审批人本人或本机关的管理员可以指定代理人。")
	}
	existing, err := l.Store.Substitutes(ctx, sub.Agency)
	if err != nil {
		return err
	}
	approver, err := l.user(ctx, sub.Approver)
	if err != nil {
		return err
	}
	substitute, err := l.user(ctx, sub.Substitute)
	if err != nil {
		return err
	}
	if err := CheckSubstitute(existing, sub, approver, substitute); err != nil {
		return err
	}
	sub.SetBy = by.Email
	return l.Store.PutSubstitute(ctx, sub)
}

// ClearSubstitute ends an approver's substitution.
func (l *Lifecycle) ClearSubstitute(ctx context.Context, by *store.User, agency, approver string) error {
	if !MayNameSubstitute(by, agency, approver) {
		return Errorf(CodeForbidden, "只有审批人本人或本机关的管理员可以取消代理。")
	}
	return l.Store.DeleteSubstitute(ctx, agency, approver)
}

// user reads a user; nil when there is none.
func (l *Lifecycle) user(ctx context.Context, email string) (*store.User, error) {
	u, err := l.Store.GetUser(ctx, email)
	if store.IsNotFound(err) {
		return nil, nil
	}
	return u, err
}

// OpenTo is Open for one recipient of a: a link the approval was reassigned away from
// says so, to whom and why.
func OpenTo(a *store.Approval, email string, now time.Time) (bool, string) {
	if r, ok := a.RecipientNamed(email); ok && r.Reassigned != nil && a.State == store.ApprovalPending {
		m := r.Reassigned
		return false, fmt.Sprintf("本级审批已由管理员 %s 于 %s（北京时间）改派给 %s，原因：%s。这个链接已失效。", m.By, render.DateTime(m.At), m.To, m.Reason)
	}
	return Open(a, now)
}

// ReassignInput is an admin's move of a pending approval.
type ReassignInput struct {
	By     *store.User
	To     string
	Reason string
	IP     string
	// SecretHash is the hash of the new approver's link secret (links.Keyring's).
	SecretHash string
}

// MayReassign reports whether u may reassign the approvals of agency: its admin.
func MayReassign(u *store.User, agency string) bool {
	return u != nil && u.Agency == agency && u.Has(store.RoleAdmin)
}

// Reassign moves a pending approval to another approver of its agency, with a reason:
// the old links stop deciding at once, and the returned approval holds the new
// approver's recipient (whose link the caller mails). The new approver must be one who
// may decide it (separation of duties).
func (l *Lifecycle) Reassign(ctx context.Context, a *store.Approval, in ReassignInput) (*store.Approval, error) {
	if !MayReassign(in.By, a.Agency) {
		return nil, Errorf(CodeForbidden, "只有本机关的管理员可以改派审批。")
	}
	if open, why := Open(a, l.Store.Now()); !open {
		return nil, &Error{Code: CodeConflict, Message: why}
	}
	to := key(in.To)
	reason := strings.TrimSpace(in.Reason)
	if reason == "" {
		return nil, Errorf(CodeUnprocessable, "改派须填写原因。")
	}
	if utf8.RuneCountInString(reason) > MaxReasonLenReassign {
		return nil, Errorf(CodeUnprocessable, "改派原因不能超过 %d 字。", MaxReasonLenReassign)
	}
	u, err := l.user(ctx, to)
	if err != nil {
		return nil, err
	}
	if u == nil || u.Agency != a.Agency || !u.Has(store.RoleApprover) {
		return nil, Errorf(CodeUnprocessable, "%s 不是本机关的审批人。", to)
	}
	if len(a.Live()) == 1 && same(a.Live()[0].Email, to) {
		return nil, Errorf(CodeUnprocessable, "本级审批已经只由 %s 审批。", to)
	}
	// The new approver is checked as a recipient in their own name.
	probe := *a
	probe.Recipients = []store.Recipient{{Email: to}}
	if err := l.MayDecide(ctx, &probe, to); err != nil {
		if e, ok := AsError(err); ok && e.Code == CodeForbidden {
			return nil, Errorf(CodeUnprocessable, "不能改派给 %s：%s", to, e.Message)
		}
		return nil, err
	}
	var from []string
	for _, r := range a.Live() {
		from = append(from, store.ActorLabel(r.Email, r.For))
	}
	moved, err := l.Store.Reassign(ctx, a, store.Recipient{Email: to, SecretHash: in.SecretHash},
		store.Reassignment{To: to, Reason: reason, By: in.By.Email},
		store.AuditEntry{Actor: in.By.Email, Action: store.ActionReassign, Version: a.Version, Level: a.LevelName,
			Comment: fmt.Sprintf("由 %s 改派给 %s，原因：%s", strings.Join(from, "、"), to, reason), IP: in.IP})
	if err != nil {
		if store.IsConflict(err) {
			return nil, &Error{Code: CodeConflict, Message: "本级审批刚刚已有决定或已被改派，请刷新后再试。", Err: err}
		}
		return nil, err
	}
	return moved, nil
}

// Escalate offers a pending approval to its level's escalate_to after the last reminder,
// recorded; the returned approval holds the new recipient (whose link the caller mails,
// telling the original approvers). ok is false when there is nothing to escalate (no
// escalate_to, or escalated already).
func (l *Lifecycle) Escalate(ctx context.Context, a *store.Approval, level store.Level, secretHash string) (*store.Approval, bool, error) {
	to := key(level.EscalateTo)
	if to == "" || a.Escalated {
		return a, false, nil
	}
	if r, ok := a.RecipientNamed(to); ok && r.Reassigned == nil {
		return a, false, nil // escalate_to has this approval already
	}
	got, err := l.Store.Escalate(ctx, a, store.Recipient{Email: to, SecretHash: secretHash},
		store.AuditEntry{Actor: Actor, Action: store.ActionEscalate, Version: a.Version, Level: a.LevelName,
			Comment: fmt.Sprintf("第 %d 次催办后仍未审批，已提交 %s 审批", a.Reminders, to)})
	if err != nil {
		if store.IsConflict(err) {
			return nil, false, &Error{Code: CodeConflict, Message: "本级审批刚刚已有决定或已结束。", Err: err}
		}
		return nil, false, err
	}
	return got, true, nil
}

// MayFileByLink reports whether the person a review link names may open the filing
// copies of its version: an approver of the chain (MayFile), or anyone else a live link
// of the approval names — a substitute, the new approver of a reassignment, the
// escalation's address. A link the approval was reassigned away from opens nothing.
func MayFileByLink(a *store.Approval, email string, v *store.Version) bool {
	r, ok := a.RecipientNamed(email)
	if !ok || r.Reassigned != nil {
		return false
	}
	return MayFile(&store.User{Email: email}, v, nil) || (v != nil && v.Agency == a.Agency && v.Number == a.Version && v.Year == a.Year)
}
