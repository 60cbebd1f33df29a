package web

import (
	"nianbao/shared/report"
)

// prefill makes the starting document of a new report: 0 in every cell (the practice
// for a case that did not occur; a blank would draw a warning on every cell), and, when
// last year's published report is at hand, the numbers that carry over from it:
//   - 二、上年结转 = last year's 四、结转下年度继续办理 (the crossyear.carried_over rule),
//   - gip-2021 现行有效件数 = last year's, a baseline the clerk adds 制发 to and takes
//     废止 from (the crossyear.in_force rule).
//
// The 总计 cells are filled with their sums so the draft is consistent as stored.
func prefill(f *report.Format, agency string, year int, prev *report.Document) *report.Document {
	doc := report.New(f, agency, year)
	for _, t := range f.Tables() {
		g := doc.Grid(t.Key)
		for _, r := range t.Rows {
			for _, c := range r.Columns {
				g.SetAt(r, c, report.Int(0))
			}
		}
	}
	if prev == nil || prev.Spec() == nil || prev.Requests == nil || prev.Proactive == nil {
		return doc
	}
	pf := prev.Spec()
	for _, c := range f.Requests.Columns {
		pc := pf.Requests.Column(c.ID)
		if pc == nil {
			continue
		}
		if n, ok := prev.Requests.At(pf.RequestsForward, pc).Int(); ok && n >= 0 {
			doc.Requests.SetAt(f.RequestsCarried, c, report.Int(n))
		}
	}
	if inForce := f.Proactive.Column("in_force"); inForce != nil && pf.Proactive.Column("in_force") != nil {
		for _, r := range f.Proactive.Rows {
			pr := pf.Proactive.Row(r.ID)
			if !r.Has(inForce) || pr == nil || !pr.Has(pf.Proactive.Column("in_force")) {
				continue
			}
			if n, ok := prev.Proactive.At(pr, pf.Proactive.Column("in_force")).Int(); ok && n >= 0 {
				doc.Proactive.SetAt(r, inForce, report.Int(n))
			}
		}
	}
	fillSums(doc)
	return doc
}

// fillSums writes the computed cells of a document (the form's totals) from their
// addends, in page order as the form's script does: the （七）总计 × 总计 cell adds cells
// computed before it. A sum over a cell that is not an integer is left alone; the
// validator names that cell.
func fillSums(doc *report.Document) {
	f := doc.Spec()
	comp := computedCells(f)
	for _, t := range []*report.Table{f.Requests, f.Appeals} {
		g := doc.Grid(t.Key)
		for _, r := range t.Rows {
			for _, c := range r.Columns {
				addends, ok := comp[cellKey{r, c}]
				if !ok {
					continue
				}
				var sum int64
				valid := true
				for _, a := range addends {
					v := g.At(a.row, a.col)
					if v.Blank() {
						continue
					}
					n, ok := v.Int()
					if !ok {
						valid = false
						break
					}
					sum += n
				}
				if valid {
					g.SetAt(r, c, report.Int(sum))
				}
			}
		}
	}
}

// markPrefilled marks the form's cells that hold what prefill carried over from last
// year's published report (上年结转, 现行有效件数), so that the clerk checks them rather
// than taking them for their own typing. A cell the clerk changed is theirs.
func markPrefilled(fv *formView, doc, prev *report.Document) {
	if prev == nil || doc.Spec() == nil {
		return
	}
	f := doc.Spec()
	carried := prefill(f, doc.Agency, doc.Year, prev)
	zero := prefill(f, doc.Agency, doc.Year, nil)
	for _, s := range fv.Sections {
		if s.Table == nil {
			continue
		}
		for _, b := range s.Table.Blocks {
			for _, row := range b.Rows {
				for i := range row {
					in := row[i].Input
					if in == nil || in.Computed || (in.Table != "requests" && in.Col != "in_force") {
						continue
					}
					if in.Table == "requests" && in.Row != f.RequestsCarried.ID {
						continue
					}
					t := f.Table(in.Table)
					r, c := t.Row(in.Row), t.Column(in.Col)
					if r == nil || c == nil || zero.Grid(t.Key).At(r, c).String() == carried.Grid(t.Key).At(r, c).String() {
						continue // nothing came from last year here
					}
					if in.Value == carried.Grid(t.Key).At(r, c).String() {
						in.Prefilled = true
						s.Table.HasPrefilled = true
					}
				}
			}
		}
	}
}
