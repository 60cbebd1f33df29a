package report

import (
	"fmt"
	"strings"
	"unicode"
)

// Severity says whether a finding blocks submission.
type Severity string

const (
	// SeverityError breaks a hard rule: the report cannot be submitted.
	SeverityError Severity = "error"
	// SeverityWarning is shown to drafter and approvers but blocks nothing.
	SeverityWarning Severity = "warning"
)

// Rule ids, as docs/report-document.md names them.
const (
	RuleRowTotal         = "requests.row_total"
	RuleResultTotal      = "requests.result_total"
	RuleBalance          = "requests.balance"
	RuleAppealsTotal     = "appeals.total"
	RuleCellType         = "cell.type"
	RuleDocumentShape    = "document.shape"
	RuleSectionsRequired = "sections.required"
	RuleCellBlank        = "cell.blank"
	RuleFormatYear       = "format.year"
	RuleOverviewLength   = "sections.overview_length"
	RuleFeeReport        = "sections.fee_report"
	RuleCrossCarriedOver = "crossyear.carried_over"
	RuleCrossInForce     = "crossyear.in_force"
	RuleLegacyRow        = "format.legacy_row"
	RuleCellPrinted      = "cell.printed"
	RuleOverviewNumbers  = "sections.overview_numbers"
	RuleRepeated         = "sections.repeated"
	RuleCrossAgency      = "crossyear.agency"
	RuleCrossUnit        = "crossyear.unit"
)

// Rules lists every rule id with its severity, in the order of the spec.
var Rules = []struct {
	ID       string
	Severity Severity
}{
	{RuleRowTotal, SeverityError}, {RuleResultTotal, SeverityError}, {RuleBalance, SeverityError},
	{RuleAppealsTotal, SeverityError}, {RuleCellType, SeverityError}, {RuleDocumentShape, SeverityError},
	{RuleSectionsRequired, SeverityError}, {RuleInvisible, SeverityError},
	{RuleCellBlank, SeverityWarning}, {RuleFormatYear, SeverityWarning}, {RuleOverviewLength, SeverityWarning},
	{RuleFeeReport, SeverityWarning}, {RuleCrossCarriedOver, SeverityWarning}, {RuleCrossInForce, SeverityWarning},
	{RuleLegacyRow, SeverityWarning}, {RuleCellPrinted, SeverityWarning}, {RuleOverviewNumbers, SeverityWarning},
	{RuleRepeated, SeverityWarning}, {RuleCrossAgency, SeverityWarning}, {RuleCrossUnit, SeverityWarning},
}

const (
	// 〔2021〕30号: 总体情况 "篇幅原则上不超过一千字".
	overviewLimit = 1000
	// 〔2021〕30号: 信息处理费 collected is reported in section 六.
	feeReportKeyword = "信息处理费"
	// 上年未填写: a cross-year rule cannot compare with a blank cell of last year's report.
	prevBlank = "上年未填写，无法核对"
)

// Finding is one broken rule, with where and why in words a clerk understands.
type Finding struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Path     string   `json:"path"`
	Message  string   `json:"message"`
	Expected any      `json:"expected"`
	Actual   any      `json:"actual"`
}

// Result is the outcome of a validation, as `nianbao validate` and the API print it.
type Result struct {
	Valid    bool      `json:"valid"`
	Findings []Finding `json:"findings"`
}

