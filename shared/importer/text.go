package importer

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/net/html"
)

// block is a paragraph (its lines, split where the page breaks them) or a data table,
// in document order.
type block struct {
	lines []string
	table [][]*tcell
	tag   string       // the element holding it ("h1", "p", "caption", "table", "title")
	skip  bool         // page furniture (metadata lists, links), not report text
	anc   []*html.Node // a page's elements around it (nil for a Word file)
}

// tcell is one cell of a table; a merged cell is one tcell in every slot it spans.
type tcell struct{ text string }

// grid places cells on a table's slots as HTML lays them out (rowspan, colspan).
type grid struct {
	rows  [][]*tcell
	slots int
}

// maxSlots bounds a table's slots: the report's largest table has under 300, and spans
// written to blow a table up (rowspan="200" on every cell) must not cost the memory of
// a function.
const maxSlots = 4000

func (g *grid) place(row int, c *tcell, rowspan, colspan int) {
	if g.slots += rowspan * colspan; g.slots > maxSlots || row > maxSlots {
		return
	}
	for len(g.rows) <= row {
		g.rows = append(g.rows, nil)
	}
	col := 0
	for col < len(g.rows[row]) && g.rows[row][col] != nil {
		col++
	}
	for i := row; i < row+rowspan; i++ {
		for len(g.rows) <= i {
			g.rows = append(g.rows, nil)
		}
		for len(g.rows[i]) < col+colspan {
			g.rows[i] = append(g.rows[i], nil)
		}
		for j := col; j < col+colspan; j++ {
			if g.rows[i][j] == nil {
				g.rows[i][j] = c
			}
		}
	}
}

// cleanLine turns a line as typeset into text: no-break and ideographic spaces are
// spaces, runs of spaces (a page's source line breaks) are one, the ends trimmed.
func cleanLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\u00a0', '\t', '\r', '\n', '\u2002', '\u2003', '\u2009':
			return ' '
		case '\u200b', '\ufeff':
			return -1
		}
		return r
	}, s)
	// Ideographic spaces inside a line are the author's (「　　　　年　　月　　日」); at its
	// ends they are indentation.
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' }), " ")
	return strings.TrimFunc(s, unicode.IsSpace)
}

// fold is a label or heading reduced to what identifies it: no spaces, full-width
// letters, digits and punctuation as ASCII, 「1、」 as 「1.」, quotes dropped. A portal's
// 「（二）部分公开(区分处理的, 只计这一情形, 不计其他情形)」 folds like the template's.
func fold(s string) string {
	var b strings.Builder
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff':
			continue
		case r >= '！' && r <= '～':
			r = r - '！' + '!'
		case r == '“' || r == '”' || r == '"' || r == '‘' || r == '’' || r == '\'':
			continue
		case r == '、' && i > 0 && rs[i-1] >= '0' && rs[i-1] <= '9', r == '。' && i > 0 && rs[i-1] >= '0' && rs[i-1] <= '9':
			r = '.'
		case r == '：':
			r = ':'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// digits folds full-width digits and signs to ASCII and drops every space.
func digits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return r - '０' + '0'
		case r == '．':
			return '.'
		case r == '－' || r == '−' || r == '–':
			return '-'
		case r == '，':
			return ','
		case unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff':
			return -1
		}
		return r
	}, s)
}

var (
	thousands = regexp.MustCompile(`^-?\d{1,3}(,\d{3})+(\.\d+)?$`)
	leading   = regexp.MustCompile(`^(减少|减|增加|增|-|\+)?(\d+(?:\.\d+)?)(\D|$)`)
	anyNumber = regexp.MustCompile(`(减少|减)?(\d+(?:\.\d+)?)`)
	dateLine  = regexp.MustCompile(`^(\d{4}|[〇○零一二三四五六七八九]{4})年[\d〇○零一二三四五六七八九十]{1,3}月[\d〇○零一二三四五六七八九十]{1,3}日$`)
	blankDate = regexp.MustCompile(`^年月日$`)
)

// blankMark: what a portal prints in a cell left blank.
func blankMark(s string) bool {
	switch strings.Trim(s, " ") {
	case "", "—", "——", "-", "--", "–", "/", "／", "－", "一一", "─", "---", "\\":
		return true
	}
	return false
}

// junkLine: a portal's page furniture around an article (发布时间：… 【打印】 …).
func junkLine(s string) bool {
	f := fold(s)
	for _, p := range []string{"发布时间:", "发布日期:", "来源:", "信息来源:", "浏览次数:", "点击数:", "字号:", "索引号:",
		"分享到", "【打印", "[打印", "打印本页", "关闭窗口", "【关闭", "扫一扫", "相关链接", "责任编辑:", "下载Word版"} {
		if strings.HasPrefix(f, p) || strings.Contains(f, "关闭窗口") || strings.Contains(f, "打印本页") {
			return true
		}
	}
	return false
}
