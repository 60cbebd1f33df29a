package local_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"nianbao/infra/local"
	"nianbao/infra/stack"
	"nianbao/shared/app"
	"nianbao/shared/approval"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
	"nianbao/shared/supervise"
)

// otherGov is a second district, whose supervisor must see nothing of demo-gov's.
const otherGov = `
agencies:
  - id: other-gov
    name: 另一区人民政府
    kind: government
    chain: [{ name: 办公室, approvers: [office@other-gov.local] }]
  - id: other-dept
    name: 另一区民政局
    parent: other-gov
    office_email: office@other-dept.local
    chain: [{ name: 办公室, approvers: [office@other-dept.local] }]
users:
  - { email: supervisor@other-gov.local, agency: other-gov, roles: [supervisor] }
  - { email: drafter@other-dept.local, agency: other-dept, roles: [drafter] }
`

// seeded resets the stack to the demo units with their reports of a year, and a second
// district beside them.
func seeded(t *testing.T, year int) *store.Store {
	t.Helper()
	s := fresh(t, string(local.DemoAgencies()), otherGov)
	if err := local.SeedDemoReports(context.Background(), st.Stack, year); err != nil {
		t.Fatal(err)
	}
	return s
}

// bj is a time in Beijing.
func bj(year int, month time.Month, day, hour int) time.Time {
	return time.Date(year, month, day, hour, 0, 0, 0, render.Beijing())
}

func hasFlag(r supervise.Row, rule string) bool {
	for _, f := range r.Flags {
		if f.Rule == rule {
			return true
		}
	}
	return false
}

func rowsByAgency(b *supervise.Board) map[string]supervise.Row {
	out := map[string]supervise.Row{}
	for _, r := range b.Units {
		out[r.Agency] = r
	}
	return out
}

// The hierarchy imported, and the board of the seeded units on a fixed clock: states,
// counts, due dates (the township's from its government's override) and days late.
func TestSuperviseBoardOnAFixedClock(t *testing.T) {
	const year = 2025
	s := seeded(t, year)
	ctx := context.Background()
	units, err := s.Units(ctx, "demo-gov")
	if err != nil {
		t.Fatal(err)
	}
	if len(units) != 5 {
		t.Fatalf("demo-gov's units: %+v", units)
	}
	gov, err := s.GetAgency(ctx, "demo-gov")
	if err != nil || gov.Kind != store.KindGovernment || gov.Due.Township != "01-15" {
		t.Fatalf("demo-gov: %+v %v", gov, err)
	}

	for _, tc := range []struct {
		now                time.Time
		townLeft, deptLeft int
		late               int
	}{
		{bj(year+1, 1, 20, 10), -5, 11, 1}, // the township is late, the departments have 11 days
		{bj(year+1, 2, 5, 23), -21, -5, 4}, // all but the published one are late
		{bj(year+1, 1, 31, 23), -16, 0, 1}, // the due day itself is not late
		{bj(year+1, 2, 1, 0), -17, -1, 4},  // the day after is
	} {
		b, err := supervise.BuildBoard(ctx, s.WithClock(func() time.Time { return tc.now }), gov, year, supervise.Options{Now: tc.now,
			ReportURL: func(a string, y int) string { return "https://site/" + a }})
		if err != nil {
			t.Fatal(err)
		}
		rows := rowsByAgency(b)
		want := map[string]struct {
			state string
			late  bool
			due   string
		}{
			"demo":         {"not_started", tc.deptLeft < 0, "2026-01-31"},
			"demo-finance": {"draft", tc.deptLeft < 0, "2026-01-31"},
			"demo-edu":     {"in_review", tc.deptLeft < 0, "2026-01-31"},
			"demo-health":  {"published", false, "2026-01-31"},
			"demo-town":    {"draft", true, "2026-01-15"},
		}
		for id, w := range want {
			r, ok := rows[id]
			if !ok {
				t.Fatalf("%v: no row of %s", tc.now, id)
			}
			if r.State != w.state || r.Late != w.late || r.Due != w.due {
				t.Errorf("%v: %s = %s late=%v due %s, want %s late=%v due %s", tc.now, id, r.State, r.Late, r.Due, w.state, w.late, w.due)
			}
		}
		if rows["demo-town"].DaysLeft != tc.townLeft || rows["demo"].DaysLeft != tc.deptLeft {
			t.Errorf("%v: days left: town %d dept %d, want %d %d", tc.now, rows["demo-town"].DaysLeft, rows["demo"].DaysLeft, tc.townLeft, tc.deptLeft)
		}
		if b.Counts["late"] != tc.late || b.Counts["draft"] != 2 || b.Counts["not_started"] != 1 || b.Counts["in_review"] != 1 || b.Counts["published"] != 1 {
			t.Errorf("%v: counts %v", tc.now, b.Counts)
		}
		if r := rows["demo-edu"]; r.Level != "办公室" || !hasFlag(r, report.RuleRepeated) {
			t.Errorf("demo-edu waits at %q with flags %+v", r.Level, r.Flags)
		}
		if r := rows["demo-finance"]; r.Errors == 0 || r.LastActivity == nil || r.LastActivity.By != "drafter@demo-finance.local" {
			t.Errorf("demo-finance: %+v", r)
		}
		if r := rows["demo-health"]; r.Errors != 0 || r.PublishedURL != "https://site/demo-health" {
			t.Errorf("demo-health: %+v", r)
		}
		if r := rows["demo"]; r.PublishedURL != "" || r.LastActivity != nil || r.Kind != "department" {
			t.Errorf("demo: %+v", r)
		}
	}
	// The default year: in January the last year is due; after 3月31日 it stays while a
	// unit has not published it.
	for _, tc := range []struct {
		now  time.Time
		want int
	}{{bj(2026, 1, 10, 9), 2025}, {bj(2026, 3, 31, 23), 2025}, {bj(2026, 12, 1, 9), 2025}, {bj(2027, 1, 2, 9), 2026}} {
		if y, err := supervise.DefaultYearOf(ctx, s, gov, tc.now); err != nil || y != tc.want {
			t.Errorf("default year on %v = %d %v, want %d", tc.now, y, err, tc.want)
		}
	}
	if y, _ := supervise.DefaultYear(bj(2026, 12, 1, 9), store.Due{}, func(int) (bool, error) { return false, nil }); y != 2026 {
		t.Errorf("default year once every unit published = %d", y)
	}
}

