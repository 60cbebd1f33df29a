// Package filing makes the copies of a report that are filed on paper: the report as a
// Word document (Office Open XML) in the layout of the official template, and the 审批单
// of a version, the record of its approvals that the 主要领导 sign.
//
// The Word files are written with the standard library (archive/zip and encoding/xml):
// WordprocessingML needs a handful of parts, and the tables need exact control over
// merged cells (gridSpan, vMerge) and repeated header rows that the Go libraries for
// .docx either lack or hide. The tables are laid out by shared/render.Layout, from the
// one format definition in shared/report: no label is typed here.
package filing

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ContentType is the media type of a .docx file.
const ContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// Page geometry of A4 portrait in twentieths of a point: 2.54 cm top and bottom,
// 3.17 cm left and right (the margins of Word's and WPS's 普通 page, which offices use).
const (
	pageW, pageH     = 11906, 16838
	marginTB         = 1440 // 2.54 cm
	marginLR         = 1797 // 3.17 cm
	textWidth        = pageW - 2*marginLR
	cellMargin       = 57 // 0.1 cm each side inside a table cell
	dateTimeLayout   = "2006年1月2日 15:04"
	wordMLNamespace  = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
	relsNamespace    = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	packageRelations = "http://schemas.openxmlformats.org/package/2006/relationships"
)

// Fonts as Chinese offices name them, each with the fallback Word and WPS use when it
// is not installed (altName); LibreOffice falls back through fontconfig.
var fonts = []struct{ name, alt, family string }{
	{fontTitle, "宋体", "roman"},
	{fontText, "仿宋", "modern"},
	{fontHeading, "SimHei", "modern"},
	{"宋体", "SimSun", "roman"},
	{"仿宋", "FangSong", "modern"},
	{"Times New Roman", "", "roman"},
}

const (
	fontTitle   = "方正小标宋简体"
	fontText    = "仿宋_GB2312"
	fontHeading = "黑体"
)

// Font sizes in half-points: 二号 for the title, 三号 for the text.
const (
	sizeTitle = 44
	sizeText  = 32
)

// doc is a WordprocessingML body being written.
type doc struct {
	b bytes.Buffer
}

func esc(b *bytes.Buffer, s string) {
	xml.EscapeText(b, []byte(s)) //nolint:errcheck // writes to a bytes.Buffer cannot fail
}

// run writes one run of text; "\n" in the text becomes a line break.
func (d *doc) run(text string, rpr string) {
	for i, line := range strings.Split(text, "\n") {
		d.b.WriteString("<w:r>")
		if rpr != "" {
			d.b.WriteString("<w:rPr>" + rpr + "</w:rPr>")
		}
		if i > 0 {
			d.b.WriteString("<w:br/>")
		}
		d.b.WriteString(`<w:t xml:space="preserve">`)
		esc(&d.b, line)
		d.b.WriteString("</w:t></w:r>")
	}
}

// para writes a paragraph of a style with extra paragraph and run properties.
func (d *doc) para(style, text, ppr, rpr string) {
	d.b.WriteString("<w:p><w:pPr>")
	if style != "" {
		d.b.WriteString(`<w:pStyle w:val="` + style + `"/>`)
	}
	d.b.WriteString(ppr)
	d.b.WriteString("</w:pPr>")
	if text != "" {
		d.run(text, rpr)
	}
	d.b.WriteString("</w:p>")
}

// cellSpec is one cell of a table row as written: its text, span and look.
type cellSpec struct {
	text    string
	span    int    // grid columns
	vmerge  string // "restart", "continue" or ""
	align   string // "left", "center", "right"
	shade   bool
	bold    bool
	keepNxt bool
}

// table writes a table with fixed column widths (twips); header rows repeat on every
// page; no row breaks across pages.
func (d *doc) table(widths []int, rows [][]cellSpec, headRows int, size int) {
	d.tableH(widths, rows, headRows, size, nil)
}

