package render

import "nianbao/shared/report"

// The printed layout of a table, for other renderers of the report (the Word copy of
// shared/filing): the same header cells, spans and number cells the page prints, from
// the same computation, so that no label and no span is written twice.

// LayoutCell is one printed cell of a table.
type LayoutCell struct {
	Header  bool   // a header cell (a label of the format)
	Text    string // header cells: the label as printed; "" for number cells
	Colspan int
	Rowspan int
	// Class is the cell's role: "block" (a heading of table 二), "group" (a row group
	// heading), "corner" (table 三's 勾稽关系 note), "n" (a number), or "".
	Class string
	// Row and Column are set on number cells: the number of the document they show.
	Row    *report.Row
	Column *report.Column
}

// TableLayout is a table as rows of cells: the header rows printed once over the table
// (and repeated on every page), then one group of rows per block.
type TableLayout struct {
	Head   [][]LayoutCell
	Bodies [][][]LayoutCell
	Width  int // the number of grid columns, row headers included
}

// Layout is the printed layout of a table as the report page prints it for doc (whose
// units may change a column's heading; nil: the format's own headings).
func Layout(doc *report.Document, t *report.Table) *TableLayout {
	l := buildLayout(t, columnHeadings(doc, t))
	conv := func(rows [][]cell) [][]LayoutCell {
		out := make([][]LayoutCell, len(rows))
		for i, row := range rows {
			out[i] = make([]LayoutCell, len(row))
			for j, c := range row {
				out[i][j] = LayoutCell{Header: c.TH, Text: c.Text, Colspan: max(c.Colspan, 1), Rowspan: max(c.Rowspan, 1),
					Class: c.Class, Row: c.row, Column: c.col}
				if c.Class == "corner" {
					out[i][j].Header = true
				}
			}
		}
		return out
	}
	tl := &TableLayout{Head: conv(l.Head), Width: l.Width}
	for _, b := range l.Bodies {
		tl.Bodies = append(tl.Bodies, conv(b))
	}
	return tl
}
