package report

import (
	"fmt"
	"strconv"
	"strings"
)

// Cell is one number of a table: blank (not filled in), or a number exactly as entered.
// Amounts keep their decimal text, so "75394432.52" is read, stored and published as
// written, never through a float.
type Cell struct {
	text string // the number as written; "" when blank
	n    int64  // its value, when isInt
	// isInt: the text is an integer that fits comfortably in arithmetic (|n| < 1e15).
	isInt bool
}

// maxCellDigits bounds the digits of a number: no count in a report comes near it, and
// sums of up to 25 such numbers cannot overflow an int64.
const maxCellDigits = 15

// maxCellText bounds the length of a number as written, decimals included.
const maxCellText = 40

// Int makes a cell holding n.
func Int(n int64) Cell {
	return Cell{text: strconv.FormatInt(n, 10), n: n, isInt: true}
}

// ParseCell reads a number written as plain decimal text: an optional minus sign, digits,
// and an optional fraction. Exponents, signs like "+", and leading zeros ("007") are
// refused, because they are not how a clerk writes a number and would not print as
// entered. The empty string is a blank cell.
func ParseCell(s string) (Cell, error) {
	if s == "" {
		return Cell{}, nil
	}
	if len(s) > maxCellText {
		return Cell{}, fmt.Errorf("数字过长（%d 个字符，最多 %d 个）", len(s), maxCellText)
	}
	i := 0
	if s[0] == '-' {
		i++
	}
	start := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	intDigits := i - start
	if intDigits == 0 {
		return Cell{}, fmt.Errorf("%q 不是数字", s)
	}
	if intDigits > 1 && s[start] == '0' {
		return Cell{}, fmt.Errorf("%q 不能以 0 开头", s)
	}
	if start == 1 && strings.Trim(s[1:], "0.") == "" {
		return Cell{}, fmt.Errorf("%q 是负零，请写 0", s)
	}
	if i == len(s) {
		if intDigits > maxCellDigits {
			// Kept as text so the validator can say which cell is too large.
			return Cell{text: s}, nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return Cell{}, fmt.Errorf("%q 不是数字", s)
		}
		return Cell{text: s, n: n, isInt: true}, nil
	}
	if s[i] != '.' {
		return Cell{}, fmt.Errorf("%q 不是普通的十进制数字（不接受指数、千分位或单位）", s)
	}
	i++
	fracStart := i
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == fracStart || i != len(s) {
		return Cell{}, fmt.Errorf("%q 不是普通的十进制数字（不接受指数、千分位或单位）", s)
	}
	return Cell{text: s}, nil
}

// Blank reports whether the cell was not filled in.
func (c Cell) Blank() bool { return c.text == "" }

// String is the number as written, or "" when blank.
func (c Cell) String() string { return c.text }

// Int is the cell's integer value; ok is false when the cell is blank, not an integer,
// or too large for arithmetic.
func (c Cell) Int() (n int64, ok bool) { return c.n, c.isInt }

// Negative reports whether the number is written with a minus sign (and is not zero).
func (c Cell) Negative() bool {
	if len(c.text) < 2 || c.text[0] != '-' {
		return false
	}
	for i := 1; i < len(c.text); i++ {
		if b := c.text[i]; b != '0' && b != '.' {
			return true
		}
	}
	return false
}

// IsInteger reports whether the number has no fraction (whatever its size).
func (c Cell) IsInteger() bool {
	if c.text == "" {
		return false
	}
	for i := 0; i < len(c.text); i++ {
		if c.text[i] == '.' {
			return false
		}
	}
	return true
}

// MarshalJSON writes the number exactly as entered; a blank cell is null.
func (c Cell) MarshalJSON() ([]byte, error) {
	if c.text == "" {
		return []byte("null"), nil
	}
	return []byte(c.text), nil
}

// Grid holds the numbers of one table of a report, for the rows and columns of its format.
type Grid struct {
	table *Table
	cells []Cell // row-major over table.Rows × table.Columns; cells a row lacks stay blank
}

// NewGrid makes an empty (all blank) grid for a table.
func NewGrid(t *Table) *Grid {
	return &Grid{table: t, cells: make([]Cell, len(t.Rows)*len(t.Columns))}
}

// Table is the table the grid is laid out for.
func (g *Grid) Table() *Table { return g.table }

// At is the cell at a row and column of the grid's table. A row or column of another
// layout of the same table (table 三 of gip-2021 with its legacy （六） row) is found by
// id; one the grid's table lacks reads as blank.
func (g *Grid) At(r *Row, c *Column) Cell {
	i, ok := g.index(r, c)
	if !ok {
		return Cell{}
	}
	return g.cells[i]
}

// SetAt puts a cell at a row and column of the grid's table; the row must have the column.
// A row or column the grid's table lacks is ignored.
func (g *Grid) SetAt(r *Row, c *Column, v Cell) {
	if i, ok := g.index(r, c); ok {
		g.cells[i] = v
	}
}

func (g *Grid) index(r *Row, c *Column) (int, bool) {
	t := g.table
	if r.table != t {
		if r = t.Row(r.ID); r == nil {
			return 0, false
		}
	}
	if c.index >= len(t.Columns) || t.Columns[c.index] != c {
		if c = t.Column(c.ID); c == nil {
			return 0, false
		}
	}
	return r.index*len(t.Columns) + c.index, true
}

// Get is the cell at row and column ids; unknown ids read as blank.
func (g *Grid) Get(row, col string) Cell {
	r, c := g.table.Row(row), g.table.Column(col)
	if r == nil || c == nil {
		return Cell{}
	}
	return g.At(r, c)
}

// Set puts a cell at row and column ids, refusing ids the row does not have.
func (g *Grid) Set(row, col string, v Cell) error {
	r := g.table.Row(row)
	if r == nil {
		return fmt.Errorf("表%s没有行 %q", g.table.Number, row)
	}
	c := g.table.Column(col)
	if c == nil || !r.Has(c) {
		return fmt.Errorf("表%s的「%s」行没有列 %q", g.table.Number, r.Label, col)
	}
	g.SetAt(r, c, v)
	return nil
}

// Blank reports whether every cell of the grid is blank.
func (g *Grid) Blank() bool {
	for _, c := range g.cells {
		if !c.Blank() {
			return false
		}
	}
	return true
}

// Clone copies the grid.
func (g *Grid) Clone() *Grid {
	return &Grid{table: g.table, cells: append([]Cell(nil), g.cells...)}
}
