package importer

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// HTML reads a report page. contentType is the HTTP Content-Type it was served with, if
// known; otherwise the page's own <meta charset> (or a byte-order mark) says its encoding,
// and a page that declares none is read as UTF-8.
func HTML(data []byte, contentType string, opt Options) (*Result, error) {
	enc, _, certain := charset.DetermineEncoding(data, contentType)
	if !certain && !utf8.Valid(data) {
		// No declaration, and not UTF-8: a Chinese portal's page is GBK (read as its
		// superset GB18030), not the windows-1252 the sniffing guesses for the West.
		enc = simplifiedchinese.GB18030
	}
	text, err := enc.NewDecoder().Bytes(data)
	if err != nil {
		return nil, fmt.Errorf("%w：网页的字符编码无法识别：%v", ErrUnreadable, err)
	}
	root, err := html.Parse(bytes.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("%w：%v", ErrUnreadable, err)
	}
	f := &flattener{}
	f.walk(root, nil)
	f.flush()
	res, err := read(f.blocks, opt)
	if err != nil {
		return nil, err
	}
	res.Kind = "html"
	return res, nil
}

// flattener turns a page into the blocks the reader works on: paragraphs (split on <br>)
// and data tables (tables holding no other table; a table holding tables is page layout
// and is read as ordinary content).
type flattener struct {
	blocks []block
	buf    strings.Builder
	anc    []*html.Node // ancestors of the first text in buf
	links  bool         // buf holds text inside links
	other  bool         // buf holds text outside links
}

func (f *flattener) flush() {
	s := f.buf.String()
	f.buf.Reset()
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = cleanLine(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) > 0 {
		tag := ""
		for i := len(f.anc) - 1; i >= 0; i-- {
			if blockAtoms[f.anc[i].DataAtom] {
				tag = f.anc[i].Data
				break
			}
		}
		// A block whose text is all links (下载 Word 版, 打印本页) is page furniture.
		skip := skipped(f.anc) || (f.links && !f.other)
		f.blocks = append(f.blocks, block{lines: lines, tag: tag, skip: skip, anc: f.anc})
	}
	f.anc, f.links, f.other = nil, false, false
}

var blockAtoms = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Section: true, atom.Article: true,
	atom.Header: true, atom.Footer: true, atom.Main: true, atom.Blockquote: true, atom.Pre: true,
	atom.Center: true, atom.Caption: true, atom.Tr: true, atom.Td: true, atom.Th: true, atom.Table: true,
	atom.Tbody: true, atom.Thead: true, atom.Tfoot: true, atom.Dl: true, atom.Dt: true, atom.Dd: true,
	atom.Nav: true, atom.Aside: true, atom.Form: true, atom.Body: true, atom.Hr: true, atom.Address: true,
}

func copyAnc(anc []*html.Node) []*html.Node { return append([]*html.Node(nil), anc...) }

// maxDepth bounds how deep into a page's elements (or a Word file's XML) the reader
// goes: a report is a few levels deep, and a file nested a million deep must not
// exhaust the stack.
const maxDepth = 100

func (f *flattener) walk(n *html.Node, anc []*html.Node) {
	if len(anc) > maxDepth {
		return
	}
	switch n.Type {
	case html.TextNode:
		if strings.TrimSpace(strings.ReplaceAll(n.Data, "\u00a0", " ")) == "" {
			f.buf.WriteString(n.Data)
			return
		}
		if f.anc == nil {
			f.anc = copyAnc(anc)
		}
		inLink := false
		for _, a := range anc {
			if a.DataAtom == atom.A {
				inLink = true
			}
		}
		if inLink {
			f.links = true
		} else {
			f.other = true
		}
		f.buf.WriteString(n.Data)
		return
	case html.ElementNode:
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Select, atom.Button,
			atom.Iframe, atom.Svg, atom.Object:
			return
		case atom.Head:
			// The <title> is a fallback for the report's title.
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.DataAtom == atom.Title {
					if t := cleanLine(textOf(c)); t != "" {
						f.blocks = append(f.blocks, block{lines: []string{t}, tag: "title", skip: true})
					}
				}
			}
			return
		case atom.Br:
			f.buf.WriteString("\n")
			return
		case atom.Table:
			if !hasDescendant(n, atom.Table) {
				f.flush()
				f.table(n, append(copyAnc(anc), n))
				return
			}
		}
	default:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			f.walk(c, anc)
		}
		return
	}
	isBlock := blockAtoms[n.DataAtom]
	if isBlock {
		f.flush()
	}
	// The ancestors are shared down the walk; a block keeps a copy of its own.
	inner := append(anc, n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		f.walk(c, inner)
	}
	if isBlock {
		f.flush()
	}
}

// skipped: text inside a <dl> (a page's metadata: 报告格式, 发布日期) or a <nav> is not
// part of the report.
func skipped(anc []*html.Node) bool {
	for _, a := range anc {
		if a.DataAtom == atom.Dl || a.DataAtom == atom.Nav {
			return true
		}
	}
	return false
}

func hasDescendant(n *html.Node, a atom.Atom) bool {
	return hasDescendantDepth(n, a, 0)
}

func hasDescendantDepth(n *html.Node, a atom.Atom, depth int) bool {
	if depth > maxDepth {
		return false
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && (c.DataAtom == a || hasDescendantDepth(c, a, depth+1)) {
			return true
		}
	}
	return false
}

func textOf(n *html.Node) string {
	var b strings.Builder
	depth := 0
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if depth > maxDepth {
			return
		}
		depth++
		defer func() { depth-- }()
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && (n.DataAtom == atom.Script || n.DataAtom == atom.Style):
			return
		case n.Type == html.ElementNode && n.DataAtom == atom.Br:
			b.WriteString(" ")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// table lays a data table out on its grid, a merged cell filling every slot it spans.
// A <caption> (where nianbao's page puts the section heading) becomes a block before it.
func (f *flattener) table(n *html.Node, anc []*html.Node) {
	var rows []*html.Node
	var collect func(*html.Node)
	collect = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode {
				continue
			}
			switch c.DataAtom {
			case atom.Caption:
				if t := cleanLine(textOf(c)); t != "" {
					f.blocks = append(f.blocks, block{lines: []string{t}, tag: "caption", anc: anc})
				}
			case atom.Tr:
				rows = append(rows, c)
			case atom.Thead, atom.Tbody, atom.Tfoot:
				collect(c)
			}
		}
	}
	collect(n)
	var g grid
	for i, tr := range rows {
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != html.ElementNode || (c.DataAtom != atom.Td && c.DataAtom != atom.Th) {
				continue
			}
			cl := &tcell{text: cleanLine(textOf(c))}
			g.place(i, cl, span(c, "rowspan"), span(c, "colspan"))
		}
	}
	f.blocks = append(f.blocks, block{table: g.rows, tag: "table", anc: anc})
}

func span(n *html.Node, name string) int {
	for _, a := range n.Attr {
		if a.Key == name {
			v, err := strconv.Atoi(strings.TrimSpace(a.Val))
			if err != nil || v < 1 {
				return 1
			}
			return min(v, 200)
		}
	}
	return 1
}