// The board as the supervisor's API gives it, and every refusal: another government's
// supervisor, a drafter, nobody signed in.
func TestSuperviseAccess(t *testing.T) {
	year := local.DemoYear(time.Now())
	seeded(t, year)
	sup := newClient(t, "supervisor@demo.local")
	sup.signIn()

	r := sup.api("GET", "/api/supervise/demo-gov", nil, nil)
	if r.status != http.StatusOK {
		t.Fatalf("board: %d %s", r.status, r.body)
	}
	var b struct {
		Unit   string         `json:"unit"`
		Year   int            `json:"year"`
		Counts map[string]int `json:"counts"`
		Units  []map[string]any
	}
	r.json(t, &b)
	if b.Unit != "demo-gov" || b.Year != year || len(b.Units) != 5 || b.Counts["published"] != 1 {
		t.Fatalf("board: %s", r.body)
	}
	for _, k := range []string{"agency", "name", "kind", "parent", "state", "state_label", "late", "level", "due", "days_left", "last_activity", "published_url", "errors", "warnings", "flags"} {
		if _, ok := b.Units[0][k]; !ok {
			t.Errorf("a unit of the board has no %q: %v", k, b.Units[0])
		}
	}
	if r := sup.api("GET", fmt.Sprintf("/api/supervise/demo-gov/%d/demo-edu", year), nil, nil); r.status != http.StatusOK || !strings.Contains(string(r.body), `"status":"in_review"`) {
		t.Errorf("a unit's report: %d %s", r.status, r.body)
	}
	if r := sup.do("GET", webURL(fmt.Sprintf("/supervise/demo-gov/%d/demo-finance", year)), nil, nil); r.status != http.StatusOK || !strings.Contains(string(r.body), "示例区财政局") {
		t.Errorf("a unit's page: %d", r.status)
	}
	// The filing copies of a unit's version, as its drafters and approvers have them;
	// not another district's supervisor.
	if r := sup.do("GET", webURL(fmt.Sprintf("/reports/demo-edu/%d/versions/1/approval", year)), nil, nil); r.status != http.StatusOK {
		t.Errorf("the supervisor's 审批单 of demo-edu: %d", r.status)
	}
	// Read-only: the drafters' API stays the drafters'.
	if r := sup.api("GET", fmt.Sprintf("/api/reports/demo-edu/%d", year), nil, nil); r.status != http.StatusForbidden {
		t.Errorf("the supervisor read a report through the drafters' API: %d", r.status)
	}
	if r := sup.save("demo-edu", year, sampleDoc(t, year), ""); r.status != http.StatusForbidden {
		t.Errorf("the supervisor saved a unit's draft: %d", r.status)
	}

	y := fmt.Sprint(year)
	routes := func(gov, unit string) [][3]string {
		return [][3]string{
			{"GET", "/api/supervise/" + gov, ""},
			{"GET", "/api/supervise/" + gov + "/" + y, ""},
			{"POST", "/api/supervise/" + gov + "/" + y + "/remind", `{"units":["` + unit + `"]}`},
			{"GET", "/api/supervise/" + gov + "/" + y + "/export.xlsx", ""},
			{"GET", "/api/supervise/" + gov + "/" + y + "/export.csv", ""},
			{"GET", "/api/supervise/" + gov + "/" + y + "/summary", ""},
			{"GET", "/api/supervise/" + gov + "/" + y + "/" + unit, ""},
			{"POST", "/api/supervise/" + gov + "/" + y + "/" + unit + "/correction", `{"comment":"请整改"}`},
			{"GET", "/supervise/" + gov + "/" + y, ""},
			{"GET", "/supervise/" + gov + "/" + y + "/summary", ""},
			{"GET", "/supervise/" + gov + "/" + y + "/" + unit, ""},
		}
	}
	check := func(who *client, rs [][3]string, want int) {
		t.Helper()
		for _, rt := range rs {
			var body []byte
			if rt[2] != "" {
				body = []byte(rt[2])
			}
			if r := who.api(rt[0], rt[1], body, nil); r.status != want {
				t.Errorf("%s %s %s: %d, want %d: %s", who.email, rt[0], rt[1], r.status, want, r.body)
			}
		}
	}
	// demo-gov's supervisor on the other district, and on its unit through demo-gov.
	check(sup, routes("other-gov", "other-dept"), http.StatusForbidden)
	check(sup, routes("demo-gov", "other-dept")[2:3], http.StatusForbidden)
	check(sup, routes("demo-gov", "other-dept")[6:8], http.StatusForbidden)
	check(sup, routes("demo-gov", "other-dept")[10:], http.StatusForbidden)
	other := newClient(t, "supervisor@other-gov.local")
	other.signIn()
	check(other, routes("demo-gov", "demo"), http.StatusForbidden)
	if r := other.do("GET", webURL(fmt.Sprintf("/reports/demo-edu/%d/versions/1/approval", year)), nil, nil); r.status != http.StatusForbidden {
		t.Errorf("another district's supervisor opened demo-edu's 审批单: %d", r.status)
	}
	// A drafter on every route of the console, their own agency's included.
	drafter := newClient(t, "drafter@demo.local")
	drafter.signIn()
	check(drafter, routes("demo-gov", "demo"), http.StatusForbidden)
	check(drafter, routes("demo", "demo"), http.StatusForbidden)
	if r := drafter.do("GET", webURL("/supervise"), nil, nil); r.status != http.StatusForbidden {
		t.Errorf("a drafter's /supervise: %d", r.status)
	}
	// Nobody signed in.
	anon := newClient(t, "nobody@demo.local")
	for _, rt := range routes("demo-gov", "demo") {
		if r := anon.api(rt[0], rt[1], []byte(rt[2]), nil); r.status != http.StatusUnauthorized {
			t.Errorf("signed out %s %s: %d", rt[0], rt[1], r.status)
		}
	}
	// The supervisor's home is the console.
	if r := sup.do("GET", webURL("/"), nil, nil); r.status != http.StatusSeeOther || r.header.Get("Location") != "/supervise" {
		t.Errorf("the supervisor's home: %d %s", r.status, r.header.Get("Location"))
	}
}

