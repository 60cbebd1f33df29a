package web

import (
	"bytes"
	"net/http"
	"strings"

	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// Before 提交审批 the form shows the saved draft as approvers and the public will read
// it, and who gets it next; the clerk confirms. The confirmation is the page's: the
// API's submit stays one call.

// previewPage is GET /reports/{agency}/{year}/preview: the saved draft as the published
// article, an HTML fragment the form puts in its confirmation dialog.
func (s *Server) previewPage(w http.ResponseWriter, r *http.Request) {
	rq, ok := s.reportRequest(w, r)
	if !ok {
		return
	}
	doc, err := report.DecodeBytes(rq.report.Draft)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if doc.Agency == "" {
		doc.Agency = rq.agency.Name
	}
	var b bytes.Buffer
	if err := render.Article(&b, doc, nil, render.PageOptions{AssetBase: "/assets/"}); err != nil {
		s.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(b.Bytes())
}

// levelWho names a level with its approvers: 「股室负责人（a@x、b@x）」.
func levelWho(l store.Level) string {
	if len(l.Approvers) == 0 {
		return l.Name
	}
	return l.Name + "（" + strings.Join(l.Approvers, "、") + "）"
}

// firstLevel is who a submission of the agency's report goes to first.
func firstLevel(ag *store.Agency) string {
	if len(ag.Chain) == 0 {
		return ""
	}
	return levelWho(ag.Chain[0])
}
