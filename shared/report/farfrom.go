package report

import (
	"math/big"
)

// cell.far_from_last_year (RuleFarFromLastYear) questions a number of tables 二, 三 or
// 四 far from last year's published value of the same cell: a slip of the keyboard (1200
// for 120) or a number typed into the wrong row. Never an error: a year can differ.

// Both must hold for the warning: a factor and a difference, so that 1 against 12 (a
// small office's normal year) is not questioned.
const (
	farFactor = 10
	farDiff   = 50
)

// farFromLastYear compares each cell a clerk types (not the 总计 computed from them,
// which would only repeat it) with the same cell of last year's report. Blank cells on
// either side are skipped; amounts are compared in this year's unit (units).
func (v *validator) farFromLastYear(g *Grid) {
	if v.prev == nil {
		return
	}
	t := g.table
	var pg *Grid
	switch t {
	case v.spec.Proactive:
		pg = v.prev.Proactive
	case v.spec.Requests:
		pg = v.prev.Requests
	case v.spec.Appeals:
		pg = v.prev.Appeals
	}
	if pg == nil {
		return
	}
	pt := pg.table
	for _, r := range t.Rows {
		if t.roles != nil && r == t.roles.total {
			continue
		}
		for _, c := range r.Columns {
			if c.Kind == SignedCount || (t.roles != nil && c == t.roles.totalCol) || c == v.spec.AppealsTotalCol {
				continue
			}
			pr, pc := pt.Row(r.ID), pt.Column(c.ID)
			if pr == nil || pc == nil || !pr.Has(pc) || pc.Kind != c.Kind {
				continue
			}
			now, last := g.At(r, c), pg.At(pr, pc)
			if now.Blank() || last.Blank() || zero(now) || zero(last) {
				continue // a new report starts with 0 in every cell: 0 says nothing yet
			}
			a, b, ok := v.sameUnit(now, last, t, r, c, pt, pr, pc)
			if !ok || !far(a, b) {
				continue
			}
			nowText, lastText := now.String(), last.String()
			if c.Kind == Amount {
				nowText, lastText = amountText(now, v.doc, t, r, c), amountText(last, v.prev, pt, pr, pc)
			}
			v.add(RuleFarFromLastYear, SeverityWarning, cellPath(t, r, c), lastText, nowText,
				"%s为 %s，上年为 %s，相差 10 倍以上；请核对是否多打或少打了数字、填错了行。",
				cellName(t, r, c), nowText, lastText)
		}
	}
}

// sameUnit reads two cells as numbers in this year's unit: counts as they are, amounts
// converted by their units. ok is false when a number cannot be read, or when the two
// amounts differ by the factor crossyear.unit speaks of (元 against 万元).
func (v *validator) sameUnit(now, last Cell, t *Table, r *Row, c *Column, pt *Table, pr *Row, pc *Column) (a, b *big.Rat, ok bool) {
	if c.Kind != Amount {
		n, ok1 := now.Int()
		l, ok2 := last.Int()
		if !ok1 || !ok2 {
			return nil, nil, false
		}
		return new(big.Rat).SetInt64(n), new(big.Rat).SetInt64(l), true
	}
	unit := v.doc.UnitOf(t, r, c)
	ny, ok1 := inYuan(now, unit)
	ly, ok2 := inYuan(last, v.prev.UnitOf(pt, pr, pc))
	if !ok1 || !ok2 || UnitYuan(unit) == 0 {
		return nil, nil, false
	}
	if ny.Sign() > 0 && ly.Sign() > 0 {
		ratio := new(big.Rat).Quo(ny, ly)
		if ratio.Cmp(big.NewRat(1, 1000)) <= 0 || ratio.Cmp(big.NewRat(1000, 1)) >= 0 {
			return nil, nil, false // crossyear.unit says it
		}
	}
	per := new(big.Rat).SetInt64(UnitYuan(unit))
	return new(big.Rat).Quo(ny, per), new(big.Rat).Quo(ly, per), true
}

func zero(c Cell) bool {
	n, ok := new(big.Rat).SetString(c.String())
	return ok && n.Sign() == 0
}

// far: the larger is more than farFactor times the smaller, and more than farDiff above it.
func far(a, b *big.Rat) bool {
	hi, lo := a, b
	if hi.Cmp(lo) < 0 {
		hi, lo = lo, hi
	}
	diff := new(big.Rat).Sub(hi, lo)
	if diff.Cmp(big.NewRat(farDiff, 1)) <= 0 {
		return false
	}
	return new(big.Rat).Mul(lo, big.NewRat(farFactor, 1)).Cmp(hi) < 0
}
