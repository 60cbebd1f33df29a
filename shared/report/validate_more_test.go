package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"
)

// The rule cases of issue 15, run by TestRules on both formats like the others.
func init() {
	ruleCases = append(ruleCases,
		ruleCase{
			name: "legacy （六） row", rule: RuleLegacyRow, only: "gip-2021", wantSev: SeverityWarning,
			breakIt: func(d, _ *Document) { toLegacy(d) }, wantPath: "requests.other",
			wantInMsg: []string{"（六）其他处理", "3.其他", "〔2021〕30号"},
		},
		ruleCase{
			name: "printed text without the number", rule: RuleCellPrinted, wantSev: SeverityWarning,
			breakIt: func(d, _ *Document) {
				n, _ := d.Proactive.Get("penalty", "decisions").Int()
				d.Printed = map[string]string{"proactive.penalty.decisions": fmt.Sprintf("%d宗共312800元", n+1)}
			},
			wantPath: "proactive.penalty.decisions", wantInMsg: []string{"行政处罚", "宗共312800元"},
		},
		ruleCase{
			name: "overview quotes another number", rule: RuleOverviewNumbers, wantSev: SeverityWarning,
			breakIt: func(d, _ *Document) {
				n, _ := d.Requests.Get("new", "total").Int()
				d.Sections.Overview = fmt.Sprintf("本年共受理政府信息公开申请%d件。", n+3)
			},
			wantPath: "sections.overview", wantInMsg: []string{"本年共受理政府信息公开申请", "一、本年新收政府信息公开申请数量", "多了 3"},
		},
		ruleCase{
			name: "section 五 copied from last year", rule: RuleRepeated, previous: true, wantSev: SeverityWarning,
			breakIt: func(d, prev *Document) {
				prev.Sections.Problems = problems2023
				d.Sections.Problems = strings.ReplaceAll(problems2023, "2024", "2025")
			},
			wantPath: "sections.problems", wantInMsg: []string{"五、存在的主要问题及改进情况", "年年雷同", "%"},
		},
		ruleCase{
			name: "last year's report of another agency", rule: RuleCrossAgency, previous: true, wantSev: SeverityWarning,
			breakIt:  func(_, prev *Document) { prev.Agency = "示例市另一区应急管理局" },
			wantPath: "agency", wantInMsg: []string{"示例市另一区应急管理局", "示例市示例区应急管理局"},
		},
		ruleCase{
			name: "amount ten thousand times last year's", rule: RuleCrossUnit, previous: true, wantSev: SeverityWarning,
			breakIt: func(d, prev *Document) {
				row := amountRow(d)
				if d.Format == "gip-2019" {
					// Last year in 元 (unstated), this year the same amount stated in 万元.
					d.Units = map[string]string{"proactive." + row + ".amount": "万元"}
					return
				}
				if err := prev.Proactive.Set(row, "amount", mustCell("12345600")); err != nil {
					panic(err)
				}
			},
			wantInMsg: []string{"10000 倍", "元或万元"},
		},
		ruleCase{
			name: "last year's carried forward blank", rule: RuleCrossCarriedOver, previous: true, wantSev: SeverityWarning,
			breakIt: func(_, prev *Document) {
				if err := prev.Requests.Set("carried_forward", "research", Cell{}); err != nil {
					panic(err)
				}
			},
			wantPath: "requests.carried_over.research", wantActual: nil, wantInMsg: []string{"上年未填写，无法核对", "科研机构"},
		},
		ruleCase{
			name: "last year's carried forward row blank", rule: RuleCrossCarriedOver, previous: true, wantSev: SeverityWarning,
			breakIt:  func(_, prev *Document) { prev.Requests = NewGrid(prev.Spec().Requests) },
			wantPath: "requests.carried_over", wantInMsg: []string{"上年未填写，无法核对", "整行"},
		},
		ruleCase{
			name: "last year's in force blank", rule: RuleCrossInForce, only: "gip-2021", previous: true, wantSev: SeverityWarning,
			breakIt: func(_, prev *Document) {
				if err := prev.Proactive.Set("regulations", "in_force", Cell{}); err != nil {
					panic(err)
				}
			},
			wantPath: "proactive.regulations.in_force", wantInMsg: []string{"上年未填写，无法核对", "规章"},
		},
	)
}

