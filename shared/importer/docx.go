package importer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Docx reads a Word file (Office Open XML, as Word and WPS save the official template):
// the paragraphs and tables of its body, a cell merged across columns (gridSpan) or down
// rows (vMerge) filling every slot it spans.
func Docx(data []byte, opt Options) (*Result, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w：不是有效的 Word 文件（.docx）：%v", ErrUnreadable, err)
	}
	var body []byte
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%w：%v", ErrUnreadable, err)
		}
		// A report's document.xml is well under a few MB; bound what a zip bomb could give.
		body, err = io.ReadAll(io.LimitReader(rc, 8*MaxFileSize))
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("%w：%v", ErrUnreadable, err)
		}
	}
	if body == nil {
		return nil, fmt.Errorf("%w：不是 Word 文件（没有 word/document.xml）", ErrUnreadable)
	}
	root, err := parseXML(body)
	if err != nil {
		return nil, fmt.Errorf("%w：Word 文件已损坏：%v", ErrUnreadable, err)
	}
	var blocks []block
	if b := root.find("body"); b != nil {
		blocks = docxBlocks(b, blocks)
	}
	res, err := read(blocks, opt)
	if err != nil {
		return nil, err
	}
	res.Kind = "docx"
	return res, nil
}

// xnode is an element of the document's XML, by local name (w:p → "p").
type xnode struct {
	name     string
	attrs    map[string]string // by local name (w:val → "val")
	children []*xnode
	text     string // character data of a w:t
}

func parseXML(data []byte) (*xnode, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	root := &xnode{name: "#root"}
	stack := []*xnode{root}
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) > maxDepth {
				return nil, fmt.Errorf("XML 嵌套过深")
			}
			n := &xnode{name: t.Name.Local, attrs: map[string]string{}}
			for _, a := range t.Attr {
				n.attrs[a.Name.Local] = a.Value
			}
			top := stack[len(stack)-1]
			top.children = append(top.children, n)
			stack = append(stack, n)
		case xml.EndElement:
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		case xml.CharData:
			top := stack[len(stack)-1]
			if top.name == "t" {
				top.text += string(t)
			}
		}
	}
	return root, nil
}

func (n *xnode) find(name string) *xnode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
		if f := c.find(name); f != nil {
			return f
		}
	}
	return nil
}

func (n *xnode) child(name string) *xnode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// docxBlocks reads the body's paragraphs and tables in order; content controls (w:sdt)
// and smart tags are read through.
func docxBlocks(n *xnode, blocks []block) []block {
	for _, c := range n.children {
		switch c.name {
		case "p":
			text := paraText(c)
			var lines []string
			for _, l := range strings.Split(text, "\n") {
				if l = cleanLine(l); l != "" {
					lines = append(lines, l)
				}
			}
			if len(lines) > 0 {
				tag := "p"
				if ppr := c.child("pPr"); ppr != nil {
					if st := ppr.child("pStyle"); st != nil && strings.EqualFold(st.attrs["val"], "Title") {
						tag = "h1"
					}
				}
				blocks = append(blocks, block{lines: lines, tag: tag})
			}
		case "tbl":
			blocks = append(blocks, block{table: docxTable(c), tag: "table"})
		case "sdt", "sdtContent", "customXml", "smartTag":
			blocks = docxBlocks(c, blocks)
		}
	}
	return blocks
}

// paraText is a paragraph's text: its runs, tabs and breaks; deleted text (tracked
// changes) and field codes are not text.
func paraText(p *xnode) string {
	var b strings.Builder
	var walk func(*xnode)
	walk = func(n *xnode) {
		switch n.name {
		case "t":
			b.WriteString(n.text)
		case "tab":
			b.WriteString(" ")
		case "br", "cr":
			b.WriteString("\n")
		case "del", "instrText", "pPr", "rPr", "fldData":
			return
		}
		for _, c := range n.children {
			walk(c)
		}
	}
	walk(p)
	return b.String()
}

func docxTable(tbl *xnode) [][]*tcell {
	var g grid
	var above []*tcell // the cell over each grid column in the row before, for vMerge
	for _, tr := range tbl.children {
		if tr.name != "tr" {
			continue
		}
		col := 0
		if pr := tr.child("trPr"); pr != nil {
			if gb := pr.child("gridBefore"); gb != nil {
				col += max(0, min(atoiOr(gb.attrs["val"], 0), 200))
			}
		}
		var row []*tcell
		for _, tc := range cellsOf(tr) {
			spanN := 1
			merge := ""
			hasMerge := false
			if pr := tc.child("tcPr"); pr != nil {
				if gs := pr.child("gridSpan"); gs != nil {
					spanN = max(1, min(atoiOr(gs.attrs["val"], 1), 200))
				}
				if vm := pr.child("vMerge"); vm != nil {
					hasMerge, merge = true, vm.attrs["val"]
				}
			}
			var cl *tcell
			if hasMerge && merge != "restart" && col < len(above) && above[col] != nil {
				cl = above[col] // continues the cell above
			} else {
				var parts []string
				for _, p := range tc.children {
					if p.name == "p" {
						parts = append(parts, paraText(p))
					}
				}
				cl = &tcell{text: cleanLine(strings.Join(parts, ""))}
			}
			if g.slots += spanN; g.slots > maxSlots {
				break
			}
			for k := 0; k < spanN; k++ {
				for len(row) < col {
					row = append(row, nil)
				}
				row = append(row, cl)
				col++
			}
		}
		g.rows = append(g.rows, row)
		above = row
	}
	return g.rows
}

// cellsOf lists a row's cells, through content controls around them.
func cellsOf(tr *xnode) []*xnode {
	var out []*xnode
	for _, c := range tr.children {
		switch c.name {
		case "tc":
			out = append(out, c)
		case "sdt", "sdtContent", "customXml":
			out = append(out, cellsOf(c)...)
		}
	}
	return out
}

func atoiOr(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}
