package filing

import (
	"fmt"
	"strings"

	"nianbao/shared/render"
	"nianbao/shared/report"
)

// Table font sizes (half-points): table 二 in 小四, table 三 in 五号 minus, table 四, one
// line of 15 numbers under three levels of headings, in 小五 minus, so that every table
// fits the portrait page's 14.66 cm.
var tableSize = map[string]int{"proactive": 21, "requests": 18, "appeals": 16}

// Report is the Word copy of a report document: the title, the six sections with their
// official headings, tables 二, 三 and 四 with the official merged headers, the notes
// under them, and the 落款.
func Report(d *report.Document, closing render.Closing) ([]byte, error) {
	f := d.Spec()
	if f == nil {
		return nil, fmt.Errorf("%w: %q", render.ErrUnknownFormat, d.Format)
	}
	title := d.PrintedTitle()
	var w doc
	w.para("Title", title, "", "")
	// The 编制说明, as the office prints it before 一、总体情况.
	for _, p := range paragraphs(d.Sections.Preamble) {
		w.para("Body", p, "", "")
	}
	for _, s := range f.Sections {
		if s.Table == nil {
			w.para("Heading1", s.Heading, "", "")
			ps := paragraphs(d.Text(s.Field))
			if len(ps) == 0 {
				ps = []string{"（未填写）"}
			}
			for _, p := range ps {
				w.para("Body", p, "", "")
			}
			continue
		}
		g := d.Grid(s.Table.Key)
		// A gip-2021 report may print table 三 in its legacy layout (one （六） row).
		if g == nil || (g.Table() != s.Table && !(s.Table == f.Requests && f.RequestsTable(g.Table()))) {
			return nil, fmt.Errorf("%w: table %s", render.ErrUnknownFormat, s.Table.Key)
		}
		// Table 三 starts a page: in the table font it fits one page whole, so that no
		// group of rows (（三）不予公开 …) is cut by a page break.
		ppr := ""
		if s.Table == f.Requests {
			ppr = "<w:pageBreakBefore/>"
		}
		w.para("Heading1", s.Heading, ppr, "")
		writeTable(&w, d, g.Table(), g)
		for _, p := range paragraphs(d.Note(s.Table.Key)) {
			w.para("Note", p, "", "")
		}
	}
	writeClosing(&w, closing)
	return pack(w.b.Bytes(), title)
}

// writeClosing writes the 落款: two empty lines of room for the seal, then the name and
// the date, right-aligned.
func writeClosing(w *doc, c render.Closing) {
	w.para("Body", "", "", "")
	w.para("Body", "", "", "")
	w.para("Closing", c.Name, "<w:keepNext/>", "")
	w.para("Closing", c.Date, "", "")
}

// writeTable writes a table as render.Layout lays it out: the same cells and spans as the
// page; a rowspan becomes a vMerge run down the grid.
func writeTable(w *doc, d *report.Document, t *report.Table, g *report.Grid) {
	l := render.Layout(d, t)
	widths := columnWidths(t, l)
	var rows [][]cellSpec
	// covered[k] counts the rows still covered by a rowspan starting above at grid
	// column k, with that cell's span.
	type cover struct{ left, span int }
	covered := make([]cover, l.Width)
	emit := func(row []render.LayoutCell, head bool) {
		var out []cellSpec
		col, i := 0, 0
		for col < l.Width {
			if covered[col].left > 0 {
				c := covered[col]
				out = append(out, cellSpec{span: c.span, vmerge: "continue", shade: head})
				covered[col].left--
				col += c.span
				continue
			}
			if i >= len(row) {
				break
			}
			c := row[i]
			i++
			cs := cellSpec{text: c.Text, span: c.Colspan, align: "center", shade: head || c.Class == "block", keepNxt: head || c.Class == "block"}
			switch {
			case c.Column != nil:
				cs.text, cs.align, cs.shade, cs.keepNxt = d.CellText(g, c.Row, c.Column), "right", false, false
			case c.Class == "block":
				cs.align, cs.bold = "left", true
			case c.Class == "corner":
				cs.align = "left"
			case c.Header && c.Class != "group" && !head && !allHeaders(row):
				cs.align = "left" // a row's own label
			}
			if c.Rowspan > 1 {
				cs.vmerge = "restart"
				covered[col] = cover{left: c.Rowspan - 1, span: c.Colspan}
			}
			out = append(out, cs)
			col += c.Colspan
		}
		rows = append(rows, out)
	}
	for _, row := range l.Head {
		emit(row, true)
	}
	for _, body := range l.Bodies {
		for _, row := range body {
			emit(row, false)
		}
	}
	w.table(widths, rows, len(l.Head), tableSize[t.Key])
}

// allHeaders reports whether a row of a body is a header row (table 二's column
// headings of a block).
func allHeaders(row []render.LayoutCell) bool {
	for _, c := range row {
		if c.Column != nil {
			return false
		}
	}
	return true
}

// columnWidths shares the text width among a table's grid columns: the row labels take
// what the numbers leave, a group heading column is narrow.
func columnWidths(t *report.Table, l *render.TableLayout) []int {
	data := 0
	if t.OneLine {
		data = l.Width
	} else {
		for _, b := range t.Blocks {
			data = max(data, len(b.Columns))
		}
	}
	labels := l.Width - data
	widths := make([]int, l.Width)
	var labelShare int
	switch {
	case labels == 0:
	case labels == 1:
		labelShare = textWidth * 30 / 100
		if data > 3 {
			labelShare = textWidth * 40 / 100
		}
	default:
		labelShare = textWidth * 46 / 100
	}
	group := textWidth * 8 / 100
	for k := 0; k < labels; k++ {
		if k < labels-1 {
			widths[k] = group
		} else {
			widths[k] = labelShare - group*(labels-1)
		}
	}
	if data > 0 {
		each := (textWidth - labelShare) / data
		for k := labels; k < l.Width; k++ {
			widths[k] = each
		}
	}
	return widths
}

// paragraphs splits a text into the paragraphs its author typed, one per line; blank
// lines and the full-width spaces clerks indent with are dropped (the style indents).
func paragraphs(s string) []string {
	var ps []string
	for _, line := range strings.Split(s, "\n") {
		if p := strings.TrimSpace(line); p != "" {
			ps = append(ps, p)
		}
	}
	return ps
}
