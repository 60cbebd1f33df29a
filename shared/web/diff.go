package web

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"nianbao/shared/report"
	"nianbao/shared/store"
)

// What changed between two submitted versions, for the approver: the cells with their
// old and new numbers, and the text sections marked up as deletions and insertions. The
// diff is a plain longest-common-subsequence, first on paragraphs, then on the characters
// of the paragraphs that changed (Chinese has no spaces to split words at, and a clerk's
// edit is usually a few characters inside a sentence).

// versionDiff is what changed from version From to version To.
type versionDiff struct {
	From, To  int
	OldFormat string // set when the format itself changed
	NewFormat string
	Cells     []cellChange
	Texts     []textChange
}

// Empty reports whether nothing at all changed.
func (d *versionDiff) Empty() bool {
	return d.OldFormat == "" && len(d.Cells) == 0 && len(d.Texts) == 0
}

// cellChange is one number that changed; "" is a blank cell.
type cellChange struct {
	Table    string // 表三
	Label    string // row and column
	Old, New string
}

// textChange is one text (a section or a table's note) that changed.
type textChange struct {
	Heading string
	Parts   []diffPart
}

// diffPart is a piece of text that was kept, deleted or inserted.
type diffPart struct {
	Op   string // "=", "-", "+", or "…" for a run of unchanged paragraphs left out
	Text string
}

// Del, Ins and Skip tell the template how to show a part.
func (p diffPart) Del() bool  { return p.Op == "-" }
func (p diffPart) Ins() bool  { return p.Op == "+" }
func (p diffPart) Skip() bool { return p.Op == "…" }

// diffDocuments compares two versions of a report.
func diffDocuments(old, cur *report.Document) *versionDiff {
	d := &versionDiff{}
	of, nf := old.Spec(), cur.Spec()
	if of == nil || nf == nil {
		return d
	}
	if of != nf {
		d.OldFormat, d.NewFormat = of.Document+"（"+of.ID+"）", nf.Document+"（"+nf.ID+"）"
	}
	// The parts an office prints around the sections: the title, the 编制说明 before
	// section 一 and the 落款 after section 六.
	for _, t := range []struct{ heading, old, cur string }{
		{report.LabelTitle, old.PrintedTitle(), cur.PrintedTitle()},
		{report.LabelPreamble, old.Sections.Preamble, cur.Sections.Preamble},
	} {
		if parts, changed := diffText(t.old, t.cur); changed {
			d.Texts = append(d.Texts, textChange{Heading: t.heading, Parts: parts})
		}
	}
	for _, s := range nf.Sections {
		if s.Table != nil {
			d.Cells = append(d.Cells, diffTable(old, of.Table(s.Table.Key), old.Grid(s.Table.Key), cur, s.Table, cur.Grid(s.Table.Key))...)
			// A unit of an amount (元, 万元) changes how every number of the column reads
			// (within one format: another format has its own labels, shown as a format
			// change).
			for _, c := range s.Table.Columns {
				if of != nf {
					break
				}
				if oc := of.Table(s.Table.Key).Column(c.ID); oc != nil {
					if oh, nh := old.ColumnHeading(of.Table(s.Table.Key), oc), cur.ColumnHeading(s.Table, c); oh != nh {
						d.Texts = append(d.Texts, textChange{Heading: "表" + s.Table.Number + "的列名",
							Parts: []diffPart{{Op: "-", Text: oh}, {Op: "+", Text: nh}}})
					}
				}
			}
			if parts, changed := diffText(old.Note(s.Table.Key), cur.Note(s.Table.Key)); changed {
				d.Texts = append(d.Texts, textChange{Heading: "表" + s.Table.Number + "表下注", Parts: parts})
			}
			continue
		}
		if parts, changed := diffText(old.Text(s.Field), cur.Text(s.Field)); changed {
			d.Texts = append(d.Texts, textChange{Heading: s.Heading, Parts: parts})
		}
	}
	if parts, changed := diffText(strings.Join(old.SignatureLines(), "\n"), strings.Join(cur.SignatureLines(), "\n")); changed {
		d.Texts = append(d.Texts, textChange{Heading: report.LabelSignature, Parts: parts})
	}
	return d
}