func amountRow(d *Document) string {
	if d.Format == "gip-2019" {
		return "procurement"
	}
	return "fees"
}

// toLegacy rewrites a gip-2021 table 三 in the 2019 layout of （六）: one row holding the
// sum of the three sub-rows.
func toLegacy(d *Document) {
	f := d.Spec()
	old := d.Requests
	g := NewGrid(f.LegacyRequests)
	for _, r := range f.LegacyRequests.Rows {
		for _, c := range r.Columns {
			if r.ID != "other" {
				g.SetAt(r, c, old.Get(r.ID, c.ID))
				continue
			}
			var sum int64
			for _, sub := range []string{"other_no_correction", "other_fee_unpaid", "other_misc"} {
				n, _ := old.Get(sub, c.ID).Int()
				sum += n
			}
			g.SetAt(r, c, Int(sum))
		}
	}
	d.Requests = g
}

// A blank cell of last year's report is not 0: the message says it cannot be checked,
// and never works out a sum with it.
func TestCrossYearBlankIsNotZero(t *testing.T) {
	f, _ := Lookup("gip-2021")
	d := consistent(f, rand.New(rand.NewPCG(11, 12)))
	prev := lastYear(d)
	if err := prev.Proactive.Set("normative_docs", "in_force", Cell{}); err != nil {
		t.Fatal(err)
	}
	fs := findingsOf(Validate(d, prev), RuleCrossInForce)
	if len(fs) != 1 {
		t.Fatalf("in_force findings = %+v, want one", fs)
	}
	if strings.Contains(fs[0].Message, "上年 0 +") || fs[0].Expected != nil {
		t.Errorf("blank treated as 0: %+v", fs[0])
	}
}

func TestLegacyRowDocument(t *testing.T) {
	d := readFixture(t, "legacy-2023.json")
	if d.Requests.Table() != d.Spec().LegacyRequests {
		t.Fatal("a gip-2021 document with requests.other is not laid out for the legacy table 三")
	}
	res := Check(d, nil)
	if !res.Valid {
		t.Fatalf("legacy document not valid: %+v", res.Findings)
	}
	if got := findingsOf(res.Findings, RuleLegacyRow); len(got) != 1 {
		t.Errorf("legacy_row findings = %+v, want one", got)
	}
	// The sums count the row: take it out of the row and （七）总计 breaks.
	if err := d.Requests.Set("other", "natural_person", Int(0)); err != nil {
		t.Fatal(err)
	}
	if err := d.Requests.Set("other", "total", Int(0)); err != nil {
		t.Fatal(err)
	}
	fs := findingsOf(Validate(d, nil), RuleResultTotal)
	if len(fs) == 0 || fs[0].Path != "requests.total.natural_person" {
		t.Errorf("result total without the legacy row: %+v", fs)
	}
	// A standard gip-2021 report as last year's, and the legacy one as last year's.
	f := d.Spec()
	std := consistent(f, rand.New(rand.NewPCG(1, 2)))
	leg := std.Clone()
	toLegacy(leg)
	for _, pair := range [][2]*Document{{std, leg}, {leg, std}} {
		prev := pair[1].Clone()
		prev.Year = pair[0].Year - 1
		for _, c := range f.Requests.Columns {
			prev.Requests.SetAt(f.RequestsForward, c, pair[0].Requests.At(f.RequestsCarried, c))
		}
		if fs := findingsOf(Validate(pair[0], prev), RuleCrossCarriedOver); len(fs) != 0 {
			t.Errorf("carried over across layouts: %+v", fs)
		}
	}
}

