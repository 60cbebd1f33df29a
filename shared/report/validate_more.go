package report

import (
	"fmt"
	"math/big"
	"slices"
	"strings"
	"unicode"
)

// The rules of issue 15: what real reports print (the legacy （六） row, text in number
// cells, units) and the checks evaluators make (numbers quoted in 总体情况, 年年雷同, the
// previous report's agency).

// legacyRow warns about a gip-2021 table 三 laid out with the 2019 layout's one
// （六）其他处理 row. The sums count it; the warning says what the format asks for.
func (v *validator) legacyRow() {
	f := v.spec
	g := v.doc.Requests
	if f.LegacyRequests == nil || g == nil || g.table != f.LegacyRequests {
		return
	}
	row := f.LegacyRequests.Row("other")
	var subs []string
	for _, r := range f.Requests.Rows {
		if f.LegacyRequests.Row(r.ID) == nil {
			subs = append(subs, "「"+r.Label+"」")
		}
	}
	total := g.At(row, f.LegacyRequests.roles.totalCol)
	v.add(RuleLegacyRow, SeverityWarning, "requests."+row.ID, "other_*", "other",
		"表%s「%s」按 2019 年格式填为一行（总计 %s）；%s 的格式将其分为%s三行，请分项填写。该行已计入（七）总计。",
		f.Requests.Number, row.Label, orBlank(total), f.Document, strings.Join(subs, ""))
}

func orBlank(c Cell) string {
	if c.Blank() {
		return "未填写"
	}
	return c.String()
}

// crossAgency warns when last year's report is another agency's (names do change:
// 洪泽区人民政府 became 淮安市洪泽区人民政府).
func (v *validator) crossAgency() {
	if v.prev == nil {
		return
	}
	now, last := strings.TrimSpace(v.doc.Agency), strings.TrimSpace(v.prev.Agency)
	if now == "" || now == last {
		return
	}
	v.add(RuleCrossAgency, SeverityWarning, "agency", last, now,
		"上年报告的机关名称为「%s」，本报告为「%s」，请确认上年报告是本机关的（机关更名的，可不理会本提示）。", last, now)
}

// crossUnit compares each amount with last year's, both in 元: a factor of a thousand or
// more is almost always one year in 元 and the other in 万元.
func (v *validator) crossUnit(g *Grid) {
	if v.prev == nil {
		return
	}
	t := g.table
	pg := v.prev.Proactive
	for _, r := range t.Rows {
		for _, c := range r.Columns {
			if c.Kind != Amount {
				continue
			}
			pr, pc := pg.table.Row(r.ID), pg.table.Column(c.ID)
			if pr == nil || pc == nil || !pr.Has(pc) || pc.Kind != Amount {
				continue
			}
			now, okNow := inYuan(g.At(r, c), v.doc.UnitOf(t, r, c))
			last, okLast := inYuan(pg.At(pr, pc), v.prev.UnitOf(pg.table, pr, pc))
			if !okNow || !okLast || now.Sign() <= 0 || last.Sign() <= 0 {
				continue
			}
			ratio := new(big.Rat).Quo(now, last)
			if ratio.Cmp(big.NewRat(1, 1000)) > 0 && ratio.Cmp(big.NewRat(1000, 1)) < 0 {
				continue
			}
			hi, lo := now, last
			if ratio.Cmp(big.NewRat(1, 1)) < 0 {
				hi, lo = last, now
			}
			factor := new(big.Rat).Quo(hi, lo).FloatString(0)
			v.add(RuleCrossUnit, SeverityWarning, cellPath(t, r, c), amountText(pg.At(pr, pc), v.prev, pg.table, pr, pc), amountText(g.At(r, c), v.doc, t, r, c),
				"%s为 %s，上年为 %s，按元折算相差约 %s 倍；请核对两年所用的单位（元或万元）。",
				cellName(t, r, c), amountText(g.At(r, c), v.doc, t, r, c), amountText(pg.At(pr, pc), v.prev, pg.table, pr, pc), factor)
		}
	}
}

