// Package importer reads an existing 政府信息公开工作年度报告 into a report document: a page
// saved from a government portal (.html, any site's markup, UTF-8 or GB2312/GBK/GB18030)
// or the official template filled in Word or WPS (.docx).
//
// Tables are found by the official labels of the formats in shared/report, never by
// their position on the page or by class names: every number cell is named by the
// labels printed to its left and above it, as a reader names it. The text sections are
// read from the headings 一、… 六、. A number is never guessed: a cell whose text holds no
// number the rules below can read stays blank and is listed in Result.Problems.
//
// How a cell's text is read:
//   - empty, 「—」「-」「/」: blank;
//   - a number written with spaces, full-width digits (１２) or thousands separators: that
//     number (the spaces and widths are how it was typeset, not part of the report);
//   - 「无」「零」: 0, the text kept in printed;
//   - a text opening with a number (「13宗共113200元」「12（其中修订3件）」, 「减4」 for −4), or
//     holding exactly one: that number, the whole text kept in printed;
//   - anything else (「见附件」「7宗，共312800元」 with its number not first): blank, the text
//     kept in printed, and the cell listed.
package importer

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"nianbao/shared/report"
)

// MaxFileSize bounds the file read: a report page or Word file is well under it.
const MaxFileSize = 5 << 20

// ErrNoReport is returned (wrapped) when a file holds none of the report's tables.
var ErrNoReport = errors.New("文件中没有年度报告的表格")

// ErrUnreadable is returned (wrapped) for a file that is neither a web page nor a Word
// file (.docx), or is damaged.
var ErrUnreadable = errors.New("文件无法读取")

// Options are what the caller knows better than the file.
type Options struct {
	Format string // "gip-2019" or "gip-2021"; "" reads it from the year or the header wording
	Agency string // the agency's name; "" reads it from the title or the 落款
	Year   int    // the report year; 0 reads it from the title
}

// Problem is one cell that could not be read.
type Problem struct {
	Path   string // table.row.column, as in findings
	Table  string // 表二, 表三, 表四
	Row    string // the row's label with its group headings
	Column string // the column's label
	Text   string // the cell's text, when a cell was found
	Reason string
}

func (p Problem) String() string {
	s := fmt.Sprintf("%s「%s」行「%s」列", p.Table, p.Row, p.Column)
	if p.Text != "" {
		s += fmt.Sprintf("「%s」", p.Text)
	}
	return s + "：" + p.Reason
}

// Result is a report read from a file.
type Result struct {
	Doc      *report.Document
	Kind     string    // "html" or "docx"
	Problems []Problem // the cells not read, in printed order
	// Tables counts the report tables found (of 二, 三, 四).
	Tables int
}

// Complete reports whether every cell of every table was read.
func (r *Result) Complete() bool { return len(r.Problems) == 0 }

// Import reads a file by its content (a Word file is a zip archive; anything else is
// read as a web page); name is only used in messages and for the kind when the content
// does not tell.
func Import(name string, data []byte, opt Options) (*Result, error) {
	if len(data) > MaxFileSize {
		return nil, fmt.Errorf("%w：%s 超过 %d MB", ErrUnreadable, filepath.Base(name), MaxFileSize>>20)
	}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		return Docx(data, opt)
	}
	ext := strings.ToLower(filepath.Ext(name))
	if ext == ".doc" || ext == ".wps" || ext == ".pdf" || bytes.HasPrefix(data, []byte("%PDF")) ||
		bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return nil, fmt.Errorf("%w：只能读取网页（.html）和 Word 文件（.docx）；.doc、.wps 和 PDF 请先在 Word 或 WPS 中另存为 .docx", ErrUnreadable)
	}
	return HTML(data, "", opt)
}