func TestFeeReportWording(t *testing.T) {
	holds := []string{
		"本年度未收取信息处理费。",
		"本年度未收取信息公开处理费。",
		"未发生政府信息公开收费事项。",
		"未收取任何有关政府信息公开工作的费用。",
		"无收取信息处理费情况。",
		"本机关2024年度共收取信息处理费150元。",
		"依据《政府信息公开信息处理费管理办法》，本年度收取信息处理费0元。",
		"本年度政府信息公开工作未收取任何费用。",
		"我局在办理政府信息公开申请过程中免收费用。",
		"1.收取信息处理费情况：无。",
		"本年度无其他需要报告的事项。\n本年度未产生信息处理费。",
		"本机关办理依申请公开事项，均不收费。",
	}
	warns := []string{
		"",
		"无。",
		"本年度无其他需要报告的事项。",
		"本机关积极办理人大代表建议和政协委员提案，均已按时答复。",
		"依法公开行政事业性收费目录清单。",
		"加强政务公开工作经费保障。",
		"本年度收到信息公开申请较上年有所增加。",
		"办公费用支出严格执行预算管理。",
	}
	for _, f := range Formats() {
		for _, tc := range []struct {
			texts []string
			want  bool
		}{{holds, false}, {warns, true}} {
			for _, text := range tc.texts {
				d := consistent(f, rand.New(rand.NewPCG(1, 1)))
				d.Sections.Other = text
				got := len(findingsOf(Validate(d, nil), RuleFeeReport)) > 0
				if f.ID == "gip-2019" {
					if got {
						t.Errorf("gip-2019: fee_report fired on %q", text)
					}
					continue
				}
				if got != tc.want {
					t.Errorf("section 六 %q: warned = %v, want %v", text, got, tc.want)
				}
			}
		}
	}
}

func TestPrintedStatesNumber(t *testing.T) {
	tests := []struct {
		number, text string
		states       bool
	}{
		{"13", "13宗共113200元", true},
		{"113200", "13宗共113200元", true},
		{"7", "7宗共312800元", true},
		{"-4", "减4", true},
		{"-4", "-4", true},
		{"-4", "－４", true},
		{"-4", "减少4项", true},
		{"22", "22（其中修订16件）", true},
		{"16", "22（其中修订16件）", true},
		{"3119", "3,119件", true},
		{"1234.5", "1234.50万元", true},
		{"0", "无", true},
		{"0", "0宗", true},
		{"5", "增5", true},
		{"12", "１２项", true},
		// does not state it
		{"14", "13宗共113200元", false},
		{"1", "13宗共113200元", false}, // 1 is part of 13, not a number of its own
		{"4", "减4", false},          // says a decrease of 4, the cell says +4
		{"-4", "4", false},
		{"-4", "增4", false},
		{"0", "13宗", false},
		{"3", "三宗", false},
		{"1234.56", "1234.5万元", false},
		{"2", "22（其中修订16件）", false},
	}
	for _, tt := range tests {
		if got := statesNumber(tt.text, mustCell(tt.number)); got != tt.states {
			t.Errorf("statesNumber(%q, %s) = %v, want %v", tt.text, tt.number, got, tt.states)
		}
	}
}

func TestPrintedBlankCell(t *testing.T) {
	for _, f := range Formats() {
		d := consistent(f, rand.New(rand.NewPCG(2, 2)))
		d.Proactive.SetAt(f.Proactive.Row("penalty"), f.Proactive.Column("decisions"), Cell{})
		d.Printed = map[string]string{"proactive.penalty.decisions": "/"}
		if fs := findingsOf(Validate(d, nil), RuleCellPrinted); len(fs) != 0 {
			t.Errorf("%s: a blank cell printed「/」: %+v", f.ID, fs)
		}
		d.Printed["proactive.penalty.decisions"] = "7宗"
		if fs := findingsOf(Validate(d, nil), RuleCellPrinted); len(fs) != 1 {
			t.Errorf("%s: a blank cell printed「7宗」: %+v, want one finding", f.ID, fs)
		}
	}
}

// overviewDoc is a report whose tables say: 新收 275, 上年结转 8, 办结（七）总计 270,
// 结转下年度 13; 行政复议 3 (维持 2, 纠正 1); 行政诉讼 直接起诉 1 (维持 1) + 复议后起诉 1
// (尚未审结 1).
func overviewDoc(f *Format) *Document {
	d := New(f, "某市人民政府办公室", f.FirstYear+1)
	d.Sections = Sections{Problems: "无", Other: "未收取信息处理费。"}
	for row, n := range map[string]int64{"new": 275, "carried_over": 8, "total": 270, "carried_forward": 13} {
		set(d.Requests, row, "total", n)
	}
	for _, c := range []struct {
		row, col string
		n        int64
	}{
		{"review", "upheld", 2}, {"review", "corrected", 1}, {"review", "other", 0}, {"review", "pending", 0}, {"review", "total", 3},
		{"litigation_direct", "upheld", 1}, {"litigation_direct", "corrected", 0}, {"litigation_direct", "other", 0}, {"litigation_direct", "pending", 0}, {"litigation_direct", "total", 1},
		{"litigation_after_review", "upheld", 0}, {"litigation_after_review", "corrected", 0}, {"litigation_after_review", "other", 0}, {"litigation_after_review", "pending", 1}, {"litigation_after_review", "total", 1},
	} {
		set(d.Appeals, c.row, c.col, c.n)
	}
	return d
}