// amountText writes an amount with its unit, and says when the unit is not stated.
func amountText(cell Cell, d *Document, t *Table, r *Row, c *Column) string {
	u := d.UnitOf(t, r, c)
	s := cell.String() + " " + u
	if _, stated := d.Units[cellPath(t, r, c)]; !stated && !c.UnitInLabel {
		s += "（未注明单位，按" + u + "计）"
	}
	return s
}

func inYuan(c Cell, unit string) (*big.Rat, bool) {
	if c.Blank() || UnitYuan(unit) == 0 {
		return nil, false
	}
	n, ok := new(big.Rat).SetString(c.String())
	if !ok {
		return nil, false
	}
	return n.Mul(n, big.NewRat(UnitYuan(unit), 1)), true
}

// printed checks the texts printed in a row's cells: each must state the cell's number.
func (v *validator) printed(t *Table, r *Row, g *Grid) {
	if len(v.doc.Printed) == 0 {
		return
	}
	for _, c := range r.Columns {
		path := cellPath(t, r, c)
		text, ok := v.doc.Printed[path]
		if !ok || text == "" {
			continue
		}
		cell := g.At(r, c)
		if cell.Blank() {
			if len(numbersIn(text)) > 0 {
				v.add(RuleCellPrinted, SeverityWarning, path, nil, text,
					"%s印有文字「%s」，但这一格没有填数字；请填入文字所说的数字。", cellName(t, r, c), text)
			}
			continue
		}
		if statesNumber(text, cell) {
			continue
		}
		v.add(RuleCellPrinted, SeverityWarning, path, cell.String(), text,
			"%s填的是 %s，但印出的文字「%s」没有写明 %s；文字应写明这一格的数字。", cellName(t, r, c), cell.String(), text, cell.String())
	}
}

// number is a number written in a text, with the sign words before it.
type number struct {
	value    *big.Rat
	negative bool // written with a minus sign or 减/减少/下降
	positive bool // written with a plus sign or 增/增加
}

// numbersIn finds the numbers written in Arabic digits in a text (full-width digits and
// thousands separators allowed).
func numbersIn(text string) []number {
	rs := []rune(normalizeDigits(text))
	var out []number
	for i := 0; i < len(rs); i++ {
		if !isDigit(rs[i]) {
			continue
		}
		j, digits := scanDigits(rs, i)
		if j < len(rs)-1 && rs[j] == '.' && isDigit(rs[j+1]) {
			j++
			for j < len(rs) && isDigit(rs[j]) {
				j++
			}
			digits = string(rs[i:j])
			digits = strings.ReplaceAll(digits, ",", "")
		}
		n, ok := new(big.Rat).SetString(digits)
		if ok {
			before := strings.TrimRightFunc(string(rs[:i]), unicode.IsSpace)
			nm := number{value: n}
			switch {
			case strings.HasSuffix(before, "-"), strings.HasSuffix(before, "减"), strings.HasSuffix(before, "减少"),
				strings.HasSuffix(before, "下降"), strings.HasSuffix(before, "负"):
				nm.negative = true
			case strings.HasSuffix(before, "+"), strings.HasSuffix(before, "增"), strings.HasSuffix(before, "增加"):
				nm.positive = true
			}
			out = append(out, nm)
		}
		i = j
	}
	return out
}

// scanDigits reads a run of digits from rs[i], with thousands separators ("3,119"); it
// returns the end and the digits without separators.
func scanDigits(rs []rune, i int) (int, string) {
	var b strings.Builder
	j := i
	for j < len(rs) {
		switch {
		case isDigit(rs[j]):
			b.WriteRune(rs[j])
			j++
		case rs[j] == ',' && j > i && allDigits(rs, j+1, 3) && (j+4 >= len(rs) || !isDigit(rs[j+4])):
			j++
		default:
			return j, b.String()
		}
	}
	return j, b.String()
}