// 催报: mailed to the units' drafters and office naming the due date and the state,
// recorded in each unit's record, refused (409) when every unit was reminded today.
func TestSuperviseRemind(t *testing.T) {
	year := local.DemoYear(time.Now())
	seeded(t, year)
	sup := newClient(t, "supervisor@demo.local")
	sup.signIn()
	path := fmt.Sprintf("/api/supervise/demo-gov/%d/remind", year)

	r := sup.api("POST", path, map[string]any{"units": []string{"demo", "demo-town"}}, nil)
	if r.status != http.StatusOK {
		t.Fatalf("remind: %d %s", r.status, r.body)
	}
	var res struct {
		Results []struct{ Agency, Result string }
	}
	r.json(t, &res)
	if len(res.Results) != 2 || res.Results[0].Result != "sent" || res.Results[1].Result != "sent" {
		t.Errorf("results: %s", r.body)
	}
	for _, to := range []string{"drafter@demo.local", "office@demo.local", "drafter@demo-town.local", "office@demo-town.local"} {
		ms := mailsTo(to)
		if len(ms) != 1 || !strings.Contains(ms[0].Subject, "【催报】") {
			t.Fatalf("mail to %s: %s", to, mailSummary())
		}
	}
	town := mailsTo("drafter@demo-town.local")[0]
	if !strings.Contains(town.Text, fmt.Sprintf("%d-01-15", year+1)) || !strings.Contains(town.Text, "草稿") {
		t.Errorf("the reminder does not name the due date and the state:\n%s", town.Text)
	}
	if len(mailsTo("drafter@demo-finance.local")) != 0 {
		t.Error("a unit not selected was reminded")
	}
	// Recorded in the unit's record.
	var unit struct {
		Timeline []struct{ Actor, Action, Comment string }
	}
	sup.api("GET", fmt.Sprintf("/api/supervise/demo-gov/%d/demo", year), nil, nil).json(t, &unit)
	if len(unit.Timeline) == 0 || unit.Timeline[0].Action != "urge" || unit.Timeline[0].Actor != "supervisor@demo.local" { // newest first
		t.Errorf("timeline: %+v", unit.Timeline)
	}
	// The same units again today: 409, nothing mailed.
	r = sup.api("POST", path, map[string]any{"units": []string{"demo-town", "demo"}}, nil)
	if r.status != http.StatusConflict || !strings.Contains(string(r.body), "already_reminded") {
		t.Errorf("second remind: %d %s", r.status, r.body)
	}
	// One new: 200, the other already reminded.
	r = sup.api("POST", path, map[string]any{"units": []string{"demo", "demo-finance"}}, nil)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `{"agency":"demo","result":"already_reminded"}`) {
		t.Errorf("third remind: %d %s", r.status, r.body)
	}
	if len(mailsTo("drafter@demo.local")) != 1 || len(mailsTo("drafter@demo-finance.local")) != 1 {
		t.Errorf("mails after the third: %s", mailSummary())
	}
	if r := sup.api("POST", path, map[string]any{"units": []string{}}, nil); r.status != http.StatusUnprocessableEntity {
		t.Errorf("no units: %d", r.status)
	}
}

