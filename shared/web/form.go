package web

import (
	"strconv"
	"strings"

	"nianbao/shared/report"
)

// The drafting form is laid out on the server from the format definition, so every label
// a clerk sees comes from shared/report and the script only reads data- attributes: a
// cell names its table, row and column, and a computed cell lists the cells it sums.

// formView is the drafting form of one format.
type formView struct {
	Format   *report.Format
	Sections []formSection
	Parts    formParts
}

// formParts are the parts around the six sections that offices print: the title as
// printed, the 编制说明 before section 一 and the 落款 after section 六, with the labels
// shared/report gives them.
type formParts struct {
	TitleLabel, Title, DefaultTitle string
	PreambleLabel, Preamble         string
	SignatureLabel                  string
	SignNameLabel, SignName         string
	SignDateLabel, SignDate         string
	PrintedLabel, UnitLabel         string
}

// formSection is one of the six parts: a text to write or a table to fill.
type formSection struct {
	Heading string
	Field   string // text sections
	Hint    string
	Text    string
	Table   *formTable
	Note    string // the note under a table
}

// formTable is a table of the report as one or more <table>s (table 二 has one per
// 第二十条 item, each with its own columns).
type formTable struct {
	Key, Number string
	Blocks      []formBlock
	// The texts printed in cells of this table, and the cells that may take one.
	Printed []formPrinted
	Cells   []formChoice
	New     formPrinted // an empty entry, for the script to copy
}

// formPrinted is a text printed in a number cell (「13宗共113200元」).
type formPrinted struct {
	Path, Text string
	Cells      []formChoice // the choices, with this entry's cell selected
}

// formChoice is a cell a printed text may be put in.
type formChoice struct {
	Path, Label string
	Selected    bool
}

type formBlock struct {
	ID      string // of the caption, for aria-labelledby of the scroll container
	Caption string
	Head    [][]formCell
	Rows    [][]formCell
}

// formCell is a header cell (TH) or a cell holding an input.
type formCell struct {
	TH      bool
	Text    string
	Scope   string
	Colspan int
	Rowspan int
	Class   string
	Input   *formInput
}

// formInput is one number of the report.
type formInput struct {
	Table, Row, Col string
	Kind            string // count | signed | amount
	Label           string // the accessible name: row label and column label
	Value           string
	Computed        bool
	Sum             string // computed cells: the cells added, as "table.row.col" separated by spaces
	// Amount cells whose unit the label does not print: the units to choose from, the
	// one the document states ("" when it states none) and the column's default.
	Units             []string
	Unit, DefaultUnit string
}

// ID is the input's element id; its message element is "m-" + the same.
func (in *formInput) ID() string { return "c-" + in.Table + "-" + in.Row + "-" + in.Col }

// Path is the cell's path as the validator names it.
func (in *formInput) Path() string { return in.Table + "." + in.Row + "." + in.Col }

// InputMode picks the on-screen keyboard: a phone's number pad has no minus sign.
func (in *formInput) InputMode() string {
	switch in.Kind {
	case "amount":
		return "decimal"
	case "signed":
		return "text"
	}
	return "numeric"
}

func kindName(k report.Kind) string {
	switch k {
	case report.SignedCount:
		return "signed"
	case report.Amount:
		return "amount"
	}
	return "count"
}

// buildForm lays out the form of a document (its format, its values).
func buildForm(doc *report.Document) *formView {
	doc = doc.Standard() // the form offers the format's own layout of table 三
	f := doc.Spec()
	fv := &formView{Format: f, Parts: formParts{
		TitleLabel: report.LabelTitle, Title: doc.Title, DefaultTitle: report.DefaultTitle(doc.Agency, doc.Year),
		PreambleLabel: report.LabelPreamble, Preamble: doc.Sections.Preamble,
		SignatureLabel: report.LabelSignature,
		SignNameLabel:  report.LabelSignName, SignName: doc.Signature.Name,
		SignDateLabel: report.LabelSignDate, SignDate: doc.Signature.Date,
		PrintedLabel: report.LabelPrinted, UnitLabel: report.LabelUnit,
	}}
	computed := computedCells(f)
	for _, s := range f.Sections {
		fs := formSection{Heading: s.Heading, Field: s.Field, Hint: s.Hint}
		if s.Table == nil {
			fs.Text = doc.Text(s.Field)
		} else {
			fs.Table = buildFormTable(doc, s.Table, doc.Grid(s.Table.Key), computed)
			fs.Note = doc.Note(s.Table.Key)
		}
		fv.Sections = append(fv.Sections, fs)
	}
	return fv
}

type cellKey struct {
	row *report.Row
	col *report.Column
}

// computedCells maps each cell the form computes to the cells it adds up: the 总计 column
// of tables 三 and 四 and the （七）总计 row of table 三. The （七）总计 × 总计 cell adds its
// own row, so that every addend comes earlier in the page and one pass in page order
// computes everything.
func computedCells(f *report.Format) map[cellKey][]cellKey {
	out := map[cellKey][]cellKey{}
	for _, r := range f.Requests.Rows {
		var sum []cellKey
		for _, c := range f.ApplicantColumns {
			sum = append(sum, cellKey{r, c})
		}
		out[cellKey{r, f.RequestsTotalCol}] = sum
	}
	for _, c := range f.ApplicantColumns {
		var sum []cellKey
		for _, r := range f.ResultRows {
			sum = append(sum, cellKey{r, c})
		}
		out[cellKey{f.RequestsTotal, c}] = sum
	}
	for _, r := range f.Appeals.Rows {
		var sum []cellKey
		for _, c := range f.AppealsPartColumns {
			sum = append(sum, cellKey{r, c})
		}
		out[cellKey{r, f.AppealsTotalCol}] = sum
	}
	return out
}