// Sentences as offices write them that agree with overviewDoc's tables: no warning.
var agreeingOverviews = []string{
	"全年共收到政府信息公开申请275件，其中自然人申请200件、法人或其他组织申请75件。",
	"本年度共受理政府信息公开申请275件，上年结转8件；办结270件，结转下年度继续办理13件。",
	"2022年，我办共收到政府信息公开申请283件（含上年结转8件），已全部依法答复。",
	"全年共受理政府信息公开申请283件（其中本年新收275件、上年结转8件）。",
	"全年共受理政府信息公开申请283件，其中本年新收275件，上年结转8件。",
	"受理275件，答复270件（含上年度结转申请6件），结转下年度13件。",
	"本年新收政府信息公开申请275件。办结270件，结转下年度13件。",
	"因政府信息公开被申请行政复议3件，其中维持2件，纠正1件。",
	"被申请行政复议3件，其中维持2件；被提起行政诉讼2件，其中未经复议直接起诉1件、复议后起诉1件。",
	"因政府信息公开被提起行政诉讼2件，尚未审结1件。",
	"全年共收到政府信息公开申请275件。全年主动公开政府信息3120条，答复网民留言560件。",
	"全年办理人大代表建议40件、政协提案35件，均已答复。",
	"本年度共收到政府信息公开申请二百七十五件，办理200余件。",
	"2022年共发布政府信息1200件，其中规范性文件12件。",
	"在收到的申请中，予以公开120件，部分公开30件，不予公开5件。",
	"全年共收到政府信息公开申请275件，同比增加15件；其中当面申请12件，网上申请263件。",
	"上年结转的8件申请已全部办结。",
	"结转至2023年继续办理13件。",
	"本年度，因政府信息公开被申请行政复议和提起行政诉讼各1件。",
	"收到政府信息公开申请275件，按时答复率100%。",
}

// Sentences that contradict the tables, with the number quoted and the table's.
var disagreeingOverviews = []struct {
	text            string
	quoted, table   int64
	wantInMsg       string
	otherFindingsOK bool
}{
	{"本年共受理政府信息公开申请258件。", 258, 275, "本年共受理政府信息公开申请258件", false},
	{"全年共收到政府信息公开申请275件（含上年结转8件）。", 275, 283, "含上年结转", false},
	{"全年共收到政府信息公开申请283件（含上年结转9件）。", 9, 8, "上年结转9件", true},
	{"受理275件，答复3050件（含上年度结转申请34件）。", 3050, 270, "答复3050件", false},
	{"收到政府信息公开申请275件，办结270件，结转下年度12件。", 12, 13, "结转下年度12件", false},
	{"本年度收到申请275件，上年结转10件。", 10, 8, "上年结转10件", false},
	{"被申请行政复议4件，其中维持2件。", 4, 3, "被申请行政复议4件", false},
	{"因政府信息公开被申请行政复议3件，其中维持3件。", 3, 2, "维持3件", false},
	{"因政府信息公开被提起行政诉讼3件。", 3, 2, "行政诉讼3件", false},
	{"因政府信息公开被提起行政诉讼2件，其中直接起诉2件。", 2, 1, "直接起诉2件", false},
	{"全年共收到政府信息公开申请3,119件。", 3119, 275, "3,119件", false},
	{"全年共收到政府信息公开申请275件。办结271件。", 271, 270, "办结271件", false},
}

