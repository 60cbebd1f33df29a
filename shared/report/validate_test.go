package report

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestFixtures(t *testing.T) {
	tests := []struct {
		file      string
		wantRules []string // the rules of the findings, in order
	}{
		{"sample-2021.json", nil},
		// The real 2020 report left tables 三 and 四 empty: one warning per table.
		{"chaoyang-emergency-2020.json", []string{RuleCellBlank, RuleCellBlank}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			res := Check(readFixture(t, tt.file), nil)
			if !res.Valid {
				t.Errorf("valid = false, findings %+v", res.Findings)
			}
			var got []string
			for _, f := range res.Findings {
				got = append(got, f.Rule)
			}
			if !slices.Equal(got, tt.wantRules) {
				t.Errorf("rules = %v, want %v", got, tt.wantRules)
			}
		})
	}
	res := Check(readFixture(t, "chaoyang-emergency-2020.json"), nil)
	if p := res.Findings[0].Path; p != "requests" {
		t.Errorf("first blank warning path = %q, want requests", p)
	}
	if p := res.Findings[1].Path; p != "appeals" {
		t.Errorf("second blank warning path = %q, want appeals", p)
	}
}

// ruleCase breaks one rule on a consistent report. Every case is run on both formats
// unless only says otherwise; "holds" is checked on the same report before breaking it.
type ruleCase struct {
	name     string
	rule     string
	only     string // format id, when the rule exists in one format only
	previous bool   // run with last year's report
	breakIt  func(d, prev *Document)
	wantPath string
	wantSev  Severity
	// wantExpected/wantActual, when set, are compared with the finding's values.
	wantExpected, wantActual any
	wantInMsg                []string
}

func set(g *Grid, row, col string, n int64) {
	if err := g.Set(row, col, Int(n)); err != nil {
		panic(err)
	}
}

func add(g *Grid, row, col string, delta int64) {
	n, _ := g.Get(row, col).Int()
	set(g, row, col, n+delta)
}