func buildFormTable(doc *report.Document, t *report.Table, g *report.Grid, computed map[cellKey][]cellKey) *formTable {
	ft := &formTable{Key: t.Key, Number: t.Number}
	for _, r := range t.Rows {
		for _, c := range r.Columns {
			ft.Cells = append(ft.Cells, formChoice{Path: t.Key + "." + r.ID + "." + c.ID, Label: cellLabel(t, r, c)})
		}
	}
	ft.New = formPrinted{Cells: ft.Cells}
	for _, ch := range ft.Cells {
		if text := doc.Printed[ch.Path]; text != "" {
			cells := append([]formChoice(nil), ft.Cells...)
			for i := range cells {
				cells[i].Selected = cells[i].Path == ch.Path
			}
			ft.Printed = append(ft.Printed, formPrinted{Path: ch.Path, Text: text, Cells: cells})
		}
	}
	for i, b := range t.Blocks {
		fb := formBlock{ID: "t-" + t.Key + "-" + strconv.Itoa(i+1), Caption: b.Heading}
		if fb.Caption == "" {
			fb.Caption = "表" + t.Number
		}
		rowDepth := 0
		for _, h := range b.RowTree {
			rowDepth = max(rowDepth, h.Depth())
		}
		fb.Head = formHead(t, b, rowDepth)
		fb.Rows = formRows(doc, t, b, g, rowDepth, computed)
		ft.Blocks = append(ft.Blocks, fb)
	}
	return ft
}

// formHead lays out the column headers: a group spans its leaves, a leaf reaches down to
// the last header row, and the corner over the row labels spans every header row.
func formHead(t *report.Table, b *report.Block, rowDepth int) [][]formCell {
	top := b.ColumnTree
	if t.CaseHeading != "" {
		top = []*report.Header{{Label: t.CaseHeading, Children: b.ColumnTree}}
	}
	depth := 0
	for _, h := range top {
		depth = max(depth, h.Depth())
	}
	rows := make([][]formCell, depth)
	corner := formCell{TH: true, Scope: "col", Colspan: rowDepth, Rowspan: depth, Class: "corner"}
	switch {
	case t.Corner != "":
		corner.TH, corner.Scope, corner.Text = false, "", t.Corner
	case b.RowHeading != "":
		corner.Text = b.RowHeading
	default:
		corner.TH, corner.Scope = false, ""
	}
	rows[0] = append(rows[0], corner)
	var walk func(hs []*report.Header, level int)
	walk = func(hs []*report.Header, level int) {
		for _, h := range hs {
			c := formCell{TH: true, Text: h.Label, Scope: "col", Colspan: h.Leaves(), Rowspan: 1}
			if len(h.Children) == 0 {
				c.Rowspan = depth - level
			} else {
				c.Scope = "colgroup"
			}
			rows[level] = append(rows[level], c)
			walk(h.Children, level+1)
		}
	}
	walk(top, 0)
	return rows
}

// formRows lays out the rows: a group heading starts on its first row and spans its
// rows; a row's own label reaches to the last row-label column; then one input per column.
func formRows(doc *report.Document, t *report.Table, b *report.Block, g *report.Grid, rowDepth int, computed map[cellKey][]cellKey) [][]formCell {
	var rows [][]formCell
	var pending []formCell
	var walk func(hs []*report.Header, level int)
	walk = func(hs []*report.Header, level int) {
		for _, h := range hs {
			if h.Row == nil {
				pending = append(pending, formCell{TH: true, Text: h.Label, Scope: "rowgroup", Colspan: 1, Rowspan: h.Leaves(), Class: "group"})
				walk(h.Children, level+1)
				continue
			}
			r := h.Row
			row := append(pending, formCell{TH: true, Text: h.Label, Scope: "row", Colspan: rowDepth - level, Rowspan: 1})
			pending = nil
			for _, c := range r.Columns {
				in := &formInput{
					Table: t.Key, Row: r.ID, Col: c.ID, Kind: kindName(c.Kind),
					Label: cellLabel(t, r, c), Value: g.At(r, c).String(),
				}
				if c.Kind == report.Amount && !c.UnitInLabel {
					for _, u := range report.Units {
						in.Units = append(in.Units, u.Name)
					}
					in.Unit, in.DefaultUnit = doc.Units[in.Path()], c.Unit
				}
				if sum, ok := computed[cellKey{r, c}]; ok {
					paths := make([]string, len(sum))
					for i, a := range sum {
						paths[i] = t.Key + "." + a.row.ID + "." + a.col.ID
					}
					in.Computed, in.Sum = true, strings.Join(paths, " ")
				}
				cls := "n"
				if in.Computed {
					cls = "n computed"
				}
				row = append(row, formCell{Colspan: 1, Rowspan: 1, Class: cls, Input: in})
			}
			rows = append(rows, row)
		}
	}
	walk(b.RowTree, 0)
	return rows
}

// cellLabel is the accessible name of a cell: its row's label (with the group headings
// that tell it apart) and its column's. Table 二's rows are named within their block.
func cellLabel(t *report.Table, r *report.Row, c *report.Column) string {
	label := r.FullLabel() + " " + c.Label
	if t.Key == "proactive" && r.Block != nil && r.Block.Heading != "" {
		label = r.Block.Heading + " " + label
	}
	return label
}
