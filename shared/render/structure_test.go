package render

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"nianbao/shared/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// fixtures are the two reports of shared/report/testdata, one per format.
var fixtures = []struct {
	format, file string
}{
	{"gip-2019", "chaoyang-emergency-2020.json"},
	{"gip-2021", "sample-2021.json"},
}

// goldens are the fixtures whose page structure testdata/{format}.golden holds: one per
// format, and a gip-2021 report printing the 2019 layout's （六） row, with a title, 编制说明,
// 落款, units and texts printed in cells.
var goldens = append(fixtures[:len(fixtures):len(fixtures)], struct{ format, file string }{"gip-2021-legacy", "legacy-2023.json"})

type hdr struct {
	label            string
	colspan, rowspan int
}

func (h hdr) String() string { return fmt.Sprintf("%s[c%d r%d]", h.label, h.colspan, h.rowspan) }

func maxDepth(hs []*report.Header) int {
	d := 0
	for _, h := range hs {
		d = max(d, h.Depth())
	}
	return d
}

// wantRowHeaders is every row heading of a table in printed order, with the spans the
// header tree gives it: a group spans its rows, a row's own label reaches the last
// row-header column.
func wantRowHeaders(t *report.Table) []hdr {
	depth := 0
	for _, b := range t.Blocks {
		depth = max(depth, maxDepth(b.RowTree))
	}
	var out []hdr
	var walk func(hs []*report.Header, level int)
	walk = func(hs []*report.Header, level int) {
		for _, h := range hs {
			if len(h.Children) == 0 {
				out = append(out, hdr{h.Label, depth - level, 1})
				continue
			}
			out = append(out, hdr{h.Label, 1, h.Leaves()})
			walk(h.Children, level+1)
		}
	}
	for _, b := range t.Blocks {
		walk(b.RowTree, 0)
	}
	return out
}

// wantColumnHeaders is the column heading cells of a single-block table, row by row as
// the header rows print them. For table 三 the case heading stands over the column
// tree; for table 四 (OneLine) each row heading stands over its row's columns.
func wantColumnHeaders(t *report.Table) []hdr {
	type item struct {
		label    string
		colspan  int
		children []item
	}
	var build func(hs []*report.Header) []item
	build = func(hs []*report.Header) []item {
		var out []item
		for _, h := range hs {
			it := item{label: h.Label, colspan: h.Leaves()}
			switch {
			case t.OneLine && h.Row != nil:
				it.colspan = len(h.Row.Columns)
				for _, c := range h.Row.Columns {
					it.children = append(it.children, item{label: c.Label, colspan: 1})
				}
			case t.OneLine:
				it.children = build(h.Children)
				it.colspan = 0
				for _, c := range it.children {
					it.colspan += c.colspan
				}
			default:
				it.children = build(h.Children)
			}
			out = append(out, it)
		}
		return out
	}
	b := t.Blocks[0]
	var top []item
	if t.OneLine {
		top = build(b.RowTree)
	} else {
		top = build(b.ColumnTree)
	}
	if t.CaseHeading != "" {
		top = []item{{label: t.CaseHeading, colspan: len(b.Columns), children: top}}
	}
	var depth func([]item) int
	depth = func(its []item) int {
		d := 0
		for _, it := range its {
			d = max(d, depth(it.children)+1)
		}
		return d
	}
	total := depth(top)
	var out []hdr
	level := top
	for l := 0; len(level) > 0; l++ {
		var next []item
		for _, it := range level {
			rs := 1
			if len(it.children) == 0 {
				rs = total - l
			}
			out = append(out, hdr{it.label, it.colspan, rs})
			next = append(next, it.children...)
		}
		level = next
	}
	return out
}

func headersOf(table *html.Node, scope string) []hdr {
	var out []hdr
	for _, th := range all(table, isAtom(atom.Th)) {
		if attr(th, "scope") == scope {
			out = append(out, hdr{text(th), span(th, "colspan"), span(th, "rowspan")})
		}
	}
	return out
}

func diffHeaders(t *testing.T, what string, got, want []hdr) {
	t.Helper()
	if slices.Equal(got, want) {
		return
	}
	for i := range max(len(got), len(want)) {
		var g, w hdr
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("%s #%d: got %v, want %v", what, i+1, g, w)
		}
	}
}