// diffTable lists the cells of a table that differ, in printed order: the new table's
// cells first, then cells only the old format had (a format change).
func diffTable(old *report.Document, ot *report.Table, og *report.Grid, cur *report.Document, nt *report.Table, ng *report.Grid) []cellChange {
	var out []cellChange
	name := "表" + nt.Number
	for _, r := range nt.Rows {
		for _, c := range r.Columns {
			// What the cell prints: a text printed in it (「13宗共113200元」) is part of
			// what approvers sign off.
			nv := cur.CellText(ng, r, c)
			ov := ""
			if or, oc := ot.Row(r.ID), ot.Column(c.ID); or != nil && oc != nil && or.Has(oc) {
				ov = old.CellText(og, or, oc)
			}
			if ov != nv {
				out = append(out, cellChange{Table: name, Label: cellLabel(nt, r, c), Old: ov, New: nv})
			}
		}
	}
	for _, r := range ot.Rows {
		for _, c := range r.Columns {
			if nr, nc := nt.Row(r.ID), nt.Column(c.ID); nr != nil && nc != nil && nr.Has(nc) {
				continue
			}
			if ov := old.CellText(og, r, c); ov != "" {
				out = append(out, cellChange{Table: name, Label: cellLabel(ot, r, c), Old: ov})
			}
		}
	}
	return out
}

// maxDiffCells bounds the table a character diff may fill (runes × runes): beyond it a
// changed stretch is shown as deleted and inserted whole. A section of a thousand
// characters rewritten entirely stays under it.
const maxDiffCells = 1 << 21

// diffText diffs two texts by paragraph, then by character inside changed paragraphs.
// Unchanged paragraphs more than one away from a change are folded into a "…" part.
func diffText(a, b string) (parts []diffPart, changed bool) {
	if a == b {
		return nil, false
	}
	al, bl := splitLines(a), splitLines(b)
	ops := lcs(al, bl)
	var raw []diffPart
	add := func(op, text string) {
		if text == "" {
			return
		}
		if n := len(raw); n > 0 && raw[n-1].Op == op {
			raw[n-1].Text += text
			return
		}
		raw = append(raw, diffPart{Op: op, Text: text})
	}
	var dels, inss []string
	flush := func() {
		if len(dels) == 0 && len(inss) == 0 {
			return
		}
		da, ib := []rune(strings.Join(dels, "")), []rune(strings.Join(inss, ""))
		if len(da) > 0 && len(ib) > 0 && len(da)*len(ib) <= maxDiffCells {
			for _, p := range runeDiff(da, ib) {
				add(p.Op, p.Text)
			}
		} else {
			add("-", string(da))
			add("+", string(ib))
		}
		dels, inss = nil, nil
	}
	for _, o := range ops {
		switch o.op {
		case '=':
			flush()
			add("=", al[o.a])
		case '-':
			dels = append(dels, al[o.a])
		case '+':
			inss = append(inss, bl[o.b])
		}
	}
	flush()
	return foldUnchanged(cleanup(raw)), true
}

// hunk is a stretch of a diff: kept text, or a change (what was deleted and inserted).
type hunk struct {
	keep     bool
	text     string // keep
	del, ins string // change
}

// cleanup merges a short kept stretch between two changes into them. A character diff of
// Chinese matches stray characters (一, 的, 。) inside a rewritten sentence; shown as
// kept they chop the sentence into confetti. A kept stretch goes when it is no longer than
// what changed on either side of it (the rule of diff-match-patch's semantic cleanup).
func cleanup(parts []diffPart) []diffPart {
	var hs []hunk
	for _, p := range parts {
		n := len(hs)
		switch {
		case p.Op == "=" || p.Op == "…":
			hs = append(hs, hunk{keep: true, text: p.Text})
		case n > 0 && !hs[n-1].keep:
			if p.Op == "-" {
				hs[n-1].del += p.Text
			} else {
				hs[n-1].ins += p.Text
			}
		case p.Op == "-":
			hs = append(hs, hunk{del: p.Text})
		default:
			hs = append(hs, hunk{ins: p.Text})
		}
	}
	size := func(h hunk) int { return max(utf8.RuneCountInString(h.del), utf8.RuneCountInString(h.ins)) }
	for again := true; again; {
		again = false
		for i := 1; i+1 < len(hs); i++ {
			a, k, b := hs[i-1], hs[i], hs[i+1]
			if !k.keep || a.keep || b.keep {
				continue
			}
			if n := utf8.RuneCountInString(k.text); n <= size(a) && n <= size(b) {
				m := hunk{del: a.del + k.text + b.del, ins: a.ins + k.text + b.ins}
				hs = append(append(hs[:i-1], m), hs[i+2:]...)
				again = true
				break
			}
		}
	}
	var out []diffPart
	for _, h := range hs {
		if h.keep {
			out = append(out, diffPart{Op: "=", Text: h.text})
			continue
		}
		if h.del != "" {
			out = append(out, diffPart{Op: "-", Text: h.del})
		}
		if h.ins != "" {
			out = append(out, diffPart{Op: "+", Text: h.ins})
		}
	}
	return out
}

