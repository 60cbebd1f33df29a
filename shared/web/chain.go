package web

import (
	"fmt"
	"net/http"

	"nianbao/shared/render"
	"nianbao/shared/store"
)

// reviewChain is what an approver sees of the chain so far: each earlier level's
// decision on this version (who, when, the comment, the 保密审查 attestation), and what
// the approvers said when they returned earlier versions.
type reviewChain struct {
	Levels  []levelView // the levels before the approval's, in order
	Returns []timelineRow
}

func (s *Server) chainSoFar(r *http.Request, a *store.Approval, v *store.Version) (*reviewChain, error) {
	tl, err := s.Store.Timeline(r.Context(), a.Agency, a.Year)
	if err != nil {
		return nil, err
	}
	c := &reviewChain{}
	all := levels(&store.Report{Version: a.Version, Status: store.StatusInReview, Level: a.Level}, v.Chain, tl)
	for i := 0; i < int(a.Level) && i < len(all); i++ {
		c.Levels = append(c.Levels, all[i])
	}
	for i := len(tl) - 1; i >= 0; i-- { // newest first
		e := tl[i]
		if e.Version >= a.Version || e.Comment == "" || (e.Action != store.ActionReturn && e.Action != store.ActionOverdue) {
			continue
		}
		c.Returns = append(c.Returns, timelineRow{At: render.DateTime(e.At), Actor: actorName(e.Actor), Action: actionLabel(e.Action),
			Level: e.Level, Comment: e.Comment, Version: e.Version, Kind: e.Action})
	}
	if len(c.Levels) == 0 && len(c.Returns) == 0 {
		return nil, nil
	}
	return c, nil
}

// decidedMessage is the confirmation after a decision: whose report, and what happens
// next.
func (s *Server) decidedMessage(r *http.Request, a *store.Approval) string {
	name := ""
	if ag, err := s.Store.GetAgency(r.Context(), a.Agency); err == nil {
		name = ag.Name
	}
	what := fmt.Sprintf("%s%d 年度报告（第 %d 版）", name, a.Year, a.Version)
	if a.Decision == store.DecisionReturn {
		return "已退回" + what + "，已通知起草人按意见修改。可以关闭本页。"
	}
	next := ""
	if v, err := s.Store.GetVersion(r.Context(), a.Agency, a.Year, a.Version); err == nil && int(a.Level)+1 < len(v.Chain) {
		next = v.Chain[a.Level+1].Name
	}
	if next != "" {
		return "已同意" + what + "，已送" + next + "审批。可以关闭本页。"
	}
	return "已同意" + what + "。这是最后一级审批：报告即将公开发布，起草人会收到发布通知。可以关闭本页。"
}