// tableWidth is the number of grid columns a table of the format prints.
func tableWidth(t *report.Table) int {
	if t.OneLine {
		n := 0
		for _, r := range t.Rows {
			n += len(r.Columns)
		}
		return n
	}
	rowDepth, cols := 0, 0
	for _, b := range t.Blocks {
		rowDepth = max(rowDepth, maxDepth(b.RowTree))
		cols = max(cols, len(b.Columns))
	}
	return rowDepth + cols
}

func TestTablesFollowTheFormat(t *testing.T) {
	for _, fx := range fixtures {
		t.Run(fx.format, func(t *testing.T) {
			doc := loadFixture(t, fx.file)
			f := doc.Spec()
			if f.ID != fx.format {
				t.Fatalf("fixture %s is %s, want %s", fx.file, f.ID, fx.format)
			}
			page := parse(t, renderPage(t, doc, nil, PageOptions{}))
			for _, rt := range f.Tables() {
				t.Run(rt.Key, func(t *testing.T) {
					table := gridTable(t, page, rt.Key)
					slots(t, table, tableWidth(rt))

					if c := first(t, table, "caption", isAtom(atom.Caption)); text(c) != rt.Heading {
						t.Errorf("caption %q, want %q", text(c), rt.Heading)
					}
					// Every row label of the format, once, in order.
					ths := all(table, isAtom(atom.Th))
					for _, h := range wantRowHeaders(rt) {
						n := 0
						for _, th := range ths {
							if text(th) == h.label {
								n++
							}
						}
						if n != 1 {
							t.Errorf("row label %q printed %d times, want once", h.label, n)
						}
					}
					if rt.OneLine {
						diffHeaders(t, "column header", headersOf(table, "col"), wantColumnHeaders(rt))
						if got := headersOf(table, "row"); len(got) != 0 {
							t.Errorf("one-line table has row headers %v", got)
						}
						return
					}
					diffHeaders(t, "row header", headersOf(table, "row"), wantRowHeaders(rt))
					if len(rt.Blocks) == 1 {
						diffHeaders(t, "column header", headersOf(table, "col"), wantColumnHeaders(rt))
						return
					}
					// Table 二: a heading row per block spanning the table, then the block's
					// own column headings.
					var wantBlocks, wantCols []string
					for _, b := range rt.Blocks {
						wantBlocks = append(wantBlocks, b.Heading)
						wantCols = append(wantCols, b.RowHeading)
						for _, c := range b.Columns {
							wantCols = append(wantCols, c.Label)
						}
					}
					var gotBlocks, gotCols []string
					for _, h := range headersOf(table, "rowgroup") {
						gotBlocks = append(gotBlocks, h.label)
						if h.colspan != tableWidth(rt) {
							t.Errorf("block heading %q colspan %d, want the table's width %d", h.label, h.colspan, tableWidth(rt))
						}
					}
					for _, h := range headersOf(table, "col") {
						gotCols = append(gotCols, h.label)
					}
					if !slices.Equal(gotBlocks, wantBlocks) {
						t.Errorf("block headings %q, want %q", gotBlocks, wantBlocks)
					}
					if !slices.Equal(gotCols, wantCols) {
						t.Errorf("column headings %q, want %q", gotCols, wantCols)
					}
				})
			}
		})
	}
}

