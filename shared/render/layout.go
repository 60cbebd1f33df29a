package render

import (
	"bytes"
	"html/template"
	"strconv"
	"sync"

	"nianbao/shared/report"
)

// The layout of a table is the same for every report of a format: only the numbers
// change. It is computed once per *report.Table from the format's header trees, so the
// spans printed are the spans the model defines. The header cells are then rendered once,
// by the same html/template as the page, into markup that every page of the format
// reuses; a page render only puts the document's numbers into it, through the template.
// (A template action costs microseconds, and table 三 alone has some 80 header cells.)

// cell is one printed cell of a table. Data cells carry the row and column they show;
// their Text is filled per document.
type cell struct {
	TH      bool
	Text    string
	ID      string // header cells: the id data cells point to in their headers attribute
	Scope   string
	Colspan int
	Rowspan int
	Class   string
	Headers string // data cells: ids of every header over and beside the cell

	row *report.Row
	col *report.Column
}

// tableLayout is a table as rows of cells: the header rows (thead) and one group of rows
// per block (tbody), so that a block heading of table 二 heads exactly its own rows.
type tableLayout struct {
	Head   [][]cell
	Bodies [][][]cell
	// Width is the number of grid columns, row headers included.
	Width int
}

// compiledTable is a tableLayout with its header cells rendered.
type compiledTable struct {
	Head   template.HTML // the rows of thead; "" when the table has none
	Bodies [][]compiledRow
}

// compiledRow is a row without numbers (Static), or a row's header cells (Lead, which
// opens the <tr>) followed by its number cells.
type compiledRow struct {
	Static template.HTML
	Lead   template.HTML
	// Plain: every number cell is a bare <td class="n">, so the template writes the
	// tag itself and needs one action per number. Otherwise Opens holds each cell's
	// opening tag (with colspan and headers).
	Plain bool
	Opens []template.HTML
	nums  []cell
}

var compiled sync.Map // compiledKey → *compiledTable

// compiledKey is a table with the column headings a document prints differently (the
// unit of an amount, 采购总金额（单位：万元）): a handful of variants per format.
type compiledKey struct {
	t        *report.Table
	headings string
}

// compiledFor is the layout of a table as a document prints it.
func compiledFor(doc *report.Document, t *report.Table) *compiledTable {
	return compiledWith(t, columnHeadings(doc, t))
}

// columnHeadings are the column labels a document prints differently from its format
// (an amount's unit); nil when none.
func columnHeadings(doc *report.Document, t *report.Table) map[*report.Column]string {
	var headings map[*report.Column]string
	if doc == nil {
		return nil
	}
	for _, c := range t.Columns {
		if h := doc.ColumnHeading(t, c); h != c.Label {
			if headings == nil {
				headings = map[*report.Column]string{}
			}
			headings[c] = h
		}
	}
	return headings
}

func compiledWith(t *report.Table, headings map[*report.Column]string) *compiledTable {
	key := compiledKey{t: t}
	for _, c := range t.Columns { // in column order, so equal maps make equal keys
		if h, ok := headings[c]; ok {
			key.headings += c.ID + "\x00" + h + "\x00"
		}
	}
	if c, ok := compiled.Load(key); ok {
		return c.(*compiledTable)
	}
	c, _ := compiled.LoadOrStore(key, compile(buildLayout(t, headings)))
	return c.(*compiledTable)
}

// compile renders the header cells of a layout with the page template's "cell".
func compile(l *tableLayout) *compiledTable {
	var buf bytes.Buffer
	render := func(c cell) template.HTML {
		buf.Reset()
		if err := tmpl.ExecuteTemplate(&buf, "cell", c); err != nil {
			panic("render: cell template: " + err.Error()) // a bug in the template, seen by every test
		}
		return template.HTML(buf.String()) // format labels, escaped by html/template
	}
	ct := &compiledTable{}
	var head []byte
	for _, row := range l.Head {
		head = append(head, "<tr>"...)
		for _, c := range row {
			head = append(head, render(c)...)
		}
		head = append(head, "</tr>\n"...)
	}
	ct.Head = template.HTML(head)
	for _, body := range l.Bodies {
		var rows []compiledRow
		for _, row := range body {
			var lead []byte
			cr := compiledRow{Plain: true}
			lead = append(lead, "<tr>"...)
			for _, c := range row {
				if c.col == nil {
					lead = append(lead, render(c)...)
					continue
				}
				cr.nums = append(cr.nums, c)
				if c.Colspan > 1 || c.Headers != "" {
					cr.Plain = false
				}
			}
			if len(cr.nums) == 0 {
				cr.Static = template.HTML(append(lead, "</tr>\n"...))
				rows = append(rows, cr)
				continue
			}
			cr.Lead = template.HTML(lead)
			if !cr.Plain {
				for _, c := range cr.nums {
					open := string(render(c)) // "<td …></td>": keep the opening tag
					cr.Opens = append(cr.Opens, template.HTML(open[:len(open)-len("</td>")]))
				}
			}
			rows = append(rows, cr)
		}
		ct.Bodies = append(ct.Bodies, rows)
	}
	return ct
}

