package report

// The two official formats, label for label as printed in the templates of
// 国办公开办函〔2019〕60号 and 〔2021〕30号 (docs/domain-notes.md §1.3–1.6), with the ids of
// docs/report-document.md. Nothing else in the project spells these labels.

// Sections and labels that read the same in both templates.
const (
	headingOverview  = "一、总体情况"
	headingProactive = "二、主动公开政府信息情况"
	headingRequests  = "三、收到和处理政府信息公开申请情况"
	headingAppeals   = "四、政府信息公开行政复议、行政诉讼情况"
	headingProblems  = "五、存在的主要问题及改进情况"
	headingOther     = "六、其他需要报告的事项"

	rowHeadingContent = "信息内容"
	requestsCorner    = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
	requestsCase      = "申请人情况"
)

// The parts of a report around the six sections, as the form and the page name them.
// They are not in the official templates; offices print them (docs/report-document.md).
const (
	LabelTitle     = "标题"
	LabelPreamble  = "编制说明"
	LabelSignature = "落款"
	LabelSignName  = "落款单位"
	LabelSignDate  = "落款日期"
	LabelPrinted   = "表中文字"
	LabelUnit      = "单位"
)

// Units an Amount column may be stated in, and what each is in 元.
var Units = []struct {
	Name string
	Yuan int64
}{{"元", 1}, {"万元", 10000}}

// Hint printed in the empty cell of section 六 in the 2021 template.
const hintFeeReport = "（文字描述，收取信息处理费情况在此处报告。）"

func init() {
	register(gip2019())
	register(gip2021())
}

func gip2019() *Format {
	newMade := col("new_made", "本年新制作数量", Count)
	newPublished := col("new_published", "本年新公开数量", Count)
	totalPublished := col("total_published", "对外公开总数量", Count)
	prevCount := col("prev_count", "上一年项目数量", Count)
	change := col("change", "本年增/减", SignedCount)
	decisions := col("decisions", "处理决定数量", Count)
	items := col("items", "采购项目数量", Count)
	amount := col("amount", "采购总金额", Amount)
	amount.Unit = "元"

	proactive := &Table{
		Key: "proactive", Number: "二", Heading: headingProactive,
		Blocks: []*Block{
			{
				Heading: "第二十条第（一）项", RowHeading: rowHeadingContent,
				ColumnTree: leafCols(newMade, newPublished, totalPublished),
				RowTree:    []*Header{leafRow("regulations", "规章"), leafRow("normative_docs", "规范性文件")},
			},
			{
				Heading: "第二十条第（五）项", RowHeading: rowHeadingContent,
				ColumnTree: leafCols(prevCount, change, decisions),
				RowTree:    []*Header{leafRow("licensing", "行政许可"), leafRow("other_services", "其他对外管理服务事项")},
			},
			{
				Heading: "第二十条第（六）项", RowHeading: rowHeadingContent,
				ColumnTree: leafCols(prevCount, change, decisions),
				RowTree:    []*Header{leafRow("penalty", "行政处罚"), leafRow("enforcement", "行政强制")},
			},
			{
				Heading: "第二十条第（八）项", RowHeading: rowHeadingContent,
				ColumnTree: leafCols(prevCount, change),
				RowTree:    []*Header{leafRow("fees", "行政事业性收费")},
			},
			{
				Heading: "第二十条第（九）项", RowHeading: rowHeadingContent,
				ColumnTree: leafCols(items, amount),
				RowTree:    []*Header{leafRow("procurement", "政府集中采购")},
			},
		},
	}
	return finishFormat(&Format{
		ID:        "gip-2019",
		Document:  "国办公开办函〔2019〕60号",
		Title:     "中华人民共和国政府信息公开工作年度报告格式（试行）",
		FirstYear: 2019,
		LastYear:  2020,
		Proactive: proactive.finish(),
		Requests:  requestsTable(leafRow("other", "（六）其他处理")),
		Appeals:   appealsTable(),
	}, "")
}