// TestOfficialSpans pins numbers of the official templates (docs/domain-notes.md
// §1.4–1.6), independently of the header trees the other test derives spans from.
func TestOfficialSpans(t *testing.T) {
	type pin struct {
		key, label       string
		nth              int // which occurrence of the label in the table, from 0
		colspan, rowspan int
	}
	both := []pin{
		{"requests", "申请人情况", 0, 7, 1},
		{"requests", "自然人", 0, 1, 2},
		{"requests", "法人或其他组织", 0, 5, 1},
		{"requests", "总计", 0, 1, 2},
		{"requests", "一、本年新收政府信息公开申请数量", 0, 3, 1},
		{"requests", "二、上年结转政府信息公开申请数量", 0, 3, 1},
		{"requests", "（一）予以公开", 0, 2, 1},
		{"requests", "（三）不予公开", 0, 1, 8},
		{"requests", "1.属于国家秘密", 0, 1, 1},
		{"requests", "（四）无法提供", 0, 1, 3},
		{"requests", "（五）不予处理", 0, 1, 5},
		{"requests", "（七）总计", 0, 2, 1},
		{"requests", "四、结转下年度继续办理", 0, 3, 1},
		{"appeals", "行政复议", 0, 5, 1},
		{"appeals", "行政诉讼", 0, 10, 1},
		{"appeals", "未经复议直接起诉", 0, 5, 1},
		{"appeals", "复议后起诉", 0, 5, 1},
		{"appeals", "结果维持", 0, 1, 2}, // under 行政复议: reaches the leaf row
		{"appeals", "结果维持", 1, 1, 1},
		{"appeals", "总计", 2, 1, 1},
		{"proactive", "第二十条第（一）项", 0, 4, 1},
		{"proactive", "信息内容", 0, 1, 1},
	}
	cases := map[string][]pin{
		// 2019: 20 result rows (（一）（二）, 8 + 3 + 5 sub-items, （六）, （七）).
		"gip-2019": {
			{"requests", "三、本年度办理结果", 0, 1, 20},
			{"requests", "（六）其他处理", 0, 2, 1},
			{"proactive", "本年增/减", 0, 1, 1},
			{"proactive", "本年增/减", 2, 2, 1}, // 第（八）项 has two columns in a four-column table
			{"proactive", "采购总金额", 0, 2, 1},
			{"proactive", "第二十条第（九）项", 0, 4, 1},
		},
		// 2021: 22 result rows, （六） split into three.
		"gip-2021": {
			{"requests", "三、本年度办理结果", 0, 1, 22},
			{"requests", "（六）其他处理", 0, 1, 3},
			{"requests", "3.其他", 0, 1, 1},
			{"proactive", "本年处理决定数量", 0, 3, 1},
			{"proactive", "本年处理决定数量", 1, 3, 1},
			{"proactive", "本年收费金额（单位：万元）", 0, 3, 1},
		},
	}
	for _, fx := range fixtures {
		t.Run(fx.format, func(t *testing.T) {
			doc := loadFixture(t, fx.file)
			page := parse(t, renderPage(t, doc, nil, PageOptions{}))
			for _, s := range append(both, cases[fx.format]...) {
				table := gridTable(t, page, s.key)
				var found []*html.Node
				for _, th := range all(table, isAtom(atom.Th)) {
					if text(th) == s.label {
						found = append(found, th)
					}
				}
				if s.nth >= len(found) {
					t.Errorf("%s: %q occurrence %d not found (%d found)", s.key, s.label, s.nth, len(found))
					continue
				}
				th := found[s.nth]
				if c, r := span(th, "colspan"), span(th, "rowspan"); c != s.colspan || r != s.rowspan {
					t.Errorf("%s: %q #%d colspan %d rowspan %d, want colspan %d rowspan %d", s.key, s.label, s.nth, c, r, s.colspan, s.rowspan)
				}
			}
			// The merged top-left cell of table 三 holds the 勾稽关系 note over the three
			// row-label columns and the three header rows.
			corner := first(t, gridTable(t, page, "requests"), "corner", func(n *html.Node) bool { return hasClass(n, "corner") })
			if text(corner) != doc.Spec().Requests.Corner || span(corner, "colspan") != 3 || span(corner, "rowspan") != 3 {
				t.Errorf("corner %q colspan %s rowspan %s", text(corner), attr(corner, "colspan"), attr(corner, "rowspan"))
			}
		})
	}
}

