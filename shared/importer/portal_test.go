package importer

import (
	"fmt"
	"html"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"nianbao/shared/report"
)

// The pages below are written the way government portals serve reports: a content
// management system's editor (TRS) wrapping each cell's text in <p><span>, &nbsp; for
// blank cells and indentation, a layout table around the article, a breadcrumb and a
// footer; GBK; label columns merged differently from nianbao's page; table 四 split in
// two; numbers typeset with stray spaces and full-width digits. They are made from a
// document so that every cell can be compared with it.

type portalStyle struct {
	// cell wraps a cell's text as the portal's editor does.
	cell func(s string) string
	// number typesets the k-th number of the page.
	number func(k int, s string) string
	blank  string // what a blank cell holds
	// labelCols is how many label columns table 三 has (nianbao prints 3; a portal may
	// merge them into 4 with the leaves spanning two).
	labelCols    int
	splitAppeals bool // table 四 as two tables: 行政复议 | 行政诉讼
	// appealsHeadSeparate puts table 四's numbers in a table of their own under its header.
	appealsHeadSeparate bool
	paragraph           func(s string) string
	heading             func(s string) string
	bare                bool // no portal around the report (a file to open in Word)
	// blockColumn prints table 二's 第二十条 headings as a merged column at the left
	// instead of a row over each block.
	blockColumn bool
}

var trs = portalStyle{
	cell: func(s string) string {
		return `<p style="text-align:center;line-height:150%"><span style="font-family:仿宋_GB2312;font-size:14px">` + s + `</span></p>`
	},
	number: func(k int, s string) string {
		switch k % 4 {
		case 0:
			return fullWidth(s)
		case 1:
			if len(s) > 1 {
				return s[:1] + " " + s[1:]
			}
			return " " + s + " "
		case 2:
			return "&nbsp;" + s + "&nbsp;"
		}
		return s
	},
	blank:        "&nbsp;",
	labelCols:    4,
	splitAppeals: true,
	paragraph: func(s string) string {
		return `<p style="text-indent:2em;line-height:200%"><span style="font-size:16px">&nbsp;&nbsp;&nbsp;&nbsp;` + html.EscapeString(s) + `</span></p>`
	},
	heading: func(s string) string {
		return `<p style="text-indent:2em"><strong><span style="font-family:黑体">` + s + `</span></strong></p>`
	},
}

var plain = portalStyle{
	cell:                func(s string) string { return s },
	number:              func(k int, s string) string { return s },
	blank:               "—",
	labelCols:           3,
	appealsHeadSeparate: true,
	blockColumn:         true,
	paragraph:           func(s string) string { return "<div>" + html.EscapeString(s) + "</div>" },
	heading:             func(s string) string { return "<h3>" + s + "</h3>" },
}

func fullWidth(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r - '0' + '０'
		}
		return r
	}, s)
}

type pageWriter struct {
	b     strings.Builder
	st    portalStyle
	doc   *report.Document
	count int
}

func (w *pageWriter) td(attrs, s string) {
	fmt.Fprintf(&w.b, "<td%s>%s</td>", attrs, w.st.cell(s))
}

func (w *pageWriter) value(t *report.Table, r *report.Row, c *report.Column, attrs string) {
	g := w.doc.Grid(t.Key)
	text := w.doc.CellText(g, r, c)
	switch {
	case text == "":
		text = w.st.blank
	case text == g.At(r, c).String():
		text = w.st.number(w.count, text)
		w.count++
	default:
		text = html.EscapeString(text)
	}
	w.td(attrs, text)
}

func spanAttr(name string, n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(` %s="%d"`, name, n)
}

func (w *pageWriter) proactive(t *report.Table) {
	w.b.WriteString(`<table border="1" cellspacing="0" class="MsoNormalTable" style="width:554px">`)
	for _, blk := range t.Blocks {
		fmt.Fprintf(&w.b, "<tr>")
		if w.st.blockColumn {
			w.td(spanAttr("rowspan", 1+len(blk.Rows)), blk.Heading)
		} else {
			w.td(` colspan="4"`, blk.Heading)
			fmt.Fprintf(&w.b, "</tr><tr>")
		}
		w.td("", blk.RowHeading)
		wide := 3 / len(blk.Columns)
		for i, c := range blk.Columns {
			n := wide
			if i == len(blk.Columns)-1 {
				n = 3 - wide*(len(blk.Columns)-1)
			}
			w.td(spanAttr("colspan", n), w.doc.ColumnHeading(t, c))
		}
		fmt.Fprintf(&w.b, "</tr>")
		for _, r := range blk.Rows {
			fmt.Fprintf(&w.b, "<tr>")
			w.td("", r.Label)
			for i, c := range blk.Columns {
				n := wide
				if i == len(blk.Columns)-1 {
					n = 3 - wide*(len(blk.Columns)-1)
				}
				w.value(t, r, c, spanAttr("colspan", n))
			}
			fmt.Fprintf(&w.b, "</tr>")
		}
	}
	w.b.WriteString("</table>")
}