// tableH is table with a least height (twips) for some rows: the rows left empty for a
// signature.
func (d *doc) tableH(widths []int, rows [][]cellSpec, headRows int, size int, heights map[int]int) {
	total := 0
	for _, w := range widths {
		total += w
	}
	d.b.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="` + strconv.Itoa(total) + `" w:type="dxa"/><w:jc w:val="center"/>`)
	d.b.WriteString(`<w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		d.b.WriteString(`<w:` + side + ` w:val="single" w:sz="4" w:space="0" w:color="000000"/>`)
	}
	d.b.WriteString(`</w:tblBorders><w:tblLayout w:type="fixed"/><w:tblCellMar>`)
	fmt.Fprintf(&d.b, `<w:top w:w="0" w:type="dxa"/><w:left w:w="%d" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="%d" w:type="dxa"/>`, cellMargin, cellMargin)
	d.b.WriteString(`</w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		d.b.WriteString(`<w:gridCol w:w="` + strconv.Itoa(w) + `"/>`)
	}
	d.b.WriteString("</w:tblGrid>")
	rpr := `<w:sz w:val="` + strconv.Itoa(size) + `"/><w:szCs w:val="` + strconv.Itoa(size) + `"/>`
	for i, row := range rows {
		d.b.WriteString("<w:tr><w:trPr><w:cantSplit/>")
		if i < headRows {
			d.b.WriteString("<w:tblHeader/>")
		}
		if h := heights[i]; h > 0 {
			d.b.WriteString(`<w:trHeight w:val="` + strconv.Itoa(h) + `" w:hRule="atLeast"/>`)
		}
		d.b.WriteString("</w:trPr>")
		col := 0
		for _, c := range row {
			span := max(c.span, 1)
			w := 0
			for k := col; k < col+span && k < len(widths); k++ {
				w += widths[k]
			}
			col += span
			d.b.WriteString(`<w:tc><w:tcPr><w:tcW w:w="` + strconv.Itoa(w) + `" w:type="dxa"/>`)
			if span > 1 {
				d.b.WriteString(`<w:gridSpan w:val="` + strconv.Itoa(span) + `"/>`)
			}
			switch c.vmerge {
			case "restart":
				d.b.WriteString(`<w:vMerge w:val="restart"/>`)
			case "continue":
				d.b.WriteString(`<w:vMerge/>`)
			}
			if c.shade {
				d.b.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="EDEDED"/>`)
			}
			d.b.WriteString(`<w:vAlign w:val="center"/></w:tcPr>`)
			align := c.align
			if align == "" {
				align = "center"
			}
			ppr := `<w:pStyle w:val="TableText"/>`
			if c.keepNxt {
				ppr += "<w:keepNext/>"
			}
			ppr += `<w:jc w:val="` + align + `"/>`
			r := rpr
			if c.bold {
				r = "<w:b/>" + r
			}
			text := c.text
			if c.vmerge == "continue" {
				text = ""
			}
			d.para("", text, ppr, r)
			d.b.WriteString("</w:tc>")
		}
		d.b.WriteString("</w:tr>")
	}
	d.b.WriteString("</w:tbl>")
}

// sectPr is the page of the document: A4 portrait with the official margins.
func sectPr() string {
	return fmt.Sprintf(`<w:sectPr><w:pgSz w:w="%d" w:h="%d"/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="851" w:footer="992" w:gutter="0"/><w:cols w:space="425"/><w:docGrid w:linePitch="312"/></w:sectPr>`,
		pageW, pageH, marginTB, marginLR, marginTB, marginLR)
}

// fixedTime is the date every part of the zip carries, so that the same document always
// makes the same bytes (Publish may write a version twice).
var fixedTime = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)

// pack writes the body into a complete .docx.
func pack(body []byte, title string) ([]byte, error) {
	var docXML bytes.Buffer
	docXML.WriteString(xml.Header)
	docXML.WriteString(`<w:document xmlns:w="` + wordMLNamespace + `" xmlns:r="` + relsNamespace + `"><w:body>`)
	docXML.Write(body)
	docXML.WriteString(sectPr())
	docXML.WriteString("</w:body></w:document>")

	var core bytes.Buffer
	core.WriteString(xml.Header)
	core.WriteString(`<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>`)
	esc(&core, title)
	core.WriteString(`</dc:title><dc:language>zh-CN</dc:language></cp:coreProperties>`)

	parts := []struct {
		name string
		body []byte
	}{
		{"[Content_Types].xml", []byte(xml.Header + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
			`<Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
			`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
			`<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>` +
			`<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>` +
			`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
			`</Types>`)},
		{"_rels/.rels", []byte(xml.Header + `<Relationships xmlns="` + packageRelations + `">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
			`</Relationships>`)},
		{"word/_rels/document.xml.rels", []byte(xml.Header + `<Relationships xmlns="` + packageRelations + `">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>` +
			`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/>` +
			`</Relationships>`)},
		{"word/document.xml", docXML.Bytes()},
		{"word/styles.xml", []byte(stylesXML())},
		{"word/settings.xml", []byte(xml.Header + `<w:settings xmlns:w="` + wordMLNamespace + `"><w:defaultTabStop w:val="420"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>`)},
		{"word/fontTable.xml", []byte(fontTableXML())},
		{"docProps/core.xml", core.Bytes()},
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: fixedTime})
		if err != nil {
			return nil, fmt.Errorf("docx %s: %w", p.name, err)
		}
		if _, err := w.Write(p.body); err != nil {
			return nil, fmt.Errorf("docx %s: %w", p.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("docx: %w", err)
	}
	return out.Bytes(), nil
}