func gip2021() *Format {
	issued := col("issued", "本年制发件数", Count)
	repealed := col("repealed", "本年废止件数", Count)
	inForce := col("in_force", "现行有效件数", Count)
	decisions := col("decisions", "本年处理决定数量", Count)
	amount := col("amount", "本年收费金额（单位：万元）", Amount)
	amount.Unit, amount.UnitInLabel = "万元", true

	proactive := &Table{
		Key: "proactive", Number: "二", Heading: headingProactive,
		Blocks: []*Block{
			{
				Heading: "第二十条第（一）项", RowHeading: rowHeadingContent,
				ColumnTree: leafCols(issued, repealed, inForce),
				RowTree:    []*Header{leafRow("regulations", "规章"), leafRow("normative_docs", "行政规范性文件")},
			},
			{
				Heading: "第二十条第（五）项", RowHeading: rowHeadingContent,
				ColumnTree: leafCols(decisions),
				RowTree:    []*Header{leafRow("licensing", "行政许可")},
			},
			{
				Heading: "第二十条第（六）项", RowHeading: rowHeadingContent,
				ColumnTree: leafCols(decisions),
				RowTree:    []*Header{leafRow("penalty", "行政处罚"), leafRow("enforcement", "行政强制")},
			},
			{
				Heading: "第二十条第（八）项", RowHeading: rowHeadingContent,
				ColumnTree: leafCols(amount),
				RowTree:    []*Header{leafRow("fees", "行政事业性收费")},
			},
		},
	}
	return finishFormat(&Format{
		ID:        "gip-2021",
		Document:  "国办公开办函〔2021〕30号",
		Title:     "中华人民共和国政府信息公开工作年度报告格式",
		FirstYear: 2021,
		Proactive: proactive.finish(),
		Requests: requestsTable(group("（六）其他处理",
			leafRow("other_no_correction", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
			leafRow("other_fee_unpaid", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
			leafRow("other_misc", "3.其他"),
		)),
		Appeals:        appealsTable(),
		LegacyRequests: requestsTable(leafRow("other", "（六）其他处理")),
	}, hintFeeReport)
}

// requestsTable builds table 三. The formats differ only in （六）其他处理, passed in.
func requestsTable(other *Header) *Table {
	results := group("三、本年度办理结果",
		leafRow("granted", "（一）予以公开"),
		leafRow("partial", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
		group("（三）不予公开",
			leafRow("denied_state_secret", "1.属于国家秘密"),
			leafRow("denied_prohibited", "2.其他法律行政法规禁止公开"),
			leafRow("denied_security", "3.危及“三安全一稳定”"),
			leafRow("denied_third_party", "4.保护第三方合法权益"),
			leafRow("denied_internal", "5.属于三类内部事务信息"),
			leafRow("denied_process", "6.属于四类过程性信息"),
			leafRow("denied_enforcement_file", "7.属于行政执法案卷"),
			leafRow("denied_admin_query", "8.属于行政查询事项"),
		),
		group("（四）无法提供",
			leafRow("unavailable_not_held", "1.本机关不掌握相关政府信息"),
			leafRow("unavailable_needs_creation", "2.没有现成信息需要另行制作"),
			leafRow("unavailable_unclear", "3.补正后申请内容仍不明确"),
		),
		group("（五）不予处理",
			leafRow("declined_petition", "1.信访举报投诉类申请"),
			leafRow("declined_repeat", "2.重复申请"),
			leafRow("declined_publication", "3.要求提供公开出版物"),
			leafRow("declined_mass", "4.无正当理由大量反复申请"),
			leafRow("declined_confirm", "5.要求行政机关确认或重新出具已获取信息"),
		),
		other,
		leafRow("total", "（七）总计"),
	)
	results.Short = true
	return (&Table{
		Key: "requests", Number: "三", Heading: headingRequests,
		Corner: requestsCorner, CaseHeading: requestsCase,
		Blocks: []*Block{{
			ColumnTree: []*Header{
				leafCol(col("natural_person", "自然人", Count)),
				group("法人或其他组织",
					leafCol(col("commercial", "商业企业", Count)),
					leafCol(col("research", "科研机构", Count)),
					leafCol(col("social_welfare", "社会公益组织", Count)),
					leafCol(col("legal_service", "法律服务机构", Count)),
					leafCol(col("other_org", "其他", Count)),
				),
				leafCol(col("total", "总计", Count)),
			},
			RowTree: []*Header{
				leafRow("new", "一、本年新收政府信息公开申请数量"),
				leafRow("carried_over", "二、上年结转政府信息公开申请数量"),
				results,
				leafRow("carried_forward", "四、结转下年度继续办理"),
			},
		}},
	}).finish()
}

// appealsTable builds table 四, the same in both formats.
func appealsTable() *Table {
	return (&Table{
		Key: "appeals", Number: "四", Heading: headingAppeals, OneLine: true,
		Blocks: []*Block{{
			ColumnTree: leafCols(
				col("upheld", "结果维持", Count),
				col("corrected", "结果纠正", Count),
				col("other", "其他结果", Count),
				col("pending", "尚未审结", Count),
				col("total", "总计", Count),
			),
			RowTree: []*Header{
				leafRow("review", "行政复议"),
				group("行政诉讼",
					leafRow("litigation_direct", "未经复议直接起诉"),
					leafRow("litigation_after_review", "复议后起诉"),
				),
			},
		}},
	}).finish()
}

func leafCols(cs ...*Column) []*Header {
	hs := make([]*Header, len(cs))
	for i, c := range cs {
		hs[i] = leafCol(c)
	}
	return hs
}

// finishFormat adds the sections in printed order and the row and column roles the
// rules of tables 三 and 四 need.
func finishFormat(f *Format, otherHint string) *Format {
	f.Sections = []*Section{
		{Number: "一", Heading: headingOverview, Field: "overview"},
		{Number: "二", Heading: headingProactive, Table: f.Proactive},
		{Number: "三", Heading: headingRequests, Table: f.Requests},
		{Number: "四", Heading: headingAppeals, Table: f.Appeals},
		{Number: "五", Heading: headingProblems, Field: "problems"},
		{Number: "六", Heading: headingOther, Field: "other", Hint: otherHint},
	}
	for _, t := range []*Table{f.Requests, f.LegacyRequests} {
		if t != nil {
			t.roles = newRequestRoles(t)
		}
	}
	r := f.Requests.roles
	f.RequestsNew, f.RequestsCarried, f.RequestsTotal, f.RequestsForward = r.new, r.carried, r.total, r.forward
	f.ResultRows, f.RequestsTotalCol, f.ApplicantColumns = r.results, r.totalCol, r.applicants
	a := f.Appeals
	f.AppealsTotalCol = a.Column("total")
	for _, c := range a.Columns {
		if c != f.AppealsTotalCol {
			f.AppealsPartColumns = append(f.AppealsPartColumns, c)
		}
	}
	return f
}

// requestRoles are the rows and columns of a layout of table 三 that its rules use.
type requestRoles struct {
	new, carried, total, forward *Row
	results                      []*Row // every row counted in （七）总计
	totalCol                     *Column
	applicants                   []*Column
}

func newRequestRoles(t *Table) *requestRoles {
	r := &requestRoles{
		new: t.Row("new"), carried: t.Row("carried_over"), total: t.Row("total"), forward: t.Row("carried_forward"),
		totalCol: t.Column("total"),
	}
	for _, row := range t.Rows {
		if len(row.Path) > 1 && row != r.total {
			r.results = append(r.results, row)
		}
	}
	for _, c := range t.Columns {
		if c != r.totalCol {
			r.applicants = append(r.applicants, c)
		}
	}
	return r
}

// UnitYuan is how many 元 one of a unit is; 0 for a unit not in Units.
func UnitYuan(unit string) int64 {
	for _, u := range Units {
		if u.Name == unit {
			return u.Yuan
		}
	}
	return 0
}