var ruleCases = []ruleCase{
	{
		name: "row total one too many", rule: RuleRowTotal, wantSev: SeverityError,
		breakIt:  func(d, _ *Document) { add(d.Requests, "granted", "total", 1) },
		wantPath: "requests.granted.total", wantInMsg: []string{"（一）予以公开", "总计", "多了 1"},
	},
	{
		name: "row total one too few", rule: RuleRowTotal, wantSev: SeverityError,
		breakIt: func(d, _ *Document) {
			set(d.Requests, "denied_state_secret", "commercial", 3)
			set(d.Requests, "denied_state_secret", "total", 0)
		},
		wantPath: "requests.denied_state_secret.total", wantInMsg: []string{"（三）不予公开 1.属于国家秘密", "少了"},
	},
	{
		name: "result total", rule: RuleResultTotal, wantSev: SeverityError,
		breakIt: func(d, _ *Document) {
			// Move one application from a result row into nowhere, keeping the row total.
			add(d.Requests, "declined_repeat", "natural_person", 1)
			add(d.Requests, "declined_repeat", "total", 1)
		},
		wantPath: "requests.total.natural_person", wantInMsg: []string{"（七）总计", "自然人", "少了 1"},
	},
	{
		name: "balance", rule: RuleBalance, wantSev: SeverityError,
		breakIt: func(d, _ *Document) {
			add(d.Requests, "carried_forward", "research", 2)
			add(d.Requests, "carried_forward", "total", 2)
		},
		wantPath: "requests.carried_forward.research", wantInMsg: []string{"科研机构", "相差 2"},
	},
	{
		name: "appeals total", rule: RuleAppealsTotal, wantSev: SeverityError,
		breakIt:  func(d, _ *Document) { add(d.Appeals, "litigation_after_review", "pending", 1) },
		wantPath: "appeals.litigation_after_review.total", wantInMsg: []string{"行政诉讼 复议后起诉", "少了 1"},
	},
	{
		name: "negative count", rule: RuleCellType, wantSev: SeverityError,
		breakIt:  func(d, _ *Document) { set(d.Requests, "new", "legal_service", -1) },
		wantPath: "requests.new.legal_service", wantActual: "-1", wantInMsg: []string{"法律服务机构", "非负整数"},
	},
	{
		name: "fraction in a count", rule: RuleCellType, wantSev: SeverityError,
		breakIt: func(d, _ *Document) {
			if err := d.Appeals.Set("review", "upheld", mustCell("1.5")); err != nil {
				panic(err)
			}
		},
		wantPath: "appeals.review.upheld", wantActual: "1.5",
	},
	{
		name: "number too large", rule: RuleCellType, wantSev: SeverityError,
		breakIt: func(d, _ *Document) {
			if err := d.Proactive.Set("penalty", "decisions", mustCell("12345678901234567")); err != nil {
				panic(err)
			}
		},
		wantPath: "proactive.penalty.decisions",
	},
	{
		name: "negative amount", rule: RuleCellType, wantSev: SeverityError,
		breakIt: func(d, _ *Document) {
			row := "fees"
			if d.Format == "gip-2019" {
				row = "procurement"
			}
			if err := d.Proactive.Set(row, "amount", mustCell("-0.5")); err != nil {
				panic(err)
			}
		},
		wantExpected: "非负金额", wantActual: "-0.5",
	},
	{
		name: "missing agency", rule: RuleDocumentShape, wantSev: SeverityError,
		breakIt: func(d, _ *Document) { d.Agency = "  " }, wantPath: "agency",
	},
	{
		name: "missing year", rule: RuleDocumentShape, wantSev: SeverityError,
		breakIt: func(d, _ *Document) { d.Year = 0 }, wantPath: "year",
	},
	{
		name: "unknown format", rule: RuleDocumentShape, wantSev: SeverityError,
		breakIt: func(d, _ *Document) { d.Format = "gip-2030" }, wantPath: "format", wantActual: "gip-2030",
	},
	{
		name: "table laid out for the other format", rule: RuleDocumentShape, wantSev: SeverityError,
		breakIt: func(d, _ *Document) {
			other := Formats()[0]
			if other.ID == d.Format {
				other = Formats()[1]
			}
			d.Requests = NewGrid(other.Requests)
		},
		wantPath: "requests",
	},
	{
		name: "empty overview", rule: RuleSectionsRequired, wantSev: SeverityError,
		breakIt: func(d, _ *Document) { d.Sections.Overview = " \n " }, wantPath: "sections.overview",
		wantInMsg: []string{"一、总体情况"},
	},
	{
		name: "empty problems", rule: RuleSectionsRequired, wantSev: SeverityError,
		breakIt: func(d, _ *Document) { d.Sections.Problems = "" }, wantPath: "sections.problems",
	},
	{
		name: "blank cell", rule: RuleCellBlank, wantSev: SeverityWarning,
		breakIt: func(d, _ *Document) {
			if err := d.Requests.Set("declined_mass", "other_org", Cell{}); err != nil {
				panic(err)
			}
		},
		wantPath: "requests.declined_mass.other_org", wantInMsg: []string{"4.无正当理由大量反复申请", "其他"},
	},
	{
		name: "blank table", rule: RuleCellBlank, wantSev: SeverityWarning,
		breakIt:  func(d, _ *Document) { d.Appeals = NewGrid(d.Spec().Appeals) },
		wantPath: "appeals",
	},
	{
		name: "format of the wrong year", rule: RuleFormatYear, wantSev: SeverityWarning,
		breakIt: func(d, _ *Document) {
			if d.Format == "gip-2019" {
				d.Year = 2023
			} else {
				d.Year = 2020
			}
		},
		wantPath: "format",
	},
	{
		name: "overview too long", rule: RuleOverviewLength, only: "gip-2021", wantSev: SeverityWarning,
		breakIt:  func(d, _ *Document) { d.Sections.Overview = strings.Repeat("字", 1001) },
		wantPath: "sections.overview", wantExpected: 1000, wantActual: 1001,
	},
	{
		name: "fees not reported", rule: RuleFeeReport, only: "gip-2021", wantSev: SeverityWarning,
		breakIt:  func(d, _ *Document) { d.Sections.Other = "无其他需要报告的事项。" },
		wantPath: "sections.other",
	},
	{
		name: "carried over differs from last year", rule: RuleCrossCarriedOver, previous: true, wantSev: SeverityWarning,
		breakIt: func(_, prev *Document) {
			add(prev.Requests, "carried_forward", "social_welfare", 1)
		},
		wantPath: "requests.carried_over.social_welfare", wantInMsg: []string{"社会公益组织", "上年"},
	},
	{
		name: "in force does not reconcile", rule: RuleCrossInForce, only: "gip-2021", previous: true, wantSev: SeverityWarning,
		breakIt:  func(_, prev *Document) { add(prev.Proactive, "normative_docs", "in_force", 2) },
		wantPath: "proactive.normative_docs.in_force", wantInMsg: []string{"行政规范性文件", "少了 2"},
	},
}

