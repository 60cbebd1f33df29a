// Package report holds the official formats of the 政府信息公开工作年度报告, the report
// document (the interchange format of docs/report-document.md) and its validator.
//
// The formats are data: every label printed in the official templates is written once,
// in formats.go, and the drafting form, the validator and the renderer read it from here.
package report

import (
	"fmt"
	"strings"
)

// Kind says what a cell holds, and so what the validator accepts in it.
type Kind int

const (
	// Count is a non-negative integer (件, 项, 宗).
	Count Kind = iota
	// SignedCount is an integer that may be negative (本年增/减).
	SignedCount
	// Amount is a non-negative decimal money amount, kept exactly as entered.
	Amount
)

func (k Kind) String() string {
	switch k {
	case Count:
		return "count"
	case SignedCount:
		return "signed count"
	case Amount:
		return "amount"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Column is one column of numbers, as printed in a table header.
type Column struct {
	ID    string
	Label string
	Kind  Kind
	// Unit is the unit of an Amount column when the document's units do not say
	// otherwise ("元"); UnitInLabel means the label prints it and no other is allowed
	// (gip-2021 本年收费金额（单位：万元）).
	Unit        string
	UnitInLabel bool
	index       int // position in its table's Columns
}

// Index is the column's position in its table's Columns.
func (c *Column) Index() int { return c.index }

// Row is one row of numbers. Its printed label may be nested under group headings
// (table 三: 三、本年度办理结果 → （三）不予公开 → 1.属于国家秘密); Path holds the whole chain.
type Row struct {
	ID      string
	Label   string    // the row's own label, the last element of Path
	Path    []*Header // from the outermost group heading down to the row's own header
	Block   *Block    // the block of table 二 the row belongs to; the only block elsewhere
	Columns []*Column // the columns this row has (table 二 rows differ by block)
	table   *Table
	index   int
}

// Index is the row's position in its table's Rows.
func (r *Row) Index() int { return r.index }

// FullLabel is the row's label with its group headings, as a clerk would name it
// ("（三）不予公开 1.属于国家秘密", "行政诉讼 复议后起诉").
func (r *Row) FullLabel() string {
	if len(r.Path) == 1 {
		return r.Label
	}
	parts := make([]string, 0, len(r.Path))
	for _, h := range r.Path {
		if !h.Short {
			parts = append(parts, h.Label)
		}
	}
	return strings.Join(parts, " ")
}

// Has reports whether the row has the column.
func (r *Row) Has(c *Column) bool {
	for _, rc := range r.Columns {
		if rc == c {
			return true
		}
	}
	return false
}

// Header is one printed header cell: a group heading with children, or a leaf that stands
// for a row or a column. The same tree drives rowspan/colspan in the renderer and the form.
type Header struct {
	Label string
	// Short leaves the heading out of a row's FullLabel: "三、本年度办理结果" stands over
	// every result row, and "（三）不予公开 1.属于国家秘密" reads better without it.
	Short    bool
	Children []*Header
	Row      *Row    // set on a leaf of a row-header tree
	Column   *Column // set on a leaf of a column-header tree
}

// Leaves counts the leaf headers under h (h itself when it has no children): the span of h.
func (h *Header) Leaves() int {
	if len(h.Children) == 0 {
		return 1
	}
	n := 0
	for _, c := range h.Children {
		n += c.Leaves()
	}
	return n
}

// Depth is the number of header levels under and including h.
func (h *Header) Depth() int {
	d := 0
	for _, c := range h.Children {
		d = max(d, c.Depth())
	}
	return d + 1
}

// Block is a part of a table with its own column headings. Table 二 has one block per
// 第二十条 item (第二十条第（一）项 …); tables 三 and 四 have a single block without heading.
type Block struct {
	Heading    string    // "第二十条第（一）项"; empty for tables 三 and 四
	RowHeading string    // the heading over the row labels ("信息内容"), empty when none is printed
	ColumnTree []*Header // the column headers as printed, outermost first
	RowTree    []*Header // the row headers as printed
	Columns    []*Column // the leaf columns, in printed order
	Rows       []*Row    // the leaf rows, in printed order
}

// Table is one of the three tables of a report, keyed by its field in the document.
type Table struct {
	Key     string // "proactive", "requests" or "appeals": the field of the document
	Number  string // "二", "三", "四"
	Heading string // the section heading the table sits under, e.g. "二、主动公开政府信息情况"
	// Corner is the text of the merged top-left header cell (table 三's 勾稽关系 note).
	Corner string
	// CaseHeading is the heading over all columns of the table (table 三: 申请人情况).
	CaseHeading string
	// OneLine means the rows are printed side by side as column groups in a single line
	// of numbers (table 四: 行政复议 | 行政诉讼 未经复议直接起诉 | 复议后起诉).
	OneLine bool
	Blocks  []*Block
	Rows    []*Row    // every row of every block, in printed order
	Columns []*Column // every distinct column, in order of first appearance

	rowByID map[string]*Row
	colByID map[string]*Column
	roles   *requestRoles // table 三 only
}

// Row finds a row by id.
func (t *Table) Row(id string) *Row { return t.rowByID[id] }

// Column finds a column by id.
func (t *Table) Column(id string) *Column { return t.colByID[id] }

// Section is one of the six numbered parts of the report, in printed order. A text
// section has a Field (the key under "sections" in the document); the others hold a table.
type Section struct {
	Number  string // "一" … "六"
	Heading string // "一、总体情况"
	Field   string // "overview", "problems", "other" for text sections
	Table   *Table // for sections 二, 三, 四
	Hint    string // the template's guidance printed in the empty cell, if any
}

// Format is one official report format.
type Format struct {
	ID        string // "gip-2019", "gip-2021"
	Document  string // "国办公开办函〔2019〕60号"
	Title     string // the format's own title
	FirstYear int    // first report year the format is meant for
	LastYear  int    // last report year (0: still current)
	Sections  []*Section

	Proactive *Table
	Requests  *Table
	Appeals   *Table
	// LegacyRequests (gip-2021 only) is table 三 as some reports still print it: the 2019
	// layout's single （六）其他处理 row in place of its three sub-rows. A document may be
	// laid out for it (format.legacy_row warns); the form always offers Requests.
	LegacyRequests *Table

	// Requests rows by role, for the rules of table 三.
	ResultRows         []*Row // every row counted in （七）总计
	RequestsNew        *Row
	RequestsCarried    *Row
	RequestsTotal      *Row
	RequestsForward    *Row
	ApplicantColumns   []*Column // the six applicant columns summed into 总计
	RequestsTotalCol   *Column
	AppealsTotalCol    *Column
	AppealsPartColumns []*Column // 结果维持 + 结果纠正 + 其他结果 + 尚未审结
}

// Tables lists the format's tables in printed order.
func (f *Format) Tables() []*Table { return []*Table{f.Proactive, f.Requests, f.Appeals} }

// RequestsTable reports whether t is one of the format's layouts of table 三.
func (f *Format) RequestsTable(t *Table) bool {
	return t != nil && (t == f.Requests || t == f.LegacyRequests)
}

// Table finds a table by its document key.
func (f *Format) Table(key string) *Table {
	switch key {
	case "proactive":
		return f.Proactive
	case "requests":
		return f.Requests
	case "appeals":
		return f.Appeals
	}
	return nil
}

// Section finds a text section by its document field.
func (f *Format) Section(field string) *Section {
	for _, s := range f.Sections {
		if s.Field == field && field != "" {
			return s
		}
	}
	return nil
}

// AppliesTo reports whether the format is the one meant for a report year.
func (f *Format) AppliesTo(year int) bool {
	return year >= f.FirstYear && (f.LastYear == 0 || year <= f.LastYear)
}

var formats = map[string]*Format{}
var formatOrder []*Format

// Formats lists the known formats, oldest first.
func Formats() []*Format { return formatOrder }

// Lookup finds a format by id.
func Lookup(id string) (*Format, bool) {
	f, ok := formats[id]
	return f, ok
}

// ForYear is the format meant for a report year: gip-2019 up to 2020, gip-2021 after.
func ForYear(year int) *Format {
	for i := len(formatOrder) - 1; i >= 0; i-- {
		if year >= formatOrder[i].FirstYear {
			return formatOrder[i]
		}
	}
	return formatOrder[0]
}

// Builders: the format definitions in formats.go are written as trees of headers; these
// helpers keep them short and fill in the derived lists (rows, columns, indexes).

func group(label string, children ...*Header) *Header {
	return &Header{Label: label, Children: children}
}

func leafRow(id, label string) *Header {
	return &Header{Label: label, Row: &Row{ID: id, Label: label}}
}

func leafCol(c *Column) *Header {
	return &Header{Label: c.Label, Column: c}
}

func col(id, label string, kind Kind) *Column {
	return &Column{ID: id, Label: label, Kind: kind}
}

// finish fills a table's derived fields from its blocks' header trees.
func (t *Table) finish() *Table {
	t.rowByID = map[string]*Row{}
	t.colByID = map[string]*Column{}
	for _, b := range t.Blocks {
		b.Columns = nil
		b.Rows = nil
		var walkCols func(hs []*Header)
		walkCols = func(hs []*Header) {
			for _, h := range hs {
				if h.Column != nil {
					b.Columns = append(b.Columns, h.Column)
				}
				walkCols(h.Children)
			}
		}
		walkCols(b.ColumnTree)
		for _, c := range b.Columns {
			if prev, ok := t.colByID[c.ID]; ok {
				if prev != c {
					panic("report: column id " + c.ID + " defined twice in table " + t.Key)
				}
				continue
			}
			c.index = len(t.Columns)
			t.colByID[c.ID] = c
			t.Columns = append(t.Columns, c)
		}
		var walkRows func(path []*Header, hs []*Header)
		walkRows = func(path []*Header, hs []*Header) {
			for _, h := range hs {
				p := append(append([]*Header(nil), path...), h)
				if h.Row != nil {
					r := h.Row
					r.Path = p
					r.Block = b
					r.table = t
					r.Columns = b.Columns
					r.index = len(t.Rows)
					if _, dup := t.rowByID[r.ID]; dup {
						panic("report: row id " + r.ID + " defined twice in table " + t.Key)
					}
					t.rowByID[r.ID] = r
					t.Rows = append(t.Rows, r)
					b.Rows = append(b.Rows, r)
				}
				walkRows(p, h.Children)
			}
		}
		walkRows(nil, b.RowTree)
	}
	return t
}

func register(f *Format) {
	if _, dup := formats[f.ID]; dup {
		panic("report: format registered twice: " + f.ID)
	}
	formats[f.ID] = f
	formatOrder = append(formatOrder, f)
}