func TestOverviewNumbers(t *testing.T) {
	for _, f := range Formats() {
		for _, text := range agreeingOverviews {
			d := overviewDoc(f)
			d.Sections.Overview = text
			if fs := findingsOf(Validate(d, nil), RuleOverviewNumbers); len(fs) != 0 {
				t.Errorf("%s: agreeing %q got %+v", f.ID, text, fs)
			}
		}
		for _, tc := range disagreeingOverviews {
			d := overviewDoc(f)
			d.Sections.Overview = tc.text
			fs := findingsOf(Validate(d, nil), RuleOverviewNumbers)
			if len(fs) == 0 || (len(fs) > 1 && !tc.otherFindingsOK) {
				t.Errorf("%s: disagreeing %q got %+v, want one finding", f.ID, tc.text, fs)
				continue
			}
			var got *Finding
			for i := range fs {
				if fs[i].Actual == tc.quoted {
					got = &fs[i]
				}
			}
			if got == nil {
				t.Errorf("%s: %q: no finding quoting %d: %+v", f.ID, tc.text, tc.quoted, fs)
				continue
			}
			if got.Expected != tc.table || got.Path != "sections.overview" {
				t.Errorf("%s: %q: expected %v at %s, want %d at sections.overview", f.ID, tc.text, got.Expected, got.Path, tc.table)
			}
			for _, s := range []string{tc.wantInMsg, fmt.Sprint(tc.table), "一、总体情况"} {
				if !strings.Contains(got.Message, s) {
					t.Errorf("%s: message %q does not mention %q", f.ID, got.Message, s)
				}
			}
		}
	}
	// The whole of the agreeing sentences as one 总体情况 stays silent too.
	d := overviewDoc(Formats()[1])
	d.Sections.Overview = strings.Join(agreeingOverviews, "\n")
	if fs := findingsOf(Validate(d, nil), RuleOverviewNumbers); len(fs) != 0 {
		t.Errorf("agreeing overview got %+v", fs)
	}
}

const problems2023 = "一是政务公开工作机制有待进一步健全，部分科室对政府信息公开工作重视程度不够，信息发布不够及时。" +
	"二是政策解读形式较为单一，图解、视频等多样化解读产品偏少，解读的针对性和实效性有待提升。" +
	"三是依申请公开答复质量有待提高，工作人员业务能力需进一步加强。" +
	"2024年，我局将从以下方面加以改进：一是健全工作机制，明确各科室信息公开职责，建立信息发布定期检查制度；" +
	"二是丰富解读形式，围绕群众关切的重点政策制作图解和视频解读；三是加强业务培训，组织工作人员学习《条例》，提升答复的规范化水平。"

// A rewritten section 五: the same office, the same stock phrases, new content.
const problemsRewritten = "一是基层政务公开标准化规范化建设推进不平衡，乡镇（街道）公开目录更新滞后。" +
	"二是重大决策预公开的公众参与度不高，意见征集后的采纳情况反馈不够充分。" +
	"三是政府网站部分栏目与政务新媒体信息同步不够，存在内容重复、更新不一的情况。" +
	"下一步，我局将开展基层公开目录集中梳理，每季度通报更新情况；在重大决策草案公开征求意见后十个工作日内公布采纳情况；" +
	"建立网站与新媒体同步发布机制，由专人负责内容核对。"

func TestRepeated(t *testing.T) {
	for _, f := range Formats() {
		d := consistent(f, rand.New(rand.NewPCG(9, 9)))
		prev := lastYear(d)
		prev.Sections.Problems = problems2023
		prev.Sections.Overview = problems2023
		for _, tc := range []struct {
			name, problems string
			want           bool
		}{
			{"copied, years changed", strings.ReplaceAll(problems2023, "2024", "2025"), true},
			{"copied, one sentence added", problems2023 + "四是加强监督考核，将政务公开纳入年度绩效考核。", true},
			{"rewritten", problemsRewritten, false},
			{"short", "无。", false},
		} {
			d.Sections.Problems = tc.problems
			fs := findingsOf(Validate(d, prev), RuleRepeated)
			if (len(fs) > 0) != tc.want {
				t.Errorf("%s %s: repeated findings %+v, want %v", f.ID, tc.name, fs, tc.want)
				continue
			}
			if tc.want {
				share, _ := fs[0].Actual.(int)
				if fs[0].Path != "sections.problems" || share < 80 || !strings.Contains(fs[0].Message, fmt.Sprintf("%d%%", share)) {
					t.Errorf("%s %s: finding %+v", f.ID, tc.name, fs[0])
				}
			}
		}
		// Section 一 is compared too.
		d.Sections.Overview = problems2023
		fs := findingsOf(Validate(d, prev), RuleRepeated)
		if len(fs) != 1 || fs[0].Path != "sections.overview" {
			t.Errorf("%s: copied section 一: %+v", f.ID, fs)
		}
	}
	if share, _ := commonShare(problemsRewritten, problems2023); share >= repeatedShare {
		t.Errorf("rewritten section shares %d%%", share)
	}
}