// TestNumbersAsEntered reads every number cell back: the document's value exactly as
// entered (or the text printed in its place), blank as blank, in the printed order of
// rows and columns.
func TestNumbersAsEntered(t *testing.T) {
	edited := loadFixture(t, "chaoyang-emergency-2020.json")
	for _, set := range []struct{ table, row, col, v string }{
		{"proactive", "procurement", "amount", "75394432.52"},
		{"proactive", "procurement", "items", "0"},
		{"proactive", "licensing", "change", "-3"},
		{"requests", "new", "natural_person", "12"},
		{"appeals", "review", "total", "0"},
	} {
		c, err := report.ParseCell(set.v)
		if err != nil {
			t.Fatal(err)
		}
		if err := edited.Grid(set.table).Set(set.row, set.col, c); err != nil {
			t.Fatal(err)
		}
	}
	docs := map[string]*report.Document{"chaoyang-2020 edited": edited}
	for _, fx := range goldens {
		docs[fx.file] = loadFixture(t, fx.file)
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			page := parse(t, renderPage(t, doc, nil, PageOptions{}))
			for _, spec := range doc.Spec().Tables() {
				g := doc.Grid(spec.Key)
				rt := g.Table()
				var want []string
				for _, r := range rt.Rows {
					for _, c := range r.Columns {
						want = append(want, doc.CellText(g, r, c))
					}
				}
				var got []string
				for _, td := range all(gridTable(t, page, rt.Key), isAtom(atom.Td)) {
					if hasClass(td, "n") {
						got = append(got, text(td))
						if td.FirstChild != nil && td.FirstChild.Type != html.TextNode {
							t.Errorf("%s: number cell holds markup", rt.Key)
						}
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s numbers:\n got %q\nwant %q", rt.Key, got, want)
				}
			}
		})
	}
	page := string(renderPage(t, edited, nil, PageOptions{}))
	for _, s := range []string{">75394432.52</td>", ">-3</td>"} {
		if !strings.Contains(page, s) {
			t.Errorf("page lacks %s", s)
		}
	}
}

// outline is the structure of a page's tables as text: one line per row, each cell
// with its tag, scope, spans and text; then the 编制说明 and 落款.
func outline(page *html.Node) string {
	var b strings.Builder
	for _, table := range all(page, func(n *html.Node) bool { return n.DataAtom == atom.Table && hasClass(n, "grid") }) {
		fmt.Fprintf(&b, "table %s: %s\n", attr(table, "class"), text(all(table, isAtom(atom.Caption))[0]))
		for _, part := range all(table, func(n *html.Node) bool { return n.DataAtom == atom.Thead || n.DataAtom == atom.Tbody }) {
			fmt.Fprintf(&b, "  %s\n", part.Data)
			for _, tr := range rows(part) {
				var cs []string
				for _, c := range cells(tr) {
					s := c.Data
					if sc := attr(c, "scope"); sc != "" {
						s += " " + sc
					}
					if cl := attr(c, "class"); cl != "" {
						s += "." + cl
					}
					if v := span(c, "colspan"); v > 1 {
						s += fmt.Sprintf(" c%d", v)
					}
					if v := span(c, "rowspan"); v > 1 {
						s += fmt.Sprintf(" r%d", v)
					}
					if t := text(c); t != "" {
						s += " " + t
					}
					cs = append(cs, s)
				}
				fmt.Fprintf(&b, "    | %s\n", strings.Join(cs, " | "))
			}
		}
	}
	for _, cl := range []string{"preamble", "signature"} {
		for _, n := range all(page, func(n *html.Node) bool { return hasClass(n, cl) }) {
			fmt.Fprintf(&b, "%s: %s\n", cl, text(n))
		}
	}
	return b.String()
}

// TestGoldenStructure compares the tables' structure with testdata/{format}.golden, the
// reviewed picture of the official template. Run with -update after a deliberate change
// and review the diff.
func TestGoldenStructure(t *testing.T) {
	for _, fx := range goldens {
		t.Run(fx.format, func(t *testing.T) {
			got := outline(parse(t, renderPage(t, loadFixture(t, fx.file), nil, PageOptions{})))
			path := filepath.Join("testdata", fx.format+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenStructure -update to create it)", err)
			}
			if got != string(want) {
				gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
				for i := range max(len(gl), len(wl)) {
					var g, w string
					if i < len(gl) {
						g = gl[i]
					}
					if i < len(wl) {
						w = wl[i]
					}
					if g != w {
						t.Fatalf("%s differs at line %d:\n got %s\nwant %s", path, i+1, g, w)
					}
				}
			}
		})
	}
}