// node is a header cell of the printed column header: a report.Header, or for a OneLine
// table a row heading turned into a column group.
type node struct {
	label    string
	children []*node
	row      *report.Row    // leaves of a OneLine table: the row the column belongs to
	col      *report.Column // leaves: the column
	span     int            // leaves: grid columns the column takes (table 二 blocks differ in width)
}

func (n *node) leaves() int {
	if len(n.children) == 0 {
		return n.span
	}
	s := 0
	for _, c := range n.children {
		s += c.leaves()
	}
	return s
}

func (n *node) depth() int {
	d := 0
	for _, c := range n.children {
		d = max(d, c.depth())
	}
	return d + 1
}

func columnNodes(hs []*report.Header, headings map[*report.Column]string) []*node {
	ns := make([]*node, len(hs))
	for i, h := range hs {
		label := h.Label
		if l, ok := headings[h.Column]; ok && h.Column != nil {
			label = l
		}
		ns[i] = &node{label: label, col: h.Column, children: columnNodes(h.Children, headings), span: 1}
	}
	return ns
}

// oneLineNodes turns the row tree of a OneLine table into column groups: each row's
// heading stands over that row's columns (table 四: 行政复议 over its five, 行政诉讼 over
// 未经复议直接起诉 and 复议后起诉, each over five).
func oneLineNodes(hs []*report.Header) []*node {
	ns := make([]*node, len(hs))
	for i, h := range hs {
		n := &node{label: h.Label, span: 1}
		if h.Row != nil {
			for _, c := range h.Row.Columns {
				n.children = append(n.children, &node{label: c.Label, row: h.Row, col: c, span: 1})
			}
		} else {
			n.children = oneLineNodes(h.Children)
		}
		ns[i] = n
	}
	return ns
}

func treeDepth(hs []*report.Header) int {
	d := 0
	for _, h := range hs {
		d = max(d, h.Depth())
	}
	return d
}

func nodesDepth(ns []*node) int {
	d := 0
	for _, n := range ns {
		d = max(d, n.depth())
	}
	return d
}

// spreadSpans lets a block with fewer columns than the widest block fill the table's
// width: each column takes an equal share and the last ones take the remainder, so the
// first columns line up under the first columns of the block above (table 二 of gip-2019:
// 上一年项目数量 and 本年增/减 of 第（八）项 sit under those of 第（五）项).
func spreadSpans(ns []*node, width int) {
	if len(ns) == 0 {
		return
	}
	base, extra := width/len(ns), width%len(ns)
	for i, n := range ns {
		n.span = base
		if i >= len(ns)-extra {
			n.span++
		}
	}
}

func flat(hs []*report.Header) bool {
	for _, h := range hs {
		if len(h.Children) > 0 {
			return false
		}
	}
	return true
}

type builder struct {
	t      *report.Table
	nextID int
	// ids: give header cells ids and number cells a headers attribute. Only tables of
	// several blocks need them (table 二: a number belongs to its block's heading and
	// column headings, not to those of the block above); elsewhere scope says it all.
	ids bool
}

func (b *builder) id() string {
	if !b.ids {
		return ""
	}
	b.nextID++
	return b.t.Key + "-h" + strconv.Itoa(b.nextID)
}

// buildLayout lays out a table; headings, when not nil, replaces the printed label of
// some columns.
func buildLayout(t *report.Table, headings map[*report.Column]string) *tableLayout {
	b := &builder{t: t, ids: len(t.Blocks) > 1}
	l := &tableLayout{}
	if t.OneLine {
		b.oneLine(l)
		return l
	}
	rowDepth := 0
	dataWidth := 0
	for _, blk := range t.Blocks {
		rowDepth = max(rowDepth, treeDepth(blk.RowTree))
		dataWidth = max(dataWidth, len(blk.Columns))
	}
	l.Width = rowDepth + dataWidth
	// A table with one unheaded block prints its column header once, in thead; table 二
	// prints a heading row and a column header for every block, inside the block's tbody.
	for _, blk := range t.Blocks {
		cols := columnNodes(blk.ColumnTree, headings)
		spans := map[*report.Column]int{}
		if flat(blk.ColumnTree) { // a header of one level may be stretched
			spreadSpans(cols, dataWidth)
			for _, n := range cols {
				spans[n.col] = n.span
			}
		}
		top := cols
		if t.CaseHeading != "" {
			top = []*node{{label: t.CaseHeading, children: cols}}
		}
		var rows [][]cell
		var above []string
		if blk.Heading != "" {
			id := b.id()
			rows = append(rows, []cell{{TH: true, Text: blk.Heading, ID: id, Scope: "rowgroup", Colspan: l.Width, Rowspan: 1, Class: "block"}})
			if id != "" {
				above = append(above, id)
			}
		}
		head, colHeaders := b.columnHeader(top, rowDepth, t.Corner, blk.RowHeading)
		if blk.Heading == "" && len(t.Blocks) == 1 {
			l.Head = head
		} else {
			rows = append(rows, head...)
		}
		rows = append(rows, b.bodyRows(blk, rowDepth, above, colHeaders, spans)...)
		l.Bodies = append(l.Bodies, rows)
	}
	return l
}