// A correction request reaches the unit's drafters and office and stands on top of its
// form until a corrected version is published.
func TestSuperviseCorrectionRequest(t *testing.T) {
	year := local.DemoYear(time.Now())
	seeded(t, year)
	sup := newClient(t, "supervisor@demo.local")
	sup.signIn()
	drafter := newClient(t, "drafter@demo-health.local")
	drafter.signIn()
	path := func(a string) string { return fmt.Sprintf("/api/supervise/demo-gov/%d/%s/correction", year, a) }
	if r := sup.api("POST", path("demo-health"), map[string]string{"comment": "  "}, nil); r.status != http.StatusUnprocessableEntity {
		t.Errorf("no comment: %d %s", r.status, r.body)
	}
	if r := sup.api("POST", path("demo-finance"), map[string]string{"comment": "请整改"}, nil); r.status != http.StatusConflict {
		t.Errorf("an unpublished report: %d %s", r.status, r.body)
	}
	const comment = "第三部分表格中“本年新收”与各项之和不一致，请核实后更正。"
	if r := sup.api("POST", path("demo-health"), map[string]string{"comment": comment}, nil); r.status != http.StatusOK {
		t.Fatalf("correction: %d %s", r.status, r.body)
	}
	for _, to := range []string{"drafter@demo-health.local", "office@demo-health.local"} {
		var ms []stack.Mail
		for _, m := range mailsTo(to) {
			if !hasLink(m, "/login/") {
				ms = append(ms, m)
			}
		}
		if len(ms) != 1 || !strings.Contains(ms[0].Subject, "【整改意见】") || !strings.Contains(ms[0].Text, comment) {
			t.Errorf("mail to %s: %s", to, mailSummary())
		}
	}
	for _, p := range []string{"", "/edit", "/status"} {
		page := drafter.do("GET", webURL(fmt.Sprintf("/reports/demo-health/%d%s", year, p)), nil, nil)
		if page.status != http.StatusOK || !strings.Contains(string(page.body), `id="correction-request"`) || !strings.Contains(string(page.body), "请核实后更正") {
			t.Errorf("the report's page %q does not show the request: %d", p, page.status)
		}
	}
	v := drafter.report("demo-health", year)
	if len(v.Timeline) == 0 || v.Timeline[0].Action != "correction_request" || v.Timeline[0].Comment != comment { // newest first
		t.Errorf("not recorded: %+v", v.Timeline)
	}
	// A corrected version published: the request no longer shows.
	publishDirect(t, "demo-health", year, 2, nil)
	page := drafter.do("GET", webURL(fmt.Sprintf("/reports/demo-health/%d/edit", year)), nil, nil)
	if strings.Contains(string(page.body), `id="correction-request"`) {
		t.Error("the request still shows after a corrected version was published")
	}
}

