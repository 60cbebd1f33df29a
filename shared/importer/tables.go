package importer

import (
	"regexp"
	"strings"

	"nianbao/shared/report"
)

// tableRead is the tables of a file read in one format.
type tableRead struct {
	format   *report.Format
	grids    map[string]*report.Grid
	printed  map[string]string
	units    map[string]string
	problems []Problem
	cells    int // cells found (read or not)
	found    int // report tables found
}

// assigned is what one cell of the format was found holding.
type assigned struct {
	src  *tcell
	text string
}

// labelSet is every label of a table as printed (folded), for telling labels from
// numbers and tables from one another.
func labelSet(t *report.Table) map[string]bool {
	m := map[string]bool{}
	add := func(s string) {
		if s != "" {
			m[fold(s)] = true
			m[stripEnum(fold(s))] = true
		}
	}
	add(t.Corner)
	add(t.CaseHeading)
	var walk func([]*report.Header)
	walk = func(hs []*report.Header) {
		for _, h := range hs {
			add(h.Label)
			walk(h.Children)
		}
	}
	for _, b := range t.Blocks {
		add(b.Heading)
		add(b.RowHeading)
		walk(b.ColumnTree)
		walk(b.RowTree)
	}
	return m
}

var unitSuffix = regexp.MustCompile(`^(.+?)\((?:单位:)?(元|万元)\)$`)

// isLabel reports whether a slot's text is a label of the table; a column label with a
// unit (采购总金额（单位：万元）) is one.
func isLabel(labels map[string]bool, s string) bool {
	f := fold(s)
	if labels[f] {
		return true
	}
	if m := unitSuffix.FindStringSubmatch(f); m != nil && labels[m[1]] {
		return true
	}
	return false
}

// readTables reads the file's data tables in format f: each table is told by its labels
// (the format's table it shares most labels with), a table of numbers without labels
// right after one continues it (a table 四 whose header and numbers are in two tables).
func readTables(f *report.Format, blocks []block, tables []int) *tableRead {
	tr := &tableRead{format: f, grids: map[string]*report.Grid{}, printed: map[string]string{}, units: map[string]string{}}
	kinds := []*report.Table{f.Proactive, f.Requests, f.Appeals}
	sets := map[*report.Table]map[string]bool{}
	for _, t := range kinds {
		sets[t] = labelSet(t)
	}
	type piece struct {
		t    *report.Table
		rows [][]*tcell
	}
	var pieces []piece
	prevEnd := -2
	for _, i := range tables {
		rows := blocks[i].table
		var best *report.Table
		bestHits := 0
		for _, t := range kinds {
			seen := map[*tcell]bool{}
			hits := 0
			for _, r := range rows {
				for _, c := range r {
					if c != nil && !seen[c] && isLabel(sets[t], c.text) {
						seen[c] = true
						hits++
					}
				}
			}
			if hits > bestHits {
				best, bestHits = t, hits
			}
		}
		switch {
		case bestHits >= 3:
			pieces = append(pieces, piece{t: best, rows: rows})
		case len(pieces) > 0 && prevEnd == i-1:
			// Numbers continuing the table just before.
			p := &pieces[len(pieces)-1]
			p.rows = append(append([][]*tcell(nil), p.rows...), rows...)
		default:
			continue
		}
		prevEnd = i
	}

	byTable := map[*report.Table][][][]*tcell{}
	for _, p := range pieces {
		byTable[p.t] = append(byTable[p.t], p.rows)
	}
	for _, t := range kinds {
		ps := byTable[t]
		if len(ps) > 0 {
			tr.found++
		}
		layout := t
		var cells map[cellKey]assigned
		cells, _ = resolve(t, ps)
		if t == f.Requests && f.LegacyRequests != nil && len(ps) > 0 {
			// The legacy （六） row: read with whichever layout of table 三 names more cells.
			lc, conflicts := resolve(f.LegacyRequests, ps)
			if len(lc)-conflicts > len(cells) {
				layout, cells = f.LegacyRequests, lc
			}
		}
		g := report.NewGrid(layout)
		tr.grids[t.Key] = g
		for _, r := range layout.Rows {
			for _, c := range r.Columns {
				path := t.Key + "." + r.ID + "." + c.ID
				p := Problem{Path: path, Table: "表" + t.Number, Row: r.FullLabel(), Column: c.Label}
				a, ok := cells[cellKey{r.ID, c.ID}]
				if !ok {
					if len(ps) == 0 {
						p.Reason = "文件中没有表" + t.Number
					} else {
						p.Reason = "表中找不到这一格"
					}
					tr.problems = append(tr.problems, p)
					continue
				}
				tr.cells++
				v, printed, ok := readNumber(a.text)
				if printed != "" {
					tr.printed[path] = printed
				}
				if !ok {
					p.Text, p.Reason = a.text, "读不出数字，已留空"
					tr.problems = append(tr.problems, p)
					continue
				}
				g.SetAt(r, c, v)
			}
		}
		for k, u := range unitsOf(layout, ps) {
			tr.units[t.Key+"."+k] = u
		}
	}
	return tr
}

type cellKey struct{ row, col string }