func allDigits(rs []rune, from, n int) bool {
	if from+n > len(rs) {
		return false
	}
	for k := from; k < from+n; k++ {
		if !isDigit(rs[k]) {
			return false
		}
	}
	return true
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

// normalizeDigits turns full-width digits, comma, point and minus signs into ASCII.
func normalizeDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '，' || r == '、':
			return r
		case r == '．':
			return '.'
		case r == '－' || r == '−':
			return '-'
		case r == '＋':
			return '+'
		}
		return r
	}, s)
}

// statesNumber reports whether a text printed in a cell states the cell's number: the
// number in digits (「13宗共113200元」 for 13, 「22（其中修订16件）」 for 22), with its sign
// when negative (「减4」, 「-4」 for −4); 0 may also be written 无 or 零.
func statesNumber(text string, c Cell) bool {
	want, ok := new(big.Rat).SetString(c.String())
	if !ok {
		return false
	}
	neg := want.Sign() < 0
	abs := new(big.Rat).Abs(want)
	for _, n := range numbersIn(text) {
		if n.value.Cmp(abs) != 0 {
			continue
		}
		if neg == n.negative || (want.Sign() == 0) {
			return true
		}
	}
	if want.Sign() == 0 && (strings.Contains(text, "无") || strings.Contains(text, "零")) {
		return true
	}
	return false
}

// --- section 六: fees ------------------------------------------------------------------

// Words that name a fee, words that put it in the context of 政府信息公开, and statements
// of charging or not charging. A sentence reports fees when it names a fee and either
// the context or a statement: 「本年度未收取信息公开处理费」, 「未发生政府信息公开收费事项」,
// 「未收取任何有关政府信息公开工作的费用」, 「无收取信息处理费情况」.
var (
	feeWords     = []string{"处理费", "收费", "费用", "缴费", "计费"}
	feeContext   = []string{"信息公开", "信息处理", "政府信息", "依申请", "公开申请"}
	feeStatement = []string{"未收取", "未收", "不收取", "没有收取", "无收取", "免收", "免于收取", "未发生", "共收取", "收取了", "已收取", "元"}
	// Fees that are not the 信息处理费: 行政事业性收费 is published in table 二, 经费 is a budget.
	feeNotDisclosure = []string{"行政事业性收费", "经费"}
)