func (w *pageWriter) requests(t *report.Table) {
	lc := w.st.labelCols
	w.b.WriteString(`<table border="1" cellpadding="0" cellspacing="0" width="600">`)
	fmt.Fprintf(&w.b, "<tbody><tr>")
	w.td(fmt.Sprintf(` colspan="%d" rowspan="3"`, lc), t.Corner)
	w.td(` colspan="7"`, t.CaseHeading)
	fmt.Fprintf(&w.b, "</tr><tr>")
	w.td(` rowspan="2"`, "自然人")
	w.td(` colspan="5"`, "法人或其他组织")
	w.td(` rowspan="2"`, "总计")
	fmt.Fprintf(&w.b, "</tr><tr>")
	for _, l := range []string{"商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"} {
		w.td("", l)
	}
	fmt.Fprintf(&w.b, "</tr>")
	opened := map[*report.Header]bool{}
	for _, r := range t.Rows {
		fmt.Fprintf(&w.b, "<tr>")
		for d, h := range r.Path {
			if h.Row == nil {
				if !opened[h] {
					opened[h] = true
					w.td(spanAttr("rowspan", h.Leaves()), h.Label)
				}
				continue
			}
			w.td(spanAttr("colspan", lc-d), h.Label)
		}
		for _, c := range r.Columns {
			w.value(t, r, c, "")
		}
		fmt.Fprintf(&w.b, "</tr>")
	}
	w.b.WriteString("</tbody></table>")
}

func (w *pageWriter) appeals(t *report.Table) {
	head := func(rows []*report.Row, group string) {
		if group != "" {
			fmt.Fprintf(&w.b, "<tr>")
			w.td(spanAttr("colspan", 5*len(rows)), group)
			fmt.Fprintf(&w.b, "</tr>")
		}
		fmt.Fprintf(&w.b, "<tr>")
		for _, r := range rows {
			w.td(` colspan="5"`, r.Label)
		}
		fmt.Fprintf(&w.b, "</tr><tr>")
		for range rows {
			for _, c := range t.Columns {
				w.td("", c.Label)
			}
		}
		fmt.Fprintf(&w.b, "</tr>")
	}
	values := func(rows []*report.Row) {
		fmt.Fprintf(&w.b, "<tr>")
		for _, r := range rows {
			for _, c := range r.Columns {
				w.value(t, r, c, "")
			}
		}
		fmt.Fprintf(&w.b, "</tr>")
	}
	review, lit := t.Rows[:1], t.Rows[1:]
	switch {
	case w.st.splitAppeals:
		w.b.WriteString(`<table border="1">`)
		head(review, "")
		values(review)
		w.b.WriteString(`</table><p>&nbsp;</p><table border="1">`)
		head(lit, "行政诉讼")
		values(lit)
		w.b.WriteString("</table>")
	default:
		// The template's one table: 行政复议 | 行政诉讼 over three levels of headings.
		w.b.WriteString(`<table border="1"><tr>`)
		w.td(` colspan="5"`, "行政复议")
		w.td(` colspan="10"`, "行政诉讼")
		w.b.WriteString("</tr><tr>")
		for _, c := range t.Columns {
			w.td(` rowspan="2"`, c.Label)
		}
		w.td(` colspan="5"`, "未经复议直接起诉")
		w.td(` colspan="5"`, "复议后起诉")
		w.b.WriteString("</tr><tr>")
		for range 2 {
			for _, c := range t.Columns {
				w.td("", c.Label)
			}
		}
		if w.st.appealsHeadSeparate {
			w.b.WriteString(`</tr></table><table border="1">`)
		} else {
			w.b.WriteString("</tr>")
		}
		values(t.Rows)
		w.b.WriteString("</table>")
	}
}