// publishDirect submits version n of an agency's demo report (changed by edit) and
// runs the Publish step on it, as the workflow does once every level approved.
func publishDirect(t *testing.T, agency string, year, n int, edit func(*report.Document)) *report.Document {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, st.Getenv("PublishFunction"), app.WithS3)
	if err != nil {
		t.Fatal(err)
	}
	ag, err := a.Store.GetAgency(ctx, agency)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := local.DemoReport(ag.Name, year)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(doc)
	}
	b, _ := json.Marshal(doc)
	rev, err := a.Store.SaveDraft(ctx, agency, year, b, 0, "drafter@"+agency+".local", "")
	if store.IsConflict(err) {
		rp, _ := a.Store.GetReport(ctx, agency, year)
		rev, err = a.Store.SaveDraft(ctx, agency, year, b, rp.Rev, "drafter@"+agency+".local", "")
	}
	if err != nil {
		t.Fatal(err)
	}
	reason := ""
	if n > 1 {
		reason = "按整改意见更正"
	}
	if err := a.Store.Submit(ctx, store.Submission{Rev: rev, Version: store.Version{Agency: agency, Year: year, Number: n, Document: b,
		SubmittedBy: "drafter@" + agency + ".local", Chain: ag.Chain, Settings: ag.Settings, CorrectionReason: reason}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Steps().Publish(ctx, approval.Input{Agency: agency, Year: year, Version: n, Level: store.LevelIndex(len(ag.Chain) - 1), LevelCount: len(ag.Chain)}); err != nil {
		t.Fatal(err)
	}
	return doc
}

// The export read back, and the 汇总 equal to the sum of the published reports,
// passing the hard rules as they do.
func TestSuperviseExportAndSummary(t *testing.T) {
	year := local.DemoYear(time.Now())
	seeded(t, year)
	health, err := local.DemoReport("示例区卫生健康委员会", year)
	if err != nil {
		t.Fatal(err)
	}
	// A second published unit with other numbers that still add up: every number doubled.
	town := publishDirect(t, "demo-town", year, 1, func(d *report.Document) {
		supervise.EachCell(d.Spec(), func(tb *report.Table, r *report.Row, c *report.Column) {
			if n, ok := d.Grid(tb.Key).At(r, c).Int(); ok {
				d.Grid(tb.Key).SetAt(r, c, report.Int(2*n))
			}
		})
	})
	if fs := report.Validate(town, nil); report.HasErrors(fs) {
		t.Fatalf("the doubled report breaks a hard rule: %+v", fs)
	}
	sup := newClient(t, "supervisor@demo.local")
	sup.signIn()

	r := sup.api("GET", fmt.Sprintf("/api/supervise/demo-gov/%d/summary", year), nil, nil)
	if r.status != http.StatusOK {
		t.Fatalf("summary: %d %s", r.status, r.body)
	}
	var sum struct {
		Document      json.RawMessage `json:"document"`
		UnitsIncluded []string        `json:"units_included"`
		UnitsMissing  []string        `json:"units_missing"`
		Parts         map[string][]supervise.Part
	}
	r.json(t, &sum)
	if strings.Join(sum.UnitsIncluded, ",") != "demo-health,demo-town" || strings.Join(sum.UnitsMissing, ",") != "demo,demo-edu,demo-finance" {
		t.Errorf("included %v missing %v", sum.UnitsIncluded, sum.UnitsMissing)
	}
	doc, err := report.DecodeBytes(sum.Document)
	if err != nil {
		t.Fatalf("the summary is not a report document: %v", err)
	}
	if doc.Format != report.ForYear(year).ID || doc.Year != year {
		t.Errorf("summary format %s year %d", doc.Format, doc.Year)
	}
	cells := 0
	supervise.EachCell(doc.Spec(), func(tb *report.Table, row *report.Row, c *report.Column) {
		a, b := health.Grid(tb.Key).At(row, c), town.Grid(tb.Key).At(row, c)
		got := doc.Grid(tb.Key).At(row, c)
		an, aok := a.Int()
		bn, bok := b.Int()
		if aok && bok {
			cells++
			if n, ok := got.Int(); !ok || n != an+bn {
				t.Errorf("%s = %q, want %d + %d", supervise.CellPath(tb, row, c), got, an, bn)
			}
		}
	})
	if cells < 50 {
		t.Errorf("only %d cells compared", cells)
	}
	for _, f := range report.Validate(doc, nil) {
		if f.Severity == report.SeverityError && f.Rule != report.RuleSectionsRequired {
			t.Errorf("the summary breaks a hard rule: %+v", f)
		}
	}
	if p := sum.Parts["requests.new.natural_person"]; len(p) != 2 || p[0].Agency != "demo-health" {
		t.Errorf("drill-down: %+v", p)
	}
	if page := sup.do("GET", webURL(fmt.Sprintf("/supervise/demo-gov/%d/summary", year)), nil, nil); page.status != http.StatusOK || !strings.Contains(string(page.body), "demo-town：") {
		t.Errorf("summary page: %d", page.status)
	}

	// The xlsx, read back.
	r = sup.api("GET", fmt.Sprintf("/api/supervise/demo-gov/%d/export.xlsx", year), nil, nil)
	if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") {
		t.Fatalf("export: %d %s", r.status, r.header)
	}
	x, err := excelize.OpenReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(x.GetSheetList(), ","); got != "单位,表二,表三,表四" {
		t.Errorf("sheets %s", got)
	}
	rows, _ := x.GetRows("单位")
	if len(rows) != 6 || rows[0][0] != "单位代码" {
		t.Fatalf("单位: %v", rows)
	}
	byID := map[string][]string{}
	for _, row := range rows[1:] {
		byID[row[0]] = row
	}
	if h := byID["demo-health"]; h[1] != "示例区卫生健康委员会" || h[3] != "已发布" || !strings.Contains(h[8], "/demo-health/") {
		t.Errorf("demo-health's row: %v", h)
	}
	if h := byID["demo-town"]; h[2] != "乡镇街道" || h[5] != fmt.Sprintf("%d-01-15", year+1) {
		t.Errorf("demo-town's row: %v", h)
	}
	three, _ := x.GetRows("表三")
	if len(three) != 3 {
		t.Fatalf("表三: %d rows", len(three))
	}
	f := report.ForYear(year)
	col := -1
	for i, h := range three[0] {
		if h == supervise.CellLabel(f.Requests, f.Requests.Row("new"), f.Requests.Column("natural_person")) {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("no column for 本年新收 自然人: %v", three[0])
	}
	want, _ := health.Requests.Get("new", "natural_person").Int()
	if three[1][0] != "demo-health" || three[1][col] != fmt.Sprint(want) || three[2][col] != fmt.Sprint(2*want) {
		t.Errorf("表三 自然人: %v / %v", three[1], three[2])
	}
	// A number is a number in the sheet: a spreadsheet can add it up.
	axis, _ := excelize.CoordinatesToCellName(col+1, 2)
	if typ, _ := x.GetCellType("表三", axis); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("%s is of type %v", axis, typ)
	}

	r = sup.api("GET", fmt.Sprintf("/api/supervise/demo-gov/%d/export.csv", year), nil, nil)
	if r.status != http.StatusOK || !strings.HasPrefix(string(r.body), "\ufeff单位\n单位代码,") || !strings.Contains(string(r.body), "\ndemo-town,示例镇人民政府,") {
		t.Errorf("csv: %d %.300s", r.status, r.body)
	}
}