func rFonts(eastAsia string) string {
	return `<w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="` + eastAsia + `" w:cs="Times New Roman"/>`
}

func stylesXML() string {
	size := func(n int) string {
		return `<w:sz w:val="` + strconv.Itoa(n) + `"/><w:szCs w:val="` + strconv.Itoa(n) + `"/>`
	}
	var b strings.Builder
	b.WriteString(xml.Header + `<w:styles xmlns:w="` + wordMLNamespace + `">`)
	b.WriteString(`<w:docDefaults><w:rPrDefault><w:rPr>` + rFonts(fontText) + size(sizeText) + `<w:kern w:val="2"/><w:lang w:val="en-US" w:eastAsia="zh-CN" w:bidi="ar-SA"/></w:rPr></w:rPrDefault>`)
	b.WriteString(`<w:pPrDefault><w:pPr><w:widowControl w:val="0"/><w:overflowPunct w:val="0"/><w:jc w:val="left"/></w:pPr></w:pPrDefault></w:docDefaults>`)
	style := func(id, name, ppr, rpr string) {
		b.WriteString(`<w:style w:type="paragraph" w:styleId="` + id + `"><w:name w:val="` + name + `"/>`)
		if id != "Normal" {
			b.WriteString(`<w:basedOn w:val="Normal"/>`)
		} else {
			b.WriteString(`<w:qFormat/>`)
		}
		b.WriteString(`<w:pPr>` + ppr + `</w:pPr><w:rPr>` + rpr + `</w:rPr></w:style>`)
	}
	// 28 磅 fixed lines for the text, as 公文 are set.
	style("Normal", "Normal", `<w:spacing w:before="0" w:after="0" w:line="560" w:lineRule="exact"/>`, "")
	style("Title", "Title", `<w:spacing w:before="0" w:after="400" w:line="700" w:lineRule="exact"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/>`, rFonts(fontTitle)+size(sizeTitle))
	style("Heading1", "heading 1", `<w:keepNext/><w:spacing w:before="160" w:after="0" w:line="560" w:lineRule="exact"/><w:ind w:firstLineChars="200" w:firstLine="640"/><w:outlineLvl w:val="1"/>`, rFonts(fontHeading)+size(sizeText))
	style("Body", "Body Text", `<w:ind w:firstLineChars="200" w:firstLine="640"/>`, "")
	style("Note", "Note", `<w:spacing w:before="120" w:after="0" w:line="400" w:lineRule="exact"/>`, size(24))
	style("Closing", "Closing", `<w:jc w:val="right"/><w:ind w:right="640"/>`, "")
	style("TableText", "Table Text", `<w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/><w:ind w:firstLine="0"/>`, rFonts(fontText))
	style("Caption", "caption", `<w:keepNext/><w:spacing w:before="120" w:after="120" w:line="400" w:lineRule="exact"/><w:jc w:val="center"/>`, rFonts(fontHeading)+size(28))
	b.WriteString(`</w:styles>`)
	return b.String()
}

func fontTableXML() string {
	var b bytes.Buffer
	b.WriteString(xml.Header + `<w:fonts xmlns:w="` + wordMLNamespace + `">`)
	for _, f := range fonts {
		b.WriteString(`<w:font w:name="`)
		esc(&b, f.name)
		b.WriteString(`">`)
		if f.alt != "" {
			b.WriteString(`<w:altName w:val="`)
			esc(&b, f.alt)
			b.WriteString(`"/>`)
		}
		charset := "86" // GB2312
		if f.name == "Times New Roman" {
			charset = "00"
		}
		b.WriteString(`<w:charset w:val="` + charset + `"/><w:family w:val="` + f.family + `"/><w:pitch w:val="variable"/></w:font>`)
	}
	b.WriteString(`</w:fonts>`)
	return b.String()
}