// foldUnchanged keeps one paragraph of context around each change and folds the rest of
// an unchanged run into "…".
func foldUnchanged(parts []diffPart) []diffPart {
	var out []diffPart
	for i, p := range parts {
		if p.Op != "=" {
			out = append(out, p)
			continue
		}
		lines := splitLines(p.Text)
		if len(lines) <= 2 {
			out = append(out, p)
			continue
		}
		first, last := i == 0, i == len(parts)-1
		var head, tail string
		if !first {
			head = lines[0]
			lines = lines[1:]
		}
		if !last {
			tail = lines[len(lines)-1]
			lines = lines[:len(lines)-1]
		}
		if head != "" {
			out = append(out, diffPart{Op: "=", Text: head})
		}
		if len(lines) > 0 {
			out = append(out, diffPart{Op: "…", Text: "（未改动的 " + strconv.Itoa(len(lines)) + " 段）\n"})
		}
		if tail != "" {
			out = append(out, diffPart{Op: "=", Text: tail})
		}
	}
	return out
}

// splitLines splits a text into lines that keep their line ends, so joining them gives
// the text back.
func splitLines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		out = append(out, l)
	}
	return out
}

type editOp struct {
	op   byte // '=', '-', '+'
	a, b int  // index into the old and the new sequence
}

// lcs is the edit script between a and b by longest common subsequence, deletions
// before insertions within a change. Common ends are trimmed first: most edits are small.
func lcs[T comparable](a, b []T) []editOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	ops := make([]editOp, 0, len(a)+len(b))
	for i := 0; i < pre; i++ {
		ops = append(ops, editOp{'=', i, i})
	}
	n, m := len(ma), len(mb)
	if (n+1)*(m+1) > maxDiffCells {
		// Too large to compare in bounded time and memory (the table is quadratic):
		// the middle is shown as deleted whole and inserted whole.
		for i := 0; i < n; i++ {
			ops = append(ops, editOp{'-', pre + i, -1})
		}
		for j := 0; j < m; j++ {
			ops = append(ops, editOp{'+', -1, pre + j})
		}
		for k := 0; k < suf; k++ {
			ops = append(ops, editOp{'=', pre + n + k, pre + m + k})
		}
		return ops
	}
	// table[i][j] is the LCS length of ma[i:] and mb[j:].
	w := m + 1
	table := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if ma[i] == mb[j] {
				table[i*w+j] = table[(i+1)*w+j+1] + 1
			} else {
				table[i*w+j] = max(table[(i+1)*w+j], table[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && ma[i] == mb[j]:
			ops = append(ops, editOp{'=', pre + i, pre + j})
			i++
			j++
		case j == m || (i < n && table[(i+1)*w+j] >= table[i*w+j+1]):
			ops = append(ops, editOp{'-', pre + i, -1})
			i++
		default:
			ops = append(ops, editOp{'+', -1, pre + j})
			j++
		}
	}
	for k := 0; k < suf; k++ {
		ops = append(ops, editOp{'=', len(a) - suf + k, len(b) - suf + k})
	}
	return ops
}

// runeDiff diffs two texts character by character into parts.
func runeDiff(a, b []rune) []diffPart {
	var out []diffPart
	var cur diffPart
	for _, o := range lcs(a, b) {
		op, r := string(o.op), rune(0)
		switch o.op {
		case '=', '-':
			r = a[o.a]
		default:
			r = b[o.b]
		}
		if op != cur.Op {
			if cur.Text != "" {
				out = append(out, cur)
			}
			cur = diffPart{Op: op}
		}
		cur.Text += string(r)
	}
	if cur.Text != "" {
		out = append(out, cur)
	}
	return out
}

// reviewDiff is what changed since the version submitted before this one, for the
// review page; nil for a first version or when the earlier one cannot be read (the page
// then says nothing about changes rather than failing).
func (s *Server) reviewDiff(r *http.Request, a *store.Approval, doc *report.Document) (*versionDiff, int) {
	if a.Version <= 1 {
		return nil, 0
	}
	prev, err := s.Store.GetVersion(r.Context(), a.Agency, a.Year, a.Version-1)
	if err != nil {
		s.log().WarnContext(r.Context(), "review: previous version", "approval", a.ID, "err", err)
		return nil, 0
	}
	old, err := report.DecodeBytes(prev.Document)
	if err != nil {
		s.log().WarnContext(r.Context(), "review: previous version", "approval", a.ID, "err", err)
		return nil, 0
	}
	d := diffDocuments(old, doc)
	d.From, d.To = a.Version-1, a.Version
	return d, a.Version - 1
}