// The new fields survive a round trip in both formats, and a document without them
// writes exactly what it wrote before (no new keys).
func TestNewFieldsRoundTrip(t *testing.T) {
	docs := map[string]string{
		"gip-2019": `{"format":"gip-2019","agency":"某局","year":2020,"title":"某局2020年政府信息公开工作年度报告",` +
			`"sections":{"preamble":"本报告依据《条例》编制。","overview":"a","problems":"b","other":""},` +
			`"proactive":{"penalty":{"prev_count":13,"change":-4},"procurement":{"amount":12.5}},"requests":{},"appeals":{},"notes":{},` +
			`"printed":{"proactive.penalty.prev_count":"13宗共113200元","proactive.penalty.change":"减4"},` +
			`"units":{"proactive.procurement.amount":"万元"},"signature":{"name":"某局","date":"2021年1月20日"}}`,
		"gip-2021": `{"format":"gip-2021","agency":"某局","year":2023,"title":"2023年某局政府信息公开工作年度报告",` +
			`"sections":{"preamble":"编制说明","overview":"a","problems":"b","other":"c"},` +
			`"proactive":{"fees":{"amount":0}},"requests":{"other":{"total":2},"total":{"total":2}},"appeals":{},"notes":{},` +
			`"printed":{"requests.other.total":"2（其中逾期不补正1件）"},` +
			`"units":{"proactive.fees.amount":"万元"},"signature":{"name":"某局"}}`,
	}
	for id, in := range docs {
		d, err := DecodeBytes([]byte(in))
		if err != nil {
			t.Fatalf("%s: %v", id, err)
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, []byte(in)) {
			t.Errorf("%s: written differently:\n got %s\nwant %s", id, out, in)
		}
		if d.PrintedTitle() == DefaultTitle(d.Agency, d.Year) {
			t.Errorf("%s: title not read", id)
		}
		c := d.Clone()
		c.Printed["x"] = "y"
		if _, ok := d.Printed["x"]; ok {
			t.Errorf("%s: Clone shares printed", id)
		}
	}
	plain := `{"format":"gip-2021","agency":"某局","year":2023,"sections":{"overview":"a","problems":"b","other":"c"},"proactive":{},"requests":{},"appeals":{},"notes":{}}`
	d, err := DecodeBytes([]byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	if out, _ := json.Marshal(d); string(out) != plain {
		t.Errorf("a document without the new fields is written as\n%s", out)
	}
	if d.PrintedTitle() != "某局2023年度政府信息公开工作年度报告" {
		t.Errorf("default title %q", d.PrintedTitle())
	}
}

func TestUnits(t *testing.T) {
	f, _ := Lookup("gip-2019")
	d := New(f, "某局", 2020)
	tb := f.Proactive
	r, c := tb.Row("procurement"), tb.Column("amount")
	if got := d.UnitOf(tb, r, c); got != "元" {
		t.Errorf("default unit %q, want 元", got)
	}
	if got := d.ColumnHeading(tb, c); got != "采购总金额" {
		t.Errorf("heading without a unit stated: %q", got)
	}
	d.Units = map[string]string{"proactive.procurement.amount": "万元"}
	if got := d.ColumnHeading(tb, c); got != "采购总金额（单位：万元）" {
		t.Errorf("heading %q", got)
	}
	f21, _ := Lookup("gip-2021")
	d21 := New(f21, "某局", 2022)
	d21.Units = map[string]string{"proactive.fees.amount": "万元"}
	fc := f21.Proactive.Column("amount")
	if got := d21.ColumnHeading(f21.Proactive, fc); got != fc.Label {
		t.Errorf("gip-2021 heading %q: the label already says 万元", got)
	}
	// Same amount stated in different units agrees across years; 元 vs 万元 unstated does not.
	prev := New(f, "某局", 2019)
	set(prev.Proactive, "procurement", "items", 1)
	if err := prev.Proactive.Set("procurement", "amount", mustCell("1250000")); err != nil {
		t.Fatal(err)
	}
	if err := d.Proactive.Set("procurement", "amount", mustCell("125")); err != nil {
		t.Fatal(err)
	}
	d.Sections, prev.Sections = Sections{Overview: "x", Problems: "y"}, Sections{Overview: "z", Problems: "w"}
	if fs := findingsOf(Validate(d, prev), RuleCrossUnit); len(fs) != 0 {
		t.Errorf("125 万元 against 1250000 元: %+v", fs)
	}
	d.Units = nil
	fs := findingsOf(Validate(d, prev), RuleCrossUnit)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "未注明单位") {
		t.Errorf("125 (元) against 1250000 元: %+v", fs)
	}
}

