package filing

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"nianbao/shared/lifecycle"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// SheetTitle is the heading of the 审批单.
const SheetTitle = "政府信息公开工作年度报告审批单"

// Sheet is the 审批单 of one submitted version: which report it is, and each level of
// its approval chain in order with the decision taken there.
type Sheet struct {
	Title            string // the report's title
	Agency           string
	Year             int
	Version          int
	SHA256           string // of the version's report.json, as meta.json names it once published
	SubmittedBy      string
	SubmittedAt      time.Time
	CorrectionReason string
	Levels           []SheetLevel
	// Attestation is the 保密审查 sentence (lifecycle.Attestation).
	Attestation string
}

// SheetLevel is one level of the chain on the sheet.
type SheetLevel struct {
	Number    int // from 1
	Name      string
	Approvers []string
	// Result is the decision (同意, 退回) or where the level stands without one.
	Result   string
	Decided  bool
	By       string
	At       time.Time
	Comment  string
	Review   bool // the level requires the 保密审查 attestation
	Attested bool
	// Who ticked the attestation and when.
	AttestedBy string
	AttestedAt time.Time
}

// NewSheet reads a version's sheet from the version (its chain as it was at submission),
// its approvals by level (nil where none was requested) and the report's audit log.
func NewSheet(ag *store.Agency, v *store.Version, approvals []*store.Approval, tl []store.AuditEntry) (*Sheet, error) {
	doc, err := report.DecodeBytes(v.Document)
	if err != nil {
		return nil, fmt.Errorf("sheet of version %d: %w", v.Number, err)
	}
	js, err := render.ReportJSON(doc)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(js)
	s := &Sheet{
		Title: render.Title(doc.Agency, doc.Year), Agency: ag.Name, Year: v.Year, Version: v.Number,
		SHA256: hex.EncodeToString(sum[:]), SubmittedBy: v.SubmittedBy, SubmittedAt: v.SubmittedAt,
		CorrectionReason: v.CorrectionReason, Attestation: lifecycle.Attestation,
	}
	for i, l := range v.Chain {
		lv := SheetLevel{Number: i + 1, Name: l.Name, Approvers: l.Approvers, Review: l.ConfidentialityReview, Result: "未送审"}
		var a *store.Approval
		if i < len(approvals) {
			a = approvals[i]
		}
		if a != nil {
			switch a.State {
			case store.ApprovalDecided:
				lv.Result, lv.Decided, lv.By, lv.At, lv.Comment = a.Decision.Label(), true, a.DecidedLabel(), a.DecidedAt, a.Comment
				if a.Attested {
					lv.Attested, lv.AttestedBy, lv.AttestedAt = true, a.DecidedLabel(), a.DecidedAt
				}
			case store.ApprovalClosed:
				lv.Result = map[store.ClosedReason]string{
					store.ClosedOverdue: "逾期未审批", store.ClosedWithdrawn: "已撤回", store.ClosedEnded: "未审批（流程已结束）",
				}[a.ClosedReason]
				if lv.Result == "" {
					lv.Result = "未审批"
				}
			default:
				lv.Result = "待审批"
			}
		}
		// The audit log says who ticked the attestation and when.
		for _, e := range tl {
			if e.Action == store.ActionAttest && e.Version == v.Number && e.Level == l.Name {
				lv.Attested, lv.AttestedBy, lv.AttestedAt = true, e.ActorLabel(), e.At
			}
		}
		s.Levels = append(s.Levels, lv)
	}
	return s, nil
}

// Approved reports whether every level approved: the version went to publication.
func (s *Sheet) Approved() bool {
	for _, l := range s.Levels {
		if !l.Decided || l.Result != store.DecisionApprove.Label() {
			return false
		}
	}
	return len(s.Levels) > 0
}

// ApprovedAt is when the last level approved (zero when not every level did).
func (s *Sheet) ApprovedAt() time.Time {
	if !s.Approved() {
		return time.Time{}
	}
	return s.Levels[len(s.Levels)-1].At
}

// AttestationLine is what the sheet says about the 保密审查 of a level that requires it.
func (l SheetLevel) AttestationLine(sentence string) string {
	if !l.Attested {
		return "保密审查：本级须进行保密审查，尚未确认。"
	}
	return "保密审查：" + sentence + "（确认人：" + l.AttestedBy + "，" + DateTime(l.AttestedAt) + "，北京时间）"
}

// DateTime is a time as the sheet prints it, in 北京时间; "" for zero.
func DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return render.DateTime(t)
}

// SignatureLines are the lines left for the 主要领导 to sign the sheet.
var SignatureLines = []string{"主要领导审核意见", "签发人（签字）", "签发日期"}

// SheetDocx is the 审批单 as a Word document.
func SheetDocx(s *Sheet) ([]byte, error) {
	var w doc
	w.para("Title", SheetTitle, "", "")
	facts := [][2]string{
		{"报告名称", s.Title},
		{"机关", s.Agency},
		{"年度", strconv.Itoa(s.Year) + "年度"},
		{"版本", "第" + strconv.Itoa(s.Version) + "版"},
		{"提交人", s.SubmittedBy},
		{"提交时间（北京时间）", DateTime(s.SubmittedAt)},
	}
	if s.CorrectionReason != "" {
		facts = append(facts, [2]string{"更正原因", s.CorrectionReason})
	}
	facts = append(facts, [2]string{"报告文件 SHA-256", s.SHA256[:32] + "\n" + s.SHA256[32:]})
	var rows [][]cellSpec
	for _, f := range facts {
		rows = append(rows, []cellSpec{{text: f[0], shade: true}, {text: f[1], align: "left"}})
	}
	w.table([]int{textWidth * 28 / 100, textWidth - textWidth*28/100}, rows, 0, 24)

	w.para("Caption", "审批记录", "", "")
	widths := []int{textWidth * 6 / 100, textWidth * 14 / 100, textWidth * 22 / 100, textWidth * 12 / 100, textWidth * 22 / 100}
	widths = append(widths, textWidth-sum(widths))
	rows = [][]cellSpec{{
		{text: "序号", shade: true}, {text: "审批环节", shade: true}, {text: "审批人", shade: true},
		{text: "审批结果", shade: true}, {text: "时间（北京时间）", shade: true}, {text: "审批意见", shade: true},
	}}
	for _, l := range s.Levels {
		by := l.By
		if by == "" {
			by = joinLines(l.Approvers)
		}
		rows = append(rows, []cellSpec{
			{text: strconv.Itoa(l.Number), keepNxt: l.Review}, {text: l.Name, keepNxt: l.Review}, {text: by, keepNxt: l.Review},
			{text: l.Result, keepNxt: l.Review}, {text: DateTime(l.At), keepNxt: l.Review}, {text: l.Comment, align: "left", keepNxt: l.Review},
		})
		if l.Review {
			rows = append(rows, []cellSpec{{}, {text: l.AttestationLine(s.Attestation), span: 5, align: "left"}})
		}
	}
	w.table(widths, rows, 1, 21)

	w.para("Caption", "主要领导审核签发", "", "")
	rows = nil
	heights := map[int]int{}
	for i, label := range SignatureLines {
		rows = append(rows, []cellSpec{{text: label, shade: true}, {}})
		heights[i] = 700
	}
	heights[0] = 1600
	w.tableH([]int{textWidth * 28 / 100, textWidth - textWidth*28/100}, rows, 0, 24, heights)
	return pack(w.b.Bytes(), SheetTitle+"："+s.Title)
}

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}

func joinLines(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += "\n"
		}
		out += s
	}
	return out
}
