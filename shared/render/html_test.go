package render

// Helpers for tests that read rendered pages back as a browser's parser would
// (golang.org/x/net/html implements the HTML5 parsing algorithm).

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"nianbao/shared/report"
)

func loadFixture(t testing.TB, name string) *report.Document {
	t.Helper()
	data, err := os.ReadFile("../report/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.DecodeBytes(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return doc
}

func renderPage(t testing.TB, doc *report.Document, meta *Meta, opts PageOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Page(&b, doc, meta, opts); err != nil {
		t.Fatalf("Page: %v", err)
	}
	return b.Bytes()
}

func parse(t testing.TB, page []byte) *html.Node {
	t.Helper()
	n, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return n
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// span is a cell's colspan or rowspan, 1 when absent.
func span(n *html.Node, key string) int {
	v := attr(n, key)
	if v == "" {
		return 1
	}
	i, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return i
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimSpace(b.String())
}

// all lists the elements under n (n included) that match, in document order.
func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func isAtom(a atom.Atom) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.DataAtom == a }
}

func first(t testing.TB, n *html.Node, what string, match func(*html.Node) bool) *html.Node {
	t.Helper()
	ns := all(n, match)
	if len(ns) == 0 {
		t.Fatalf("no %s in page", what)
	}
	return ns[0]
}

// gridTable finds the table of a report table key.
func gridTable(t testing.TB, page *html.Node, key string) *html.Node {
	t.Helper()
	return first(t, page, "table."+key, func(n *html.Node) bool {
		return n.DataAtom == atom.Table && hasClass(n, "grid") && hasClass(n, key)
	})
}

// rows lists a table's tr elements in order (thead, then each tbody).
func rows(table *html.Node) []*html.Node { return all(table, isAtom(atom.Tr)) }

func cells(tr *html.Node) []*html.Node {
	var out []*html.Node
	for c := tr.FirstChild; c != nil; c = c.NextSibling {
		if c.DataAtom == atom.Th || c.DataAtom == atom.Td {
			out = append(out, c)
		}
	}
	return out
}

// slots lays a table out as a browser does (the HTML table model): every row a list of
// grid slots, each slot the cell that covers it. It fails the test when cells overlap
// or a row does not cover exactly width slots, the kind of misaligned span that breaks
// a printed template.
func slots(t testing.TB, table *html.Node, width int) [][]*html.Node {
	t.Helper()
	trs := rows(table)
	grid := make([][]*html.Node, len(trs))
	for i := range grid {
		grid[i] = make([]*html.Node, width)
	}
	for y, tr := range trs {
		x := 0
		for _, c := range cells(tr) {
			for x < width && grid[y][x] != nil {
				x++
			}
			cs, rs := span(c, "colspan"), span(c, "rowspan")
			if cs < 1 || rs < 1 {
				t.Fatalf("row %d: cell %q has a bad span", y, text(c))
			}
			for dy := 0; dy < rs; dy++ {
				for dx := 0; dx < cs; dx++ {
					if y+dy >= len(trs) || x+dx >= width {
						t.Fatalf("row %d: cell %q (colspan %d rowspan %d at column %d) reaches outside the %d×%d table", y, text(c), cs, rs, x, width, len(trs))
					}
					if grid[y+dy][x+dx] != nil {
						t.Fatalf("row %d: cell %q overlaps %q", y, text(c), text(grid[y+dy][x+dx]))
					}
					grid[y+dy][x+dx] = c
				}
			}
			x += cs
		}
	}
	for y, row := range grid {
		for x, c := range row {
			if c == nil {
				t.Fatalf("row %d of the table leaves column %d empty", y, x)
			}
		}
	}
	return grid
}