// Check validates and wraps the findings in a Result.
func Check(doc, previous *Document) Result {
	fs := Validate(doc, previous)
	return Result{Valid: !HasErrors(fs), Findings: fs}
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	for _, f := range fs {
		if f.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Validate runs every rule of docs/report-document.md on doc. previous, when not nil,
// is last year's report and switches on the cross-year rules. Blank cells count as 0 in
// arithmetic; a rule whose cells are not valid numbers is not evaluated, because the
// cell.type error already names the cell and a second message about the same typo would
// only confuse. Findings come in printed order: the document as a whole, section 一,
// tables 二 三 四 row by row, sections 五 and 六.
func Validate(doc, previous *Document) []Finding {
	v := validator{doc: doc, findings: make([]Finding, 0, 8)}
	f := doc.Spec()
	v.shape(f)
	if f == nil {
		return v.findings
	}
	v.spec = f
	if previous != nil && previous.Spec() != nil && previous.shapeOK() {
		v.prev = previous
	}
	v.formatYear()
	v.invisible(f)
	v.crossAgency()
	v.legacyRow()
	for _, s := range f.Sections {
		switch {
		case s.Table == f.Proactive:
			v.proactive()
		case s.Table == f.Requests:
			v.requests()
		case s.Table == f.Appeals:
			v.appeals()
		default:
			v.section(s)
		}
	}
	return v.findings
}

// shapeOK reports whether a document's grids are laid out for its own format, so that
// rules can index them safely.
func (d *Document) shapeOK() bool {
	f := d.Spec()
	return f != nil && d.Proactive != nil && d.Proactive.table == f.Proactive &&
		d.Requests != nil && f.RequestsTable(d.Requests.table) &&
		d.Appeals != nil && d.Appeals.table == f.Appeals
}

type validator struct {
	doc      *Document
	spec     *Format
	prev     *Document
	findings []Finding
}

func (v *validator) add(rule string, sev Severity, path string, expected, actual any, format string, args ...any) {
	v.findings = append(v.findings, Finding{
		Rule: rule, Severity: sev, Path: path,
		Message: fmt.Sprintf(format, args...), Expected: expected, Actual: actual,
	})
}

func (v *validator) shape(f *Format) {
	d := v.doc
	switch {
	case d.Format == "":
		v.add(RuleDocumentShape, SeverityError, "format", formatIDs(), nil, "缺少报告格式（format），应为 %s。", formatList())
	case f == nil:
		v.add(RuleDocumentShape, SeverityError, "format", formatIDs(), d.Format, "未知的报告格式 %q，应为 %s。", d.Format, formatList())
	}
	if strings.TrimSpace(d.Agency) == "" {
		v.add(RuleDocumentShape, SeverityError, "agency", nil, d.Agency, "缺少机关名称（agency），标题中的机关名称不能为空。")
	}
	switch {
	case d.Year == 0:
		v.add(RuleDocumentShape, SeverityError, "year", nil, nil, "缺少报告年度（year）。")
	case !ValidYear(d.Year):
		v.add(RuleDocumentShape, SeverityError, "year", fmt.Sprintf("%d–%d", MinYear, MaxYear), d.Year, "报告年度 %d 不合理，应在 %d 至 %d 之间。", d.Year, MinYear, MaxYear)
	}
	if f == nil {
		return
	}
	for _, t := range f.Tables() {
		g := d.Grid(t.Key)
		if g == nil || (g.table != t && !(t == f.Requests && f.RequestsTable(g.table))) {
			v.add(RuleDocumentShape, SeverityError, t.Key, f.ID, nil, "表%s不是按 %s 格式的行和列填写的，请按本报告格式重新填写。", t.Number, f.ID)
		}
	}
}

func formatIDs() string {
	ids := make([]string, len(formatOrder))
	for i, f := range formatOrder {
		ids[i] = f.ID
	}
	return strings.Join(ids, "|")
}

func (v *validator) formatYear() {
	d, f := v.doc, v.spec
	if d.Year == 0 || f.AppliesTo(d.Year) {
		return
	}
	want := ForYear(d.Year)
	if want == f {
		return
	}
	v.add(RuleFormatYear, SeverityWarning, "format", want.ID, f.ID,
		"%d 年度报告应使用 %s 的格式（%s），本报告使用的是 %s（%s）。", d.Year, want.Document, want.ID, f.Document, f.ID)
}

func (v *validator) section(s *Section) {
	text := v.doc.Text(s.Field)
	path := "sections." + s.Field
	switch s.Field {
	case "overview", "problems":
		if strings.TrimSpace(text) == "" {
			v.add(RuleSectionsRequired, SeverityError, path, nil, nil, "「%s」不能为空。", s.Heading)
			return
		}
	}
	if s.Field == "overview" && v.spec.ID == "gip-2021" {
		if n := countChars(text); n > overviewLimit {
			v.add(RuleOverviewLength, SeverityWarning, path, overviewLimit, n,
				"「%s」共 %d 字，超出 %d 字；%s 要求篇幅原则上不超过一千字。", s.Heading, n, n-overviewLimit, v.spec.Document)
		}
	}
	if s.Field == "overview" {
		v.overviewNumbers(s, text)
	}
	if s.Field == "overview" || s.Field == "problems" {
		v.repeated(s, text)
	}
	if s.Field == "other" && v.spec.ID == "gip-2021" && !reportsFees(text) {
		v.add(RuleFeeReport, SeverityWarning, path, feeReportKeyword, nil,
			"「%s」没有报告收取信息处理费的情况；%s 要求在此专门报告（未收取也应写明）。", s.Heading, v.spec.Document)
	}
}

// countChars counts the characters of a text as a word processor's 字数 does: every
// character except white space.
func countChars(s string) int {
	n := 0
	for _, r := range s {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// cellName names a cell the way a clerk finds it on the printed form.
func cellName(t *Table, r *Row, c *Column) string {
	if t.Key == "proactive" {
		return fmt.Sprintf("表%s%s「%s」的「%s」", t.Number, r.Block.Heading, r.Label, c.Label)
	}
	if t.OneLine {
		return fmt.Sprintf("表%s「%s」的「%s」", t.Number, r.FullLabel(), c.Label)
	}
	return fmt.Sprintf("表%s「%s」行「%s」列", t.Number, r.FullLabel(), c.Label)
}

func cellPath(t *Table, r *Row, c *Column) string {
	return t.Key + "." + r.ID + "." + c.ID
}

// values reads a grid into integers for arithmetic: blank is 0, and ok is false where
// the cell is not a valid number for its column (cell.type reports it).
type values struct {
	n  []int64
	ok []bool
	nc int
}

func (vs *values) at(r *Row, c *Column) (int64, bool) {
	i := r.index*vs.nc + c.index
	return vs.n[i], vs.ok[i]
}

// cells checks the type of every cell of a grid (and, for tables 三 and 四, blanks),
// calling afterRow once each row's cells are checked so that row rules follow their
// row's cell findings.
func (v *validator) cells(g *Grid, warnBlank bool, afterRow func(r *Row, vs *values)) {
	t := g.table
	vs := &values{n: make([]int64, len(g.cells)), ok: make([]bool, len(g.cells)), nc: len(t.Columns)}
	allBlank := warnBlank && g.Blank()
	if allBlank {
		v.add(RuleCellBlank, SeverityWarning, t.Key, 0, nil,
			"表%s（%s）全部未填写；没有发生的情形通常应填 0，空白按 0 计算。", t.Number, strings.TrimLeft(t.Heading, "一二三四五六、"))
	}
	for _, r := range t.Rows {
		for _, c := range r.Columns {
			i := r.index*vs.nc + c.index
			cell := g.cells[i]
			if cell.Blank() {
				vs.ok[i] = true
				if warnBlank && !allBlank {
					v.add(RuleCellBlank, SeverityWarning, cellPath(t, r, c), 0, nil,
						"%s未填写；没有发生的情形通常应填 0，空白按 0 计算。", cellName(t, r, c))
				}
				continue
			}
			if msg, want := typeProblem(cell, c.Kind); msg != "" {
				v.add(RuleCellType, SeverityError, cellPath(t, r, c), want, cell.text,
					"%s应填%s，实填 %s%s。", cellName(t, r, c), want, cell.text, msg)
				continue
			}
			vs.n[i], vs.ok[i] = cell.n, true
		}
		if afterRow != nil {
			afterRow(r, vs)
		}
	}
}

// typeProblem says what is wrong with a non-blank cell for a kind of column: the
// expectation in words, and an optional remark. An empty message means the cell is fine.
func typeProblem(c Cell, k Kind) (remark, want string) {
	switch k {
	case Count:
		want = "非负整数"
	case SignedCount:
		want = "整数（减少时填负数）"
	case Amount:
		want = "非负金额"
	}
	switch {
	case k != Amount && !c.IsInteger():
		return "（不是整数）", want
	case k != Amount && !c.isInt:
		return fmt.Sprintf("（超过 %d 位数）", maxCellDigits), want
	case k != SignedCount && c.Negative():
		return "（不能是负数）", want
	}
	return "", ""
}

func (v *validator) proactive() {
	g := v.doc.Proactive
	t := g.table
	var prev *Grid
	inForce := t.Column("in_force") // gip-2021 only: the cross-year rule needs it on both sides
	if v.prev != nil && inForce != nil && v.prev.Proactive.table.Column("in_force") != nil {
		prev = v.prev.Proactive
	}
	v.cells(g, false, func(r *Row, vs *values) {
		v.printed(t, r, g)
		if prev == nil || !r.Has(inForce) {
			return
		}
		issued, repealed := t.Column("issued"), t.Column("repealed")
		now, ok1 := vs.at(r, inForce)
		iss, ok2 := vs.at(r, issued)
		rep, ok3 := vs.at(r, repealed)
		pc := prev.Get(r.ID, inForce.ID)
		if !(ok1 && ok2 && ok3) {
			return
		}
		if pc.Blank() {
			v.add(RuleCrossInForce, SeverityWarning, cellPath(t, r, inForce), nil, now,
				"%s：%s（上年报告的「%s」是空白，应为上年现行有效件数 + 本年制发 %d − 本年废止 %d，实填 %d）。",
				cellName(t, r, inForce), prevBlank, inForce.Label, iss, rep, now)
			return
		}
		last, ok4 := pc.Int()
		if !ok4 {
			return
		}
		want := last + iss - rep
		if now != want {
			v.add(RuleCrossInForce, SeverityWarning, cellPath(t, r, inForce), want, now,
				"%s应为上年 %d + 本年制发 %d − 本年废止 %d = %d，实填 %d，%s。",
				cellName(t, r, inForce), last, iss, rep, want, now, differs(now, want))
		}
	})
	v.crossUnit(g)
}

func (v *validator) requests() {
	g := v.doc.Requests
	t := g.table
	rr := t.roles
	var prev *Grid
	if v.prev != nil {
		prev = v.prev.Requests
	}
	v.cells(g, true, func(r *Row, vs *values) {
		v.printed(t, r, g)
		v.rowTotal(t, r, vs)
		switch r {
		case rr.carried:
			if prev != nil {
				v.crossCarriedOver(t, prev, vs)
			}
		case rr.total:
			v.resultTotal(t, vs)
		case rr.forward:
			v.balance(t, vs)
		}
	})
}

func (v *validator) rowTotal(t *Table, r *Row, vs *values) {
	rr := t.roles
	total, ok := vs.at(r, rr.totalCol)
	if !ok {
		return
	}
	var sum int64
	for _, c := range rr.applicants {
		n, ok := vs.at(r, c)
		if !ok {
			return
		}
		sum += n
	}
	if sum != total {
		tc := rr.totalCol
		v.add(RuleRowTotal, SeverityError, cellPath(t, r, tc), sum, total,
			"%s应等于自然人和五类法人或其他组织之和 %d（%s），实填 %d，%s。",
			cellName(t, r, tc), sum, terms(rr.applicants, func(c *Column) (string, int64) { n, _ := vs.at(r, c); return c.Label, n }), total, differs(total, sum))
	}
}

func (v *validator) resultTotal(t *Table, vs *values) {
	rr := t.roles
	for _, c := range t.Columns {
		total, ok := vs.at(rr.total, c)
		if !ok {
			continue
		}
		var sum int64
		valid := true
		for _, r := range rr.results {
			n, ok := vs.at(r, c)
			if !ok {
				valid = false
				break
			}
			sum += n
		}
		if !valid || sum == total {
			continue
		}
		v.add(RuleResultTotal, SeverityError, cellPath(t, rr.total, c), sum, total,
			"%s应等于（一）至（六）各项办理结果之和 %d，实填 %d，%s。",
			cellName(t, rr.total, c), sum, total, differs(total, sum))
	}
}

func (v *validator) balance(t *Table, vs *values) {
	rr := t.roles
	for _, c := range t.Columns {
		nw, ok1 := vs.at(rr.new, c)
		co, ok2 := vs.at(rr.carried, c)
		tot, ok3 := vs.at(rr.total, c)
		cf, ok4 := vs.at(rr.forward, c)
		if !(ok1 && ok2 && ok3 && ok4) {
			continue
		}
		left, right := nw+co, tot+cf
		if left == right {
			continue
		}
		v.add(RuleBalance, SeverityError, cellPath(t, rr.forward, c), left, right,
			"表%s「%s」列不平衡：第一项加第二项之和（%d + %d = %d）应等于第三项加第四项之和（（七）总计 %d + 结转下年度 %d = %d），相差 %d。",
			t.Number, c.Label, nw, co, left, tot, cf, right, abs(left-right))
	}
}

// crossCarriedOver compares this year's 上年结转 with last year's 结转下年度. A blank cell
// of last year's is not 0: it cannot be checked, and says so (once for the row when
// last year's whole row is blank).
func (v *validator) crossCarriedOver(t *Table, prev *Grid, vs *values) {
	rr := t.roles
	pt := prev.table
	pf := pt.Row(rr.forward.ID)
	if pf == nil {
		return
	}
	rowBlank := true
	for _, c := range pf.Columns {
		if !prev.At(pf, c).Blank() {
			rowBlank = false
		}
	}
	if rowBlank {
		v.add(RuleCrossCarriedOver, SeverityWarning, t.Key+"."+rr.carried.ID, nil, nil,
			"表%s「%s」：%s（上年报告的「%s」整行是空白）。", t.Number, rr.carried.Label, prevBlank, pf.Label)
		return
	}
	for _, c := range t.Columns {
		now, ok := vs.at(rr.carried, c)
		pc := pt.Column(c.ID)
		if !ok || pc == nil {
			continue
		}
		if prev.At(pf, pc).Blank() {
			v.add(RuleCrossCarriedOver, SeverityWarning, cellPath(t, rr.carried, c), nil, now,
				"%s为 %d：%s（上年报告的「%s」这一格是空白）。", cellName(t, rr.carried, c), now, prevBlank, pf.Label)
			continue
		}
		last, ok := prev.At(pf, pc).Int()
		if !ok || last == now {
			continue
		}
		v.add(RuleCrossCarriedOver, SeverityWarning, cellPath(t, rr.carried, c), last, now,
			"%s为 %d，但上年报告的「四、结转下年度继续办理」为 %d，%s。",
			cellName(t, rr.carried, c), now, last, differs(now, last))
	}
}

func (v *validator) appeals() {
	f := v.spec
	g := v.doc.Appeals
	t := g.table
	v.cells(g, true, func(r *Row, vs *values) {
		v.printed(t, r, g)
		total, ok := vs.at(r, f.AppealsTotalCol)
		if !ok {
			return
		}
		var sum int64
		for _, c := range f.AppealsPartColumns {
			n, ok := vs.at(r, c)
			if !ok {
				return
			}
			sum += n
		}
		if sum == total {
			return
		}
		v.add(RuleAppealsTotal, SeverityError, cellPath(t, r, f.AppealsTotalCol), sum, total,
			"%s应等于%s之和 %d（%s），实填 %d，%s。",
			cellName(t, r, f.AppealsTotalCol), labels(f.AppealsPartColumns), sum,
			terms(f.AppealsPartColumns, func(c *Column) (string, int64) { n, _ := vs.at(r, c); return c.Label, n }),
			total, differs(total, sum))
	})
}

// differs says how an actual number differs from the expected one.
func differs(actual, expected int64) string {
	if actual > expected {
		return fmt.Sprintf("多了 %d", actual-expected)
	}
	return fmt.Sprintf("少了 %d", expected-actual)
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func labels(cs []*Column) string {
	s := make([]string, len(cs))
	for i, c := range cs {
		s[i] = c.Label
	}
	return strings.Join(s, "、")
}

// terms writes a sum out: "自然人 21 + 商业企业 4 + …".
func terms(cs []*Column, val func(*Column) (string, int64)) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString(" + ")
		}
		l, n := val(c)
		fmt.Fprintf(&b, "%s %d", l, n)
	}
	return b.String()
}
