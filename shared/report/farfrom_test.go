package report

import (
	"math/rand/v2"
	"testing"
)

// The case of cell.far_from_last_year, run by TestRules on both formats.
func init() {
	ruleCases = append(ruleCases, ruleCase{
		name: "a number ten times last year's", rule: RuleFarFromLastYear, previous: true, wantSev: SeverityWarning,
		breakIt: func(d, prev *Document) {
			set(prev.Appeals, "review", "upheld", 12)
			old, _ := d.Appeals.Get("review", "upheld").Int()
			set(d.Appeals, "review", "upheld", 1200)
			add(d.Appeals, "review", "total", 1200-old) // table 四 still adds up
		},
		wantPath: "appeals.review.upheld", wantExpected: "12", wantActual: "1200",
		wantInMsg: []string{"行政复议", "结果维持", "1200", "上年为 12", "10 倍"},
	})
}

// TestFarFromLastYearSkipsAndConverts: blank cells on either side, small numbers and
// amounts equal once in one unit are not questioned; an amount far from last year's in
// this year's unit is.
func TestFarFromLastYearSkipsAndConverts(t *testing.T) {
	for _, f := range Formats() {
		t.Run(f.ID, func(t *testing.T) {
			d := consistent(f, rand.New(rand.NewPCG(5, 6)))
			prev := lastYear(d)
			row := amountRow(d)
			far := func() []Finding { return findingsOf(Validate(d, prev), RuleFarFromLastYear) }

			set(prev.Appeals, "review", "pending", 1) // 1 against 30: 30 times, but 29 apart
			set(d.Appeals, "review", "pending", 30)
			add(d.Appeals, "review", "total", 30)
			if err := prev.Appeals.Set("review", "corrected", Cell{}); err != nil { // blank last year
				t.Fatal(err)
			}
			if fs := far(); len(fs) != 0 {
				t.Fatalf("questioned: %+v", fs)
			}

			// 50 万元 last year, 500000 元 this year: the same amount.
			prev.Units = map[string]string{"proactive." + row + ".amount": "万元"}
			if err := prev.Proactive.Set(row, "amount", mustCell("50")); err != nil {
				t.Fatal(err)
			}
			d.Units = map[string]string{"proactive." + row + ".amount": "元"}
			if err := d.Proactive.Set(row, "amount", mustCell("500000")); err != nil {
				t.Fatal(err)
			}
			if fs := far(); len(fs) != 0 {
				t.Fatalf("the same amount in two units questioned: %+v", fs)
			}
			// 5 万元 last year, 600000 元 this year: twelve times as much.
			if err := prev.Proactive.Set(row, "amount", mustCell("5")); err != nil {
				t.Fatal(err)
			}
			if err := d.Proactive.Set(row, "amount", mustCell("600000")); err != nil {
				t.Fatal(err)
			}
			fs := far()
			if len(fs) != 1 || fs[0].Path != "proactive."+row+".amount" {
				t.Fatalf("an amount twelve times last year's: %+v", fs)
			}
		})
	}
}