// reportsFees reports whether section 六 says whether fees for information disclosure
// were charged.
func reportsFees(text string) bool {
	for _, s := range sentences(text) {
		for _, w := range feeNotDisclosure {
			s = strings.ReplaceAll(s, w, "")
		}
		if containsAny(s, feeWords) && (containsAny(s, feeContext) || containsAny(s, feeStatement)) {
			return true
		}
	}
	return false
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// sentences splits a text at 。！？ and line ends.
func sentences(text string) []string {
	return strings.FieldsFunc(text, func(r rune) bool {
		switch r {
		case '。', '！', '？', '!', '?', '\n':
			return true
		}
		return false
	})
}

// --- 年年雷同 -----------------------------------------------------------------------------

const (
	// repeatedShingle is the length of the runs of characters compared: long enough that
	// the stock phrases of every report (政府信息公开工作) do not make two texts alike.
	repeatedShingle = 8
	// repeatedShare is the share of this year's text, in percent, found in last year's
	// same section from which the section is 年年雷同.
	repeatedShare = 60
	// repeatedMin: a section shorter than this (in characters compared) is not judged.
	repeatedMin = 30
)

// repeated warns when a section is nearly last year's (〔2019〕60号: 「不得出现敷衍了事
// 甚至年年雷同现象」).
func (v *validator) repeated(s *Section, text string) {
	if v.prev == nil {
		return
	}
	share, ok := commonShare(text, v.prev.Text(s.Field))
	if !ok || share < repeatedShare {
		return
	}
	doc := "国办公开办函〔2019〕60号"
	if f, ok := Lookup("gip-2019"); ok {
		doc = f.Document
	}
	v.add(RuleRepeated, SeverityWarning, "sections."+s.Field, repeatedShare, share,
		"「%s」与上年报告的同一部分有 %d%% 的文字相同；%s 要求「不得出现敷衍了事甚至年年雷同现象」，请按本年度的情况重写。",
		s.Heading, share, doc)
}

// commonShare is the share (percent) of the characters of text that lie in a run of
// repeatedShingle characters also found in last. Spaces and punctuation are left out and
// every number counts as the same, so that changing the years does not make a copy new.
func commonShare(text, last string) (int, bool) {
	a, b := comparable(text), comparable(last)
	if len(a) < repeatedMin || len(b) < repeatedShingle {
		return 0, false
	}
	seen := make(map[[repeatedShingle]rune]struct{}, len(b))
	for i := 0; i+repeatedShingle <= len(b); i++ {
		seen[[repeatedShingle]rune(b[i:i+repeatedShingle])] = struct{}{}
	}
	covered := make([]bool, len(a))
	for i := 0; i+repeatedShingle <= len(a); i++ {
		if _, ok := seen[[repeatedShingle]rune(a[i:i+repeatedShingle])]; ok {
			for k := i; k < i+repeatedShingle; k++ {
				covered[k] = true
			}
		}
	}
	n := 0
	for _, c := range covered {
		if c {
			n++
		}
	}
	return n * 100 / len(a), true
}

func comparable(s string) []rune {
	var out []rune
	inNumber := false
	for _, r := range normalizeDigits(s) {
		switch {
		case isDigit(r):
			if !inNumber {
				out = append(out, '#')
			}
			inNumber = true
			continue
		case unicode.IsLetter(r):
			out = append(out, r)
		}
		inNumber = false
	}
	return out
}

// --- numbers quoted in 总体情况 ------------------------------------------------------------

type quoteCat int

const (
	catNone quoteCat = iota
	catNew
	catCarried
	catDone
	catForward
	catReview
	catLitigation
	catDirect
	catAfter
	catUpheld
	catCorrected
	catOtherResult
	catPending
)

// quoteWords are the words offices write before a figure, by what the figure is. Where
// several match before a figure, the one ending last (then the longest) names it.
var quoteWords = []struct {
	cat   quoteCat
	words []string
}{
	{catNew, []string{"新收", "收到", "受理", "接收", "接到", "收悉", "共收"}},
	{catCarried, []string{"上年结转", "上年度结转", "上一年度结转", "上一年结转", "上年度遗留", "上年遗留", "往年结转"}},
	{catDone, []string{"办结", "答复", "办理完毕", "处理完毕", "已办理", "完成办理", "已处理"}},
	{catForward, []string{"结转下年", "结转至下年", "结转到下年", "结转下一年", "结转至下一年", "结转到下一年", "转入下年", "继续办理", "正在办理", "尚在办理", "仍在办理", "尚未办结"}},
	{catReview, []string{"行政复议"}},
	{catLitigation, []string{"行政诉讼", "提起诉讼", "被起诉"}},
	{catDirect, []string{"直接起诉", "直接提起行政诉讼", "直接提起诉讼"}},
	{catAfter, []string{"复议后起诉", "复议后提起行政诉讼", "复议后提起诉讼"}},
	{catUpheld, []string{"维持"}},
	{catCorrected, []string{"纠正"}},
	{catOtherResult, []string{"其他结果"}},
	{catPending, []string{"尚未审结", "未审结", "审理中", "正在审理"}},
	// Words after which a figure is something else: a result or a kind of applicant
	// (「收到的申请中，予以公开1200件」), a change (「同比增加15件」), each of two (「各1件」).
	{catNone, []string{"予以公开", "部分公开", "不予公开", "无法提供", "不予处理", "其他处理", "自然人", "法人", "企业",
		"当面", "网上", "信函", "传真", "邮件", "同比", "增加", "增长", "减少", "下降", "较上年", "平均", "各"}},
}

// Units a quoted count is written with, and the words that make what follows a part of
// the figure before (「其中」, 「含」).
const (
	quoteUnits   = "件宗起个例"
	partMarkers  = "其中|含|包括"
	appealsTopic = "被|信息公开|政府信息"
)

func (c quoteCat) application() bool { return c >= catNew && c <= catForward }
func (c quoteCat) appeal() bool      { return c >= catReview && c <= catAfter }
func (c quoteCat) result() bool      { return c >= catUpheld }

// partOf reports whether a figure of category part may be a part of one of category c.
func (c quoteCat) partOf(part quoteCat) bool {
	switch {
	case part == catNone:
		return true
	case c == catNew:
		return part == catNew || part == catCarried
	case c == catDone:
		return part == catCarried
	case c == catLitigation:
		return part == catDirect || part == catAfter || part.result()
	case c.appeal():
		return part.result()
	}
	return false
}

type quote struct {
	cat        quoteCat
	value      int64
	start, end int // runes of the sentence: the clause quoted
	parent     *quote
	parts      []*quote
	sentence   []rune
}

func (q *quote) text() string { return strings.TrimSpace(string(q.sentence[q.start:q.end])) }

// overviewNumbers compares the figures 总体情况 quotes for applications (新收, 上年结转,
// 办结, 结转下年度), 行政复议 and 行政诉讼 with tables 三 and 四. A figure in 「（含…）」 or
// after 「其中」 is a part of the figure before it: 「受理3119件，答复3050件（含上年度结转申请
// 34件）」 compares 3119 with 新收 alone; 「共收到…X件（含上年结转Y件）」 compares X with 新收 +
// 上年结转.
func (v *validator) overviewNumbers(s *Section, text string) {
	found := 0
	for _, para := range strings.Split(normalizeDigits(text), "\n") {
		// A sentence without 申请 is still about applications when the one before it was
		// and it names no other business (「办结50件，结转下年度2件。」).
		about := false
		for _, sent := range sentences(para) {
			about = strings.Contains(sent, "申请") || (about && !containsAny(sent, otherTopics))
			for _, q := range quotes([]rune(sent), about) {
				if found == maxQuoteFindings {
					return
				}
				if v.compareQuote(s, q) {
					found++
				}
			}
		}
	}
}

// otherTopics are the businesses 总体情况 reports besides applications, whose counts are
// written the same way (「答复建议提案20件」).
var otherTopics = []string{"建议", "提案", "留言", "咨询", "来信", "热线", "信箱", "主动公开", "发布"}

// quotes finds the figures of one sentence and binds parts to their figures. It reads the
// sentence once: a document of a mebibyte must not take long to check.
func quotes(rs []rune, applications bool) []*quote {
	sent := string(rs)
	appeals := containsAny(sent, strings.Split(appealsTopic, "|"))
	markers := markerEnds(rs)
	var all []*quote
	var top *quote        // the last figure that is not a part
	var lastAppeal *quote // the last top-level figure of 行政复议 or 行政诉讼
	segStart := 0
	parenOpen := -1 // where the open parenthesis starts, -1 outside
	parenParent := (*quote)(nil)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '（', '(':
			parenOpen = i
			parenParent = top
			continue
		case '）', ')':
			if parenParent != nil && parenOpen == parenParent.end {
				parenParent.end = i + 1 // the qualifier is quoted with its figure
			}
			parenOpen = -1
			parenParent = nil
			continue
		}
		if !isDigit(rs[i]) {
			continue
		}
		j, digits := scanDigits(rs, i)
		k := j
		for k < len(rs) && rs[k] == ' ' {
			k++
		}
		if (i > 0 && (rs[i-1] == '第' || rs[i-1] == '.')) || k >= len(rs) || !strings.ContainsRune(quoteUnits, rs[k]) || len(digits) > 12 {
			i = j - 1
			continue
		}
		var n int64
		fmt.Sscan(digits, &n)
		from := segStart
		if parenOpen >= from {
			from = parenOpen + 1
		}
		cat, kwStart := quoteCategory(rs[from:i])
		q := &quote{cat: cat, value: n, start: from, end: k + 1, sentence: rs}
		if kwStart >= 0 {
			q.start = clauseStart(rs, from, from+kwStart)
		}
		switch {
		case parenOpen >= 0 && parenParent != nil:
			q.parent = parenParent
		case top != nil && markerBetween(markers, top.end, i) && top.cat.partOf(cat):
			q.parent = top
		case cat.result():
			q.parent = lastAppeal
		}
		if q.parent != nil {
			q.parent.parts = append(q.parent.parts, q)
		} else if parenOpen < 0 {
			top = q
		}
		if !(q.cat.application() && applications) && !((q.cat.appeal() || q.cat.result()) && appeals) {
			q.cat = catNone
		}
		if q.parent == nil && q.cat.appeal() {
			lastAppeal = q
		}
		all = append(all, q)
		segStart = k + 1
		i = k
	}
	return all
}