func TestStandard(t *testing.T) {
	d := readFixture(t, "legacy-2023.json")
	s := d.Standard()
	if s.Requests.Table() != s.Spec().Requests {
		t.Fatal("Standard kept the legacy layout")
	}
	if got := s.Requests.Get("other_misc", "natural_person").String(); got != "2" {
		t.Errorf("3.其他 自然人 = %q, want the legacy row's 2", got)
	}
	if s.Printed["requests.other_misc.total"] != d.Printed["requests.other.total"] || s.Printed["requests.other.total"] != "" {
		t.Errorf("printed texts not moved: %v", s.Printed)
	}
	if d.Requests.Table() != d.Spec().LegacyRequests || d.Printed["requests.other.total"] == "" {
		t.Error("Standard changed the document it was called on")
	}
	if fs := Validate(s, nil); HasErrors(fs) || len(findingsOf(fs, RuleLegacyRow)) != 0 {
		t.Errorf("standard document findings: %+v", fs)
	}
	plain := readFixture(t, "sample-2021.json")
	if plain.Standard() != plain {
		t.Error("Standard copied a document already in the standard layout")
	}
}

// The spec names every rule and every field of the document.
func TestSpecNamesEveryRuleAndField(t *testing.T) {
	raw, err := os.ReadFile("../../docs/report-document.md")
	if err != nil {
		t.Fatal(err)
	}
	spec := string(raw)
	for _, r := range Rules {
		if !strings.Contains(spec, "`"+r.ID+"`") {
			t.Errorf("docs/report-document.md does not describe rule %s", r.ID)
		}
	}
	for _, f := range []string{"title", "sections.preamble", "signature", "printed", "units", "requests.other"} {
		if !strings.Contains(spec, "`"+f+"`") {
			t.Errorf("docs/report-document.md does not describe %s", f)
		}
	}
}

// A long 总体情况 full of figures is read in one pass, and gives at most
// maxQuoteFindings findings. (A quadratic reading took over a minute on this text.)
func TestOverviewNumbersLongText(t *testing.T) {
	d := overviewDoc(Formats()[1])
	d.Sections.Overview = "收到政府信息公开申请5件，其中" + strings.Repeat("自然人1件、", 40000) + "。" + strings.Repeat("收到申请1件，", 40000)
	start := time.Now()
	fs := findingsOf(Validate(d, nil), RuleOverviewNumbers)
	if took := time.Since(start); took > 20*time.Second {
		t.Errorf("validating took %v", took)
	}
	if len(fs) != maxQuoteFindings {
		t.Errorf("%d findings, want %d", len(fs), maxQuoteFindings)
	}
}

// A grid answers for rows and columns of the other layout of its table by id: code that
// holds the format's roles (f.RequestsForward …) reads a legacy table 三 correctly.
func TestGridAcrossLayouts(t *testing.T) {
	d := readFixture(t, "legacy-2023.json")
	f := d.Spec()
	if got := d.Requests.At(f.RequestsForward, f.RequestsTotalCol).String(); got != "15" {
		t.Errorf("结转下年度 总计 through the standard layout's row = %q, want 15", got)
	}
	if got := d.Requests.At(f.Requests.Row("other_misc"), f.RequestsTotalCol); !got.Blank() {
		t.Errorf("a row the legacy layout lacks reads %q, want blank", got)
	}
	d.Requests.SetAt(f.Requests.Row("other_misc"), f.RequestsTotalCol, Int(9)) // ignored, not a panic
	d.Requests.SetAt(f.RequestsNew, f.RequestsTotalCol, Int(45))
	if got := d.Requests.Get("new", "total").String(); got != "45" {
		t.Errorf("set through the standard layout's row: %q", got)
	}
}