// leafHeaders maps a leaf column to the ids of its header cells, outermost first.
type leafHeaders map[leafKey][]string

type leafKey struct {
	row *report.Row
	col *report.Column
}

// columnHeader lays out header rows from a tree of column nodes: a group spans its
// leaves, a leaf reaches down to the last header row. The cell over the row headers
// (table 三's 勾稽关系 note, table 二's 信息内容) spans all header rows.
func (b *builder) columnHeader(top []*node, rowDepth int, corner, rowHeading string) ([][]cell, leafHeaders) {
	depth := nodesDepth(top)
	rows := make([][]cell, depth)
	ids := leafHeaders{}
	if rowDepth > 0 {
		c := cell{Colspan: rowDepth, Rowspan: depth}
		switch {
		case corner != "":
			c.Text, c.Class = corner, "corner"
		case rowHeading != "":
			c.TH, c.Text, c.Scope, c.ID = true, rowHeading, "col", b.id()
		}
		rows[0] = append(rows[0], c)
	}
	var walk func(ns []*node, level int, path []string)
	walk = func(ns []*node, level int, path []string) {
		for _, n := range ns {
			c := cell{TH: true, Text: n.label, ID: b.id(), Scope: "col", Colspan: n.leaves(), Rowspan: 1}
			p := path
			if c.ID != "" {
				p = append(append([]string(nil), path...), c.ID)
			}
			if len(n.children) == 0 {
				c.Rowspan = depth - level
				ids[leafKey{n.row, n.col}] = p
			}
			rows[level] = append(rows[level], c)
			walk(n.children, level+1, p)
		}
	}
	walk(top, 0, nil)
	return rows, ids
}

// bodyRows lays out a block's rows: a group heading starts on its first row and spans its
// rows; a row's own heading reaches to the last row-header column.
func (b *builder) bodyRows(blk *report.Block, rowDepth int, above []string, cols leafHeaders, spans map[*report.Column]int) [][]cell {
	var rows [][]cell
	var pending []cell
	var walk func(hs []*report.Header, level int, path []string)
	walk = func(hs []*report.Header, level int, path []string) {
		for _, h := range hs {
			c := cell{TH: true, Text: h.Label, ID: b.id(), Scope: "row", Colspan: 1, Rowspan: 1}
			p := path
			if c.ID != "" {
				p = append(append([]string(nil), path...), c.ID)
			}
			if h.Row == nil {
				c.Rowspan = h.Leaves()
				c.Class = "group"
				pending = append(pending, c)
				walk(h.Children, level+1, p)
				continue
			}
			c.Colspan = rowDepth - level
			row := append(pending, c)
			pending = nil
			for _, col := range h.Row.Columns {
				hdr := append(append(append([]string(nil), above...), cols[leafKey{nil, col}]...), p...)
				row = append(row, cell{
					Class: "n", Colspan: max(spans[col], 1), Rowspan: 1,
					Headers: joinIDs(hdr), row: h.Row, col: col,
				})
			}
			rows = append(rows, row)
		}
	}
	walk(blk.RowTree, 0, nil)
	return rows
}

// oneLine lays out a table whose rows are printed side by side: the row headings become
// column groups and the numbers one line.
func (b *builder) oneLine(l *tableLayout) {
	var top []*node
	for _, blk := range b.t.Blocks {
		top = append(top, oneLineNodes(blk.RowTree)...)
	}
	head, ids := b.columnHeader(top, 0, "", "")
	l.Head = head
	var line []cell
	for _, blk := range b.t.Blocks {
		for _, r := range blk.Rows {
			for _, c := range r.Columns {
				line = append(line, cell{Class: "n", Colspan: 1, Rowspan: 1, Headers: joinIDs(ids[leafKey{r, c}]), row: r, col: c})
			}
		}
	}
	l.Width = len(line)
	l.Bodies = [][][]cell{{line}}
}

func joinIDs(ids []string) string {
	n := 0
	for _, id := range ids {
		n += len(id) + 1
	}
	buf := make([]byte, 0, n)
	for i, id := range ids {
		if i > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, id...)
	}
	return string(buf)
}
