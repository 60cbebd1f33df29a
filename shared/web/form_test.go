package web

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"

	"nianbao/shared/report"
	"nianbao/shared/store"
)

var inputPattern = regexp.MustCompile(`<input id="([^"]+)" class="cell"[^>]*>`)
var attrPattern = regexp.MustCompile(`([a-z-]+)="([^"]*)"`)

// renderForm renders the drafting form of a document as the page does.
func renderForm(t *testing.T, doc *report.Document) string {
	t.Helper()
	var buf bytes.Buffer
	data := formPage{layout: layout{Title: "测试", User: &store.User{Email: "drafter@demo.local"}, AgencyName: doc.Agency, Wide: true},
		Edit: &editView{Agency: "demo", Year: doc.Year, Report: &store.Report{Status: store.StatusDraft},
			StatusText: "草稿", Form: buildForm(doc), ETag: `"r1"`, StatusHref: "/reports/demo/2025/status"}}
	if err := pageTemplates.ExecuteTemplate(&buf, "form.html", data); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// TestFormHasEveryCellOnce draws the form of both formats and finds every row × column of
// the format exactly once, with an accessible name made of the row's and the column's
// labels from shared/report, and every computed cell after the cells it adds.
func TestFormHasEveryCellOnce(t *testing.T) {
	for _, f := range report.Formats() {
		t.Run(f.ID, func(t *testing.T) {
			doc := prefill(f, "示例区应急管理局", f.FirstYear, nil)
			page := renderForm(t, doc)
			seen := map[string]int{} // path → position in the page
			attrs := map[string]map[string]string{}
			for i, m := range inputPattern.FindAllStringSubmatch(page, -1) {
				a := map[string]string{}
				for _, kv := range attrPattern.FindAllStringSubmatch(m[0], -1) {
					a[kv[1]] = html.UnescapeString(kv[2])
				}
				p := a["data-table"] + "." + a["data-row"] + "." + a["data-col"]
				if _, dup := seen[p]; dup {
					t.Errorf("cell %s drawn twice", p)
				}
				seen[p] = i
				attrs[p] = a
			}
			want := 0
			for _, tb := range f.Tables() {
				for _, r := range tb.Rows {
					for _, c := range r.Columns {
						want++
						p := tb.Key + "." + r.ID + "." + c.ID
						a, ok := attrs[p]
						if !ok {
							t.Errorf("cell %s missing", p)
							continue
						}
						label := a["aria-label"]
						if !strings.Contains(label, r.Label) || !strings.HasSuffix(label, c.Label) {
							t.Errorf("cell %s is named %q, want its row %q and column %q", p, label, r.Label, c.Label)
						}
						if a["value"] != "0" {
							t.Errorf("cell %s starts at %q, want 0", p, a["value"])
						}
						if a["id"] != "c-"+tb.Key+"-"+r.ID+"-"+c.ID {
							t.Errorf("cell %s has id %q", p, a["id"])
						}
					}
				}
			}
			if len(seen) != want {
				t.Errorf("%d cells drawn, the format has %d", len(seen), want)
			}
			// The totals: read only, and every addend earlier in the page.
			computed := 0
			for p, a := range attrs {
				sum, ok := a["data-sum"]
				if !ok {
					if _, ro := a["readonly"]; ro {
						t.Errorf("cell %s: read only without a sum", p)
					}
					continue
				}
				computed++
				for _, add := range strings.Fields(sum) {
					pos, ok := seen[add]
					if !ok || pos >= seen[p] {
						t.Errorf("cell %s adds %s, which is not drawn before it", p, add)
					}
				}
			}
			// 总计 column of table 三 (every row), the （七）总计 row's six applicant cells,
			// the 总计 of each row of table 四.
			if wantComputed := len(f.Requests.Rows) + len(f.ApplicantColumns) + len(f.Appeals.Rows); computed != wantComputed {
				t.Errorf("%d computed cells, want %d", computed, wantComputed)
			}
			// Every label the form prints comes from the format: the section headings too.
			for _, s := range f.Sections {
				if !strings.Contains(page, html.EscapeString(s.Heading)) {
					t.Errorf("section %q missing", s.Heading)
				}
			}
			if strings.Contains(page, "<script>") || strings.Contains(page, " style=") {
				t.Error("inline script or style: the CSP forbids them")
			}
		})
	}
}

func TestPrefill(t *testing.T) {
	f, _ := report.Lookup("gip-2021")
	last := prefill(f, "示例区应急管理局", 2024, nil)
	for col, n := range map[string]int64{"natural_person": 3, "commercial": 1} {
		last.Requests.Set("carried_forward", col, report.Int(n))
	}
	last.Proactive.Set("normative_docs", "in_force", report.Int(12))
	last.Proactive.Set("regulations", "in_force", report.Int(2))
	fillSums(last)

	doc := prefill(f, "示例区应急管理局", 2025, last)
	if doc.Year != 2025 || doc.Format != "gip-2021" {
		t.Fatalf("document %s %d", doc.Format, doc.Year)
	}
	for col, want := range map[string]string{"natural_person": "3", "commercial": "1", "research": "0", "total": "4"} {
		if got := doc.Requests.Get("carried_over", col).String(); got != want {
			t.Errorf("上年结转 %s = %s, want %s (last year's 结转下年度)", col, got, want)
		}
	}
	if got := doc.Proactive.Get("normative_docs", "in_force").String(); got != "12" {
		t.Errorf("现行有效件数 = %s, want last year's 12", got)
	}
	if got := doc.Proactive.Get("normative_docs", "issued").String(); got != "0" {
		t.Errorf("本年制发件数 = %s, want 0", got)
	}
	// The cross-year rules hold from the start; nothing is blank.
	for _, fd := range report.Validate(doc, last) {
		if strings.HasPrefix(fd.Rule, "crossyear.") || fd.Rule == report.RuleCellBlank {
			t.Errorf("prefilled report: %s %s", fd.Rule, fd.Message)
		}
	}

	// From a gip-2019 report only the carried-over requests come across.
	f19, _ := report.Lookup("gip-2019")
	old := prefill(f19, "示例区应急管理局", 2020, nil)
	old.Requests.Set("carried_forward", "natural_person", report.Int(2))
	doc = prefill(f, "示例区应急管理局", 2021, old)
	if got := doc.Requests.Get("carried_over", "natural_person").String(); got != "2" {
		t.Errorf("上年结转 from gip-2019 = %s, want 2", got)
	}
	if got := doc.Proactive.Get("regulations", "in_force").String(); got != "0" {
		t.Errorf("现行有效件数 from gip-2019 = %s, want 0 (gip-2019 has no such column)", got)
	}
}