func TestRules(t *testing.T) {
	covered := map[string]bool{}
	for _, f := range Formats() {
		for _, tc := range ruleCases {
			if tc.only != "" && tc.only != f.ID {
				continue
			}
			covered[tc.rule+"/"+f.ID] = true
			t.Run(f.ID+"/"+tc.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, uint64(len(tc.name))))
				d := consistent(f, rng)
				var prev *Document
				if tc.previous {
					prev = lastYear(d)
				}
				if fs := findingsOf(Validate(d, prev), tc.rule); len(fs) > 0 {
					t.Fatalf("holds: rule %s fired on a consistent report: %+v", tc.rule, fs)
				}
				tc.breakIt(d, prev)
				fs := findingsOf(Validate(d, prev), tc.rule)
				if len(fs) == 0 {
					t.Fatalf("broken: no %s finding; all findings: %+v", tc.rule, Validate(d, prev))
				}
				got := fs[0]
				if got.Severity != tc.wantSev {
					t.Errorf("severity = %s, want %s", got.Severity, tc.wantSev)
				}
				if tc.wantPath != "" && got.Path != tc.wantPath {
					t.Errorf("path = %q, want %q", got.Path, tc.wantPath)
				}
				if tc.wantExpected != nil && fmt.Sprint(got.Expected) != fmt.Sprint(tc.wantExpected) {
					t.Errorf("expected = %v, want %v", got.Expected, tc.wantExpected)
				}
				if tc.wantActual != nil && fmt.Sprint(got.Actual) != fmt.Sprint(tc.wantActual) {
					t.Errorf("actual = %v, want %v", got.Actual, tc.wantActual)
				}
				for _, s := range tc.wantInMsg {
					if !strings.Contains(got.Message, s) {
						t.Errorf("message %q does not mention %q", got.Message, s)
					}
				}
				if got.Message == "" || !containsHan(got.Message) {
					t.Errorf("message %q is not a Chinese sentence", got.Message)
				}
			})
		}
	}
	// Every rule of the spec is exercised, in every format it applies to.
	for _, r := range Rules {
		for _, f := range Formats() {
			if !covered[r.ID+"/"+f.ID] && !gip2021Only(r.ID) {
				t.Errorf("rule %s has no case for %s", r.ID, f.ID)
			}
		}
		if gip2021Only(r.ID) && !covered[r.ID+"/gip-2021"] {
			t.Errorf("rule %s has no case for gip-2021", r.ID)
		}
	}
}

func gip2021Only(rule string) bool {
	return rule == RuleOverviewLength || rule == RuleFeeReport || rule == RuleCrossInForce || rule == RuleLegacyRow
}

// The gip-2021-only rules stay silent on gip-2019 reports that would break them.
func TestRulesOfOneFormatOnly(t *testing.T) {
	f, _ := Lookup("gip-2019")
	d := consistent(f, rand.New(rand.NewPCG(3, 4)))
	d.Sections.Overview = strings.Repeat("字", 1500)
	d.Sections.Other = ""
	for _, fd := range Validate(d, nil) {
		if gip2021Only(fd.Rule) {
			t.Errorf("gip-2019 report got %s: %s", fd.Rule, fd.Message)
		}
	}
}