// markerEnds lists, in order, where each 其中/含/包括 of a sentence ends.
func markerEnds(rs []rune) []int {
	var out []int
	var words [][]rune
	for _, w := range strings.Split(partMarkers, "|") {
		words = append(words, []rune(w))
	}
	for i := range rs {
		for _, w := range words {
			if i+len(w) <= len(rs) && slices.Equal(rs[i:i+len(w)], w) {
				out = append(out, i+len(w))
			}
		}
	}
	return out
}

// markerBetween reports whether a marker ends in (from, to].
func markerBetween(ends []int, from, to int) bool {
	k, _ := slices.BinarySearch(ends, from+1)
	return k < len(ends) && ends[k] <= to
}

// quoteCategory names a figure from the words before it: the word ending last, then the
// longest. kwStart is where it starts (-1 when none).
func quoteCategory(seg []rune) (quoteCat, int) {
	s := string(seg)
	best, bestEnd, bestLen, bestStart := catNone, -1, 0, -1
	for _, qw := range quoteWords {
		for _, w := range qw.words {
			idx := strings.LastIndex(s, w)
			if idx < 0 {
				continue
			}
			end := idx + len(w)
			if end > bestEnd || (end == bestEnd && len(w) > bestLen) {
				best, bestEnd, bestLen, bestStart = qw.cat, end, len(w), idx
			}
		}
	}
	if bestStart < 0 {
		return catNone, -1
	}
	return best, len([]rune(s[:bestStart]))
}

