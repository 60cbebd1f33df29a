package web

import (
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
	all := levels(&store.Report{Version: a.Version, Status: store.StatusInReview}, v.Chain, tl)
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