// resolve names the number cells of a table's pieces: each slot that is not a label is
// named by the labels to its left (its row's) and above it (its column's, up to the
// numbers of the rows above); the row is the one whose label (and most of whose group
// headings) those name, the column the one named above it. It returns the cells found
// and how many were found twice from different slots.
func resolve(t *report.Table, pieces [][][]*tcell) (map[cellKey]assigned, int) {
	labels := labelSet(t)
	out := map[cellKey]assigned{}
	conflicts := 0
	for _, rows := range pieces {
		done := map[*tcell]bool{}
		// Each cell's text folded once, and whether it is a label.
		folded := map[*tcell]string{}
		label := map[*tcell]bool{}
		for _, row := range rows {
			for _, c := range row {
				if _, ok := folded[c]; c != nil && !ok {
					folded[c] = fold(c.text)
					label[c] = isLabel(labels, c.text)
				}
			}
		}
		for i, row := range rows {
			for j, c := range row {
				if c == nil || done[c] || label[c] {
					continue
				}
				done[c] = true
				var rowL, colL []string
				seenL := map[*tcell]bool{}
				for k := j - 1; k >= 0; k-- {
					if s := row[k]; s != nil && s != c && !seenL[s] && label[s] {
						seenL[s] = true
						rowL = append(rowL, folded[s])
					}
				}
				got := false
				for k := i - 1; k >= 0; k-- {
					if j >= len(rows[k]) {
						continue
					}
					s := rows[k][j]
					if s == nil || s == c || seenL[s] {
						continue
					}
					if label[s] {
						seenL[s] = true
						colL = append(colL, folded[s])
						got = true
					} else if got {
						break
					}
				}
				if len(colL) == 0 {
					continue
				}
				r, col := match(t, rowL, colL)
				if r == nil || col == nil {
					continue
				}
				k := cellKey{r.ID, col.ID}
				if prev, dup := out[k]; dup {
					if prev.src != c {
						conflicts++
					}
					continue
				}
				out[k] = assigned{src: c, text: c.text}
			}
		}
	}
	return out, conflicts
}

// match finds the row and column a cell's labels name.
func match(t *report.Table, rowL, colL []string) (*report.Row, *report.Column) {
	in := map[string]bool{}
	for _, l := range rowL {
		in[l] = true
	}
	colIn := map[string]bool{}
	for _, l := range colL {
		in[l] = true
		colIn[l] = true
		if m := unitSuffix.FindStringSubmatch(l); m != nil {
			colIn[m[1]] = true
		}
	}
	best := matchRow(t, in, func(s string) string { return fold(s) })
	if best == nil {
		// A portal that left the numbering off the row labels (「本年新收政府信息公开申请数量」,
		// 「予以公开」): the row's own labels, without their numbering.
		rowIn := map[string]bool{}
		for _, l := range rowL {
			rowIn[stripEnum(l)] = true
		}
		best = matchRow(t, rowIn, func(s string) string { return stripEnum(fold(s)) })
	}
	if best == nil {
		return nil, nil
	}
	var col *report.Column
	for _, c := range best.Columns {
		if colIn[fold(c.Label)] {
			if col != nil {
				return nil, nil
			}
			col = c
		}
	}
	return best, col
}

var enumPrefix = regexp.MustCompile(`^(?:[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|\d+\.)`)

// stripEnum is a folded label without its numbering (一、 （一） 1.).
func stripEnum(f string) string {
	if s := enumPrefix.ReplaceAllString(f, ""); s != "" {
		return s
	}
	return f
}

// matchRow is the row whose label (by key) is among the labels, the one with the most
// of its group headings among them; nil when none is, or two are alike.
func matchRow(t *report.Table, in map[string]bool, key func(string) string) *report.Row {
	var best *report.Row
	bestScore, ties := -1, 0
	for _, r := range t.Rows {
		if !in[key(r.Label)] {
			continue
		}
		score := 0
		for _, h := range r.Path {
			if in[key(h.Label)] {
				score++
			}
		}
		if r.Block != nil && r.Block.Heading != "" && in[fold(r.Block.Heading)] {
			score++
		}
		switch {
		case score > bestScore:
			best, bestScore, ties = r, score, 0
		case score == bestScore:
			ties++
		}
	}
	if ties > 0 {
		return nil
	}
	return best
}

// unitsOf is the unit a column heading states for an amount column that does not print
// one in its label (采购总金额（单位：万元）), by row.col.
func unitsOf(t *report.Table, pieces [][][]*tcell) map[string]string {
	out := map[string]string{}
	for _, c := range t.Columns {
		if c.Kind != report.Amount || c.UnitInLabel {
			continue
		}
		for _, rows := range pieces {
			for _, row := range rows {
				for _, s := range row {
					if s == nil {
						continue
					}
					m := unitSuffix.FindStringSubmatch(fold(s.text))
					if m == nil || m[1] != fold(c.Label) || m[2] == c.Unit {
						continue
					}
					for _, r := range t.Rows {
						if r.Has(c) {
							out[r.ID+"."+c.ID] = m[2]
						}
					}
				}
			}
		}
	}
	return out
}

// readNumber reads a cell's text (see the package comment): the number, the text to keep
// in printed ("" when the text is just the number), and whether a number was read.
func readNumber(text string) (report.Cell, string, bool) {
	t := cleanLine(text)
	if blankMark(t) {
		return report.Cell{}, "", true
	}
	n := digits(t)
	if thousands.MatchString(n) {
		n = strings.ReplaceAll(n, ",", "")
	}
	if c, err := report.ParseCell(n); err == nil {
		return c, "", true
	}
	if n == "无" || n == "零" {
		return report.Int(0), t, true
	}
	num := ""
	if m := leading.FindStringSubmatch(n); m != nil {
		num = m[2]
		if strings.HasPrefix(m[1], "减") || m[1] == "-" {
			num = "-" + num
		}
	} else if ms := anyNumber.FindAllStringSubmatch(n, -1); len(ms) == 1 {
		num = ms[0][2]
		if ms[0][1] != "" {
			num = "-" + num
		}
	}
	if num != "" {
		if c, err := report.ParseCell(num); err == nil {
			return c, t, true
		}
	}
	return report.Cell{}, t, false
}