// clauseStart is where the clause holding position i starts: after the last comma,
// semicolon, colon or parenthesis before it, and not before from.
func clauseStart(rs []rune, from, i int) int {
	for k := min(i, len(rs)) - 1; k >= from; k-- {
		switch rs[k] {
		case '，', ',', '；', ';', '：', ':', '（', '(', '）', ')':
			return k + 1
		}
	}
	return from
}

// tableFigure is a number of tables 三 and 四 a quoted figure is compared with, and how it
// is made up.
type tableFigure struct {
	value int64
	what  string // 「表三「一、本年新收…」的总计」
	terms string // 「（275 + 8）」 for a sum
}

// maxQuoteFindings bounds the sections.overview_numbers findings of a section: past a
// few, a clerk needs to compare the text with the tables anyway.
const maxQuoteFindings = 10

// compareQuote compares one figure with the tables and reports whether it disagrees.
func (v *validator) compareQuote(s *Section, q *quote) bool {
	if q.cat == catNone {
		return false
	}
	var fig tableFigure
	var ok bool
	switch {
	case q.parent == nil && q.cat == catNew && q.hasPart(catCarried):
		fig, ok = v.requestsSum("new", "carried_over")
	case q.parent == nil && q.cat.application():
		fig, ok = v.requestsSum(map[quoteCat]string{catNew: "new", catCarried: "carried_over", catDone: "total", catForward: "carried_forward"}[q.cat])
	case q.parent == nil && q.cat.appeal():
		fig, ok = v.appealsSum("total", appealRows(q.cat)...)
	case q.parent != nil && q.parent.cat == catNew && (q.cat == catNew || q.cat == catCarried):
		fig, ok = v.requestsSum(map[quoteCat]string{catNew: "new", catCarried: "carried_over"}[q.cat])
	case q.parent != nil && q.parent.cat == catLitigation && (q.cat == catDirect || q.cat == catAfter):
		fig, ok = v.appealsSum("total", appealRows(q.cat)...)
	case q.parent != nil && q.parent.cat.appeal() && q.cat.result():
		col := map[quoteCat]string{catUpheld: "upheld", catCorrected: "corrected", catOtherResult: "other", catPending: "pending"}[q.cat]
		fig, ok = v.appealsSum(col, appealRows(q.parent.cat)...)
	}
	if !ok || fig.value == q.value {
		return false
	}
	v.add(RuleOverviewNumbers, SeverityWarning, "sections."+s.Field, fig.value, q.value,
		"「%s」中「%s」与%s %d%s 不一致（%s）。", s.Heading, q.text(), fig.what, fig.value, fig.terms, differs(q.value, fig.value))
	return true
}

