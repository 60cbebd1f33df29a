package web

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"nianbao/shared/lifecycle"
	"nianbao/shared/links"
	"nianbao/shared/render"
	"nianbao/shared/store"
)

// An approver's own page: on the start page, 「待我审批」 lists every pending approval
// addressed to the signed-in approver, each opening its review page at /approvals/{id},
// a page that needs no mail: the session says who is asking, and the approval must name
// them among its recipients (ownApproval). The mailed /review/ links work as before.

// pagePath is the address of a target's review page: its mailed link, or the signed-in
// approver's own.
func (t *reviewTarget) pagePath() string {
	if t.secret == "" {
		return ownApprovalPath(t.approval.ID)
	}
	return links.ApprovalURL("", t.approval.ID, t.secret)
}

func ownApprovalPath(id string) string { return "/approvals/" + id }

// signedInApprover answers a request for /approvals/… without a session with the sign-in
// form, which returns here after signing in.
func (s *Server) signedInApprover(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, err := s.sessionUser(r); err != nil {
			if !store.IsNotFound(err) {
				s.internal(w, r, err)
				return
			}
			s.page(w, r, http.StatusUnauthorized, "home", homePage{layout: layout{Title: "登录"}, Error: "请先登录。", Next: returnPath(r)})
			return
		}
		h(w, r)
	}
}

// ownApproval is the target of /approvals/{id}: the approval, when the signed-in user is
// one of its recipients. Anything else looks like a link that does not work.
func (s *Server) ownApproval(r *http.Request, id string) (*reviewTarget, bool) {
	u, err := s.sessionUser(r)
	if err != nil || !links.ValidToken(id) {
		return nil, false
	}
	a, err := s.Store.GetApproval(r.Context(), id)
	if err != nil || !addressedTo(a, u.Email) {
		return nil, false
	}
	return &reviewTarget{approval: a, recipient: u.Email}, true
}

func addressedTo(a *store.Approval, email string) bool {
	for _, rc := range a.Recipients {
		if strings.EqualFold(rc.Email, email) {
			return true
		}
	}
	return false
}

// mineRow is one line of 「待我审批」 or of the reports the approver decided.
type mineRow struct {
	Agency   string
	Year     int
	Version  int
	Level    string
	Waiting  string // how long it has waited
	Href     string
	Decision string
	At       string
}

type minePage struct {
	layout
	Pending []mineRow
	Decided []mineRow
}

// approverHome is the start page of a signed-in approver.
func (s *Server) approverHome(w http.ResponseWriter, r *http.Request, u *store.User) {
	p := minePage{layout: layout{Title: "待我审批", User: u, SignOut: s.sessionCSRF(r, "signout")}}
	if u.Agency != "" {
		ag, err := s.Store.GetAgency(r.Context(), u.Agency)
		if err != nil && !store.IsNotFound(err) {
			s.internal(w, r, err)
			return
		}
		if ag != nil {
			p.AgencyName = ag.Name
			if p.Pending, p.Decided, err = s.approverRows(r.Context(), ag, u.Email); err != nil {
				s.internal(w, r, err)
				return
			}
		}
	}
	s.page(w, r, http.StatusOK, "mine", p)
}

// approverRows reads the agency's reports: the approvals waiting for this approver, and
// the decisions they took, newest first.
func (s *Server) approverRows(ctx context.Context, ag *store.Agency, email string) (pending, decided []mineRow, err error) {
	rs, err := s.Store.ListReports(ctx, ag.ID)
	if err != nil {
		return nil, nil, err
	}
	now := s.Store.Now()
	var decidedAt []time.Time
	for _, rp := range rs {
		if rp.Status == store.StatusInReview && rp.Level != store.NoLevel {
			a, err := s.Store.FindApproval(ctx, ag.ID, rp.Year, rp.Version, rp.Level)
			if err != nil && !store.IsNotFound(err) {
				return nil, nil, err
			}
			if a != nil && a.State == store.ApprovalPending && addressedTo(a, email) {
				if open, _ := lifecycle.Open(a, now); open {
					pending = append(pending, mineRow{Agency: ag.Name, Year: a.Year, Version: a.Version, Level: a.LevelName,
						Waiting: waited(now.Sub(a.Created)), Href: ownApprovalPath(a.ID)})
				}
			}
		}
		tl, err := s.Store.Timeline(ctx, ag.ID, rp.Year)
		if err != nil {
			return nil, nil, err
		}
		for _, e := range tl {
			if (e.Action == store.ActionApprove || e.Action == store.ActionReturn) && strings.EqualFold(e.Actor, email) {
				decided = append(decided, mineRow{Agency: ag.Name, Year: rp.Year, Version: e.Version, Level: e.Level,
					Decision: actionLabel(e.Action), At: render.DateTime(e.At)})
				decidedAt = append(decidedAt, e.At)
			}
		}
	}
	idx := make([]int, len(decided))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(i, j int) bool { return decidedAt[idx[i]].After(decidedAt[idx[j]]) })
	sorted := make([]mineRow, len(decided))
	for i, k := range idx {
		sorted[i] = decided[k]
	}
	return pending, sorted, nil
}

// waited says how long something has waited, as people say it.
func waited(d time.Duration) string {
	switch {
	case d < time.Hour:
		return fmt.Sprintf("%d 分钟", max(1, int(d/time.Minute)))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d 小时", int(d/time.Hour))
	default:
		return fmt.Sprintf("%d 天", int(d/(24*time.Hour)))
	}
}
