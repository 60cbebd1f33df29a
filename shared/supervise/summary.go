package supervise

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"nianbao/shared/report"
	"nianbao/shared/store"
)

// Published is a unit's latest published report of a year.
type Published struct {
	Unit store.Unit
	Doc  *report.Document
}

// PublishedBelow reads the latest published report of a year of every unit below gov
// (gov's own report is not one of them); missing lists the units without one.
func PublishedBelow(ctx context.Context, st Store, gov string, year int) (pubs []Published, missing []string, err error) {
	units, err := Below(ctx, st, gov)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range units {
		rp, err := st.GetReport(ctx, u.ID, year)
		if store.IsNotFound(err) || (err == nil && rp.PublishedVersion == 0) {
			missing = append(missing, u.ID)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		v, err := st.GetVersion(ctx, u.ID, year, rp.PublishedVersion)
		if err != nil {
			return nil, nil, err
		}
		doc, err := report.DecodeBytes(v.Document)
		if err != nil {
			return nil, nil, fmt.Errorf("supervise: published report of %s/%d: %w", u.ID, year, err)
		}
		pubs = append(pubs, Published{Unit: u, Doc: doc})
	}
	return pubs, missing, nil
}

// Part is one unit's number in a cell of the summary.
type Part struct {
	Agency string `json:"agency"`
	Value  string `json:"value"`
}

// Summary is the 汇总 of a year: the sum of every number of tables 二, 三 and 四 over
// the published reports of the units below, as a report document of the year's format.
type Summary struct {
	Unit          string            `json:"unit"`
	Year          int               `json:"year"`
	Document      *report.Document  `json:"document"`
	UnitsIncluded []string          `json:"units_included"`
	UnitsMissing  []string          `json:"units_missing"`
	Findings      []report.Finding  `json:"findings"`
	Parts         map[string][]Part `json:"parts"` // cell path → the units' numbers that make it up
	Formats       map[string]string `json:"-"`
}

// Summarize adds up the published reports. A report of another format than the year's
// cannot be added cell by cell: it is counted missing.
func Summarize(gov *store.Agency, year int, pubs []Published, missing []string) *Summary {
	f := report.ForYear(year)
	s := &Summary{Unit: gov.ID, Year: year, Document: report.New(f, gov.Name+"（汇总）", year),
		UnitsIncluded: []string{}, UnitsMissing: append([]string{}, missing...), Parts: map[string][]Part{}}
	sums := map[string]*big.Rat{}
	decimals := map[string]int{}
	for _, p := range pubs {
		if p.Doc.Format != f.ID {
			s.UnitsMissing = append(s.UnitsMissing, p.Unit.ID)
			continue
		}
		s.UnitsIncluded = append(s.UnitsIncluded, p.Unit.ID)
		EachCell(f, func(t *report.Table, r *report.Row, c *report.Column) {
			cell := p.Doc.Grid(t.Key).At(r, c)
			if cell.Blank() {
				return
			}
			v, ok := new(big.Rat).SetString(cell.String())
			if !ok {
				return
			}
			path := CellPath(t, r, c)
			if sums[path] == nil {
				sums[path] = new(big.Rat)
			}
			sums[path].Add(sums[path], v)
			if i := strings.IndexByte(cell.String(), '.'); i >= 0 && len(cell.String())-i-1 > decimals[path] {
				decimals[path] = len(cell.String()) - i - 1
			}
			s.Parts[path] = append(s.Parts[path], Part{Agency: p.Unit.ID, Value: cell.String()})
		})
	}
	EachCell(f, func(t *report.Table, r *report.Row, c *report.Column) {
		path := CellPath(t, r, c)
		sum := sums[path]
		if sum == nil {
			sum = new(big.Rat) // a cell no unit filled is 0 in the sum
		}
		cell, err := report.ParseCell(sum.FloatString(decimals[path]))
		if err == nil {
			s.Document.Grid(t.Key).SetAt(r, c, cell)
		}
	})
	s.Findings = report.Validate(s.Document, nil)
	return s
}

// HardFindings are the summary's findings that break hard rules (the text sections,
// empty by design, are not among them).
func (s *Summary) HardFindings() []report.Finding {
	var out []report.Finding
	for _, f := range s.Findings {
		if f.Severity == report.SeverityError && f.Rule != report.RuleSectionsRequired {
			out = append(out, f)
		}
	}
	return out
}

// EachCell calls fn for every cell of tables 二, 三 and 四 of a format, in printed order.
func EachCell(f *report.Format, fn func(t *report.Table, r *report.Row, c *report.Column)) {
	for _, t := range []*report.Table{f.Proactive, f.Requests, f.Appeals} {
		for _, r := range t.Rows {
			for _, c := range r.Columns {
				fn(t, r, c)
			}
		}
	}
}

// CellPath is a cell's path in a report document ("requests.new.natural_person").
func CellPath(t *report.Table, r *report.Row, c *report.Column) string {
	return t.Key + "." + r.ID + "." + c.ID
}

// CellLabel names a cell as the official format labels it.
func CellLabel(t *report.Table, r *report.Row, c *report.Column) string {
	if t.Key == "proactive" {
		return r.Block.Heading + " " + r.Label + " " + c.Label
	}
	if t.OneLine {
		return r.FullLabel() + " " + c.Label
	}
	return r.FullLabel() + " / " + c.Label
}