func (q *quote) hasPart(c quoteCat) bool {
	for _, p := range q.parts {
		if p.cat == c {
			return true
		}
	}
	return false
}

func appealRows(c quoteCat) []string {
	switch c {
	case catReview:
		return []string{"review"}
	case catDirect:
		return []string{"litigation_direct"}
	case catAfter:
		return []string{"litigation_after_review"}
	}
	return []string{"litigation_direct", "litigation_after_review"}
}

// requestsSum adds the 总计 column of rows of table 三; ok is false when a cell is blank or
// not a number (nothing to compare with).
func (v *validator) requestsSum(rows ...string) (tableFigure, bool) {
	g := v.doc.Requests
	t := g.table
	tc := t.roles.totalCol
	return sumCells(t, g, rows, func(r *Row) *Column { return tc }, func(labels []string) string {
		if len(labels) == 1 {
			return fmt.Sprintf("表%s「%s」的总计", t.Number, labels[0])
		}
		return fmt.Sprintf("表%s「%s」的总计之和", t.Number, strings.Join(labels, "」与「"))
	})
}

// appealsSum adds a column of rows of table 四.
func (v *validator) appealsSum(col string, rows ...string) (tableFigure, bool) {
	g := v.doc.Appeals
	t := g.table
	c := t.Column(col)
	if c == nil {
		return tableFigure{}, false
	}
	return sumCells(t, g, rows, func(*Row) *Column { return c }, func(labels []string) string {
		joined := strings.Join(labels, "」与「")
		if len(labels) > 1 {
			return fmt.Sprintf("表%s「%s」的「%s」之和", t.Number, joined, c.Label)
		}
		return fmt.Sprintf("表%s「%s」的「%s」", t.Number, joined, c.Label)
	})
}

func sumCells(t *Table, g *Grid, rows []string, colOf func(*Row) *Column, what func([]string) string) (tableFigure, bool) {
	var fig tableFigure
	var labels, terms []string
	for _, id := range rows {
		r := t.Row(id)
		if r == nil {
			return fig, false
		}
		n, ok := g.At(r, colOf(r)).Int()
		if !ok {
			return fig, false
		}
		fig.value += n
		labels = append(labels, r.FullLabel())
		terms = append(terms, fmt.Sprint(n))
	}
	fig.what = what(labels)
	if len(terms) > 1 {
		fig.terms = "（" + strings.Join(terms, " + ") + "）"
	}
	return fig, true
}