func TestBlankCountsAsZero(t *testing.T) {
	f, _ := Lookup("gip-2021")
	d := New(f, "某局", 2022)
	d.Sections = Sections{Overview: "概况", Problems: "问题", Other: "未收取信息处理费"}
	set(d.Requests, "new", "natural_person", 2)
	set(d.Requests, "new", "total", 2)
	set(d.Requests, "granted", "natural_person", 2)
	set(d.Requests, "granted", "total", 2)
	set(d.Requests, "total", "natural_person", 2)
	set(d.Requests, "total", "total", 2)
	res := Check(d, nil)
	if !res.Valid {
		t.Fatalf("a report whose blanks are zeros is consistent, got %+v", res.Findings)
	}
	if len(findingsOf(res.Findings, RuleCellBlank)) == 0 {
		t.Error("blank cells were not warned about")
	}
}

func TestFindingsInPrintedOrder(t *testing.T) {
	f, _ := Lookup("gip-2021")
	d := consistent(f, rand.New(rand.NewPCG(5, 6)))
	d.Sections.Problems = ""                       // 五
	add(d.Appeals, "review", "total", 1)           // 四
	add(d.Requests, "carried_forward", "total", 1) // 三, last row
	add(d.Requests, "new", "total", 2)             // 三, first row
	set(d.Proactive, "penalty", "decisions", -2)   // 二
	d.Sections.Overview = ""                       // 一
	d.Sections.Other = "无"                         // 六
	var paths []string
	for _, fd := range Validate(d, nil) {
		paths = append(paths, fd.Path)
	}
	want := []string{
		"sections.overview",
		"proactive.penalty.decisions",
		"requests.new.total",
		"requests.carried_forward.total", // row total of the last row …
		"requests.carried_forward.total", // … then the balance of its total column
		"appeals.review.total",
		"sections.problems",
		"sections.other",
	}
	if !slices.Equal(paths, want) {
		t.Errorf("paths in order:\n got %v\nwant %v", paths, want)
	}
}

// Property: on a consistent report of either format, changing any single cell of tables
// 三 or 四 by any non-zero amount gives at least one error whose path names the cell's
// row or column.
func TestSingleCellChangeIsCaught(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, f := range Formats() {
		for trial := 0; trial < 20; trial++ {
			base := consistent(f, rng)
			if fs := Validate(base, nil); len(fs) != 0 {
				t.Fatalf("%s: generated report is not consistent: %+v", f.ID, fs)
			}
			for _, t3 := range []*Table{f.Requests, f.Appeals} {
				for _, r := range t3.Rows {
					for _, c := range r.Columns {
						delta := rng.Int64N(20) + 1
						if rng.IntN(2) == 0 {
							delta = -delta
						}
						d := base.Clone()
						g := d.Grid(t3.Key)
						n, _ := g.At(r, c).Int()
						g.SetAt(r, c, Int(n+delta))
						if !caught(Validate(d, nil), t3.Key, r.ID, c.ID) {
							t.Fatalf("%s: %s.%s.%s changed by %d from %d: no error naming its row or column; findings %+v",
								f.ID, t3.Key, r.ID, c.ID, delta, n, Validate(d, nil))
						}
					}
				}
			}
		}
	}
}

func caught(fs []Finding, table, row, col string) bool {
	for _, f := range fs {
		if f.Severity != SeverityError {
			continue
		}
		parts := strings.Split(f.Path, ".")
		if len(parts) == 3 && parts[0] == table && (parts[1] == row || parts[2] == col) {
			return true
		}
	}
	return false
}

func findingsOf(fs []Finding, rule string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func BenchmarkValidate(b *testing.B) {
	d := readFixture(b, "sample-2021.json")
	prev := lastYear(d)
	b.ReportAllocs()
	for b.Loop() {
		if fs := Validate(d, prev); len(fs) != 0 {
			b.Fatal(fs)
		}
	}
}