// portalPage writes doc as a portal page in a style, inside the portal's frame.
func portalPage(doc *report.Document, st portalStyle, charset string) string {
	w := &pageWriter{st: st, doc: doc}
	f := doc.Spec()
	if st.bare {
		fmt.Fprintf(&w.b, `<!DOCTYPE html><html><head><meta charset="%s"><title>%s</title></head><body><p align="center"><b>%s</b></p>`,
			charset, html.EscapeString(doc.PrintedTitle()), html.EscapeString(doc.PrintedTitle()))
	} else {
		fmt.Fprintf(&w.b, `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=%s">
<title>%s_示例市人民政府门户网站</title><script>var a="一、总体情况";</script></head>
<body><div class="top"><a href="/">首页</a> &gt; <a href="/zwgk">政务公开</a> &gt; 政府信息公开工作年度报告</div>
<table width="1000" align="center"><tr><td>
<table width="100%%"><tr><td class="title" align="center"><font size="5"><b>%s</b></font></td></tr>
<tr><td>发布时间：2022-01-28 来源：示例区人民政府办公室 字号：【大 中 小】</td></tr></table>
<div class="TRS_Editor"><div class="Custom_UnionStyle">
`, charset, html.EscapeString(doc.PrintedTitle()), html.EscapeString(doc.PrintedTitle()))
	}
	for _, p := range report.Paragraphs(doc.Sections.Preamble) {
		w.b.WriteString(st.paragraph(p))
	}
	for _, s := range f.Sections {
		w.b.WriteString(st.heading(s.Heading))
		if s.Table == nil {
			for _, p := range report.Paragraphs(doc.Text(s.Field)) {
				w.b.WriteString(st.paragraph(p))
			}
			continue
		}
		switch s.Table.Key {
		case "proactive":
			w.proactive(doc.Proactive.Table())
		case "requests":
			w.requests(doc.Requests.Table())
		case "appeals":
			w.appeals(doc.Appeals.Table())
		}
		for _, p := range report.Paragraphs(doc.Note(s.Table.Key)) {
			w.b.WriteString(st.paragraph(p))
		}
	}
	for _, l := range doc.SignatureLines() {
		fmt.Fprintf(&w.b, `<p style="text-align:right">%s</p>`, html.EscapeString(l))
	}
	if st.bare {
		w.b.WriteString("</body></html>")
		return w.b.String()
	}
	w.b.WriteString(`</div></div>
<div class="bottom"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</td></tr></table>
<div class="footer"><p>主办：示例市人民政府办公室 版权所有</p><p>网站标识码：1234000000 备案号：京ICP备00000000号</p></div>
</body></html>`)
	return w.b.String()
}

// portalDoc is a fixture with a note under a table and, in every table, blank cells and
// cells with text.
func portalDoc(t testing.TB, name string) *report.Document {
	doc := fixture(t, name).Clone()
	doc.Notes.Requests = "注：本表数据统计时间为当年1月1日至12月31日。"
	doc.Appeals.Set("review", "pending", report.Cell{})
	if doc.Printed == nil {
		doc.Printed = map[string]string{}
	}
	doc.Appeals.Set("litigation_direct", "total", report.Int(3))
	doc.Printed["appeals.litigation_direct.total"] = "3（均已审结）"
	return doc
}

func TestPortalTRSGBK(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			doc := portalDoc(t, name)
			page := portalPage(doc, trs, "gb2312")
			gbk, err := simplifiedchinese.GBK.NewEncoder().String(page)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(gbk, "政府信息公开") {
				t.Fatal("the page is not GBK-encoded")
			}
			res := mustImport(t, "report.htm", []byte(gbk), Options{})
			sameDocument(t, doc, res.Doc)
			if res.Tables != 3 {
				t.Errorf("tables found = %d, want 3", res.Tables)
			}
		})
	}
}

func TestPortalPlainUTF8(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			doc := portalDoc(t, name)
			res := mustImport(t, "report.html", []byte(portalPage(doc, plain, "utf-8")), Options{})
			sameDocument(t, doc, res.Doc)
		})
	}
}

// A GBK page that does not declare its encoding (a page saved without its headers) is
// read as GBK, not as windows-1252.
func TestPortalGBKUndeclared(t *testing.T) {
	doc := portalDoc(t, "sample-2021.json")
	page := strings.Replace(portalPage(doc, trs, "gb2312"), `<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`, "", 1)
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(page)
	if err != nil {
		t.Fatal(err)
	}
	res := mustImport(t, "report.htm", []byte(gbk), Options{})
	sameDocument(t, doc, res.Doc)
}
