package supervise

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"nianbao/shared/report"
)

// Sheet is one table of the export: a header row and one row per unit.
type Sheet struct {
	Name   string
	Header []string
	Rows   [][]string
}

// ExportSheets are the export's tables: the units (id, name, kind, state, due,
// published URL, flags), then one per table 二, 三, 四 with a row per unit that has a
// published report of the year's format and a column per cell, labelled as the format
// labels them.
func ExportSheets(b *Board, pubs []Published) []Sheet {
	units := Sheet{Name: "单位", Header: []string{"单位代码", "单位名称", "类型", "状态", "逾期未报", "报送期限", "剩余天数", "当前审批级别", "发布地址", "错误数", "警告数", "质量提示"}}
	for _, r := range b.Units {
		var flags []string
		for _, f := range r.Flags {
			flags = append(flags, f.Message)
		}
		late := ""
		if r.Late {
			late = "是"
		}
		units.Rows = append(units.Rows, []string{r.Agency, r.Name, KindLabel(r.Kind), r.StateLabel, late, r.Due,
			fmt.Sprint(r.DaysLeft), r.Level, r.PublishedURL, fmt.Sprint(r.Errors), fmt.Sprint(r.Warnings), strings.Join(flags, "；")})
	}
	out := []Sheet{units}
	f := report.ForYear(b.Year)
	for _, t := range []*report.Table{f.Proactive, f.Requests, f.Appeals} {
		sh := Sheet{Name: "表" + t.Number, Header: []string{"单位代码", "单位名称"}}
		var paths []struct {
			r *report.Row
			c *report.Column
		}
		for _, r := range t.Rows {
			for _, c := range r.Columns {
				sh.Header = append(sh.Header, CellLabel(t, r, c))
				paths = append(paths, struct {
					r *report.Row
					c *report.Column
				}{r, c})
			}
		}
		for _, p := range pubs {
			if p.Doc.Format != f.ID {
				continue
			}
			row := []string{p.Unit.ID, p.Unit.Name}
			g := p.Doc.Grid(t.Key)
			for _, pc := range paths {
				row = append(row, g.At(pc.r, pc.c).String())
			}
			sh.Rows = append(sh.Rows, row)
		}
		out = append(out, sh)
	}
	return out
}

// KindLabel is a unit's kind in Chinese.
func KindLabel(kind string) string {
	switch kind {
	case "township":
		return "乡镇街道"
	case "government":
		return "本级政府"
	}
	return "部门"
}

// XLSX writes the sheets as one workbook. Numbers of the tables are written as numbers
// where they are integers, so that a spreadsheet adds them up.
func XLSX(sheets []Sheet) ([]byte, error) {
	x := excelize.NewFile()
	defer x.Close()
	for i, sh := range sheets {
		if i == 0 {
			if err := x.SetSheetName("Sheet1", sh.Name); err != nil {
				return nil, err
			}
		} else if _, err := x.NewSheet(sh.Name); err != nil {
			return nil, err
		}
		w, err := x.NewStreamWriter(sh.Name)
		if err != nil {
			return nil, err
		}
		if err := w.SetRow("A1", cells(sh.Header, false)); err != nil {
			return nil, err
		}
		for j, r := range sh.Rows {
			axis, _ := excelize.CoordinatesToCellName(1, j+2)
			if err := w.SetRow(axis, cells(r, i > 0)); err != nil {
				return nil, err
			}
		}
		if err := w.Flush(); err != nil {
			return nil, err
		}
	}
	var buf bytes.Buffer
	if err := x.Write(&buf); err != nil {
		return nil, fmt.Errorf("supervise: write xlsx: %w", err)
	}
	return buf.Bytes(), nil
}

func cells(ss []string, numbers bool) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
		if numbers && i >= 2 {
			if c, err := report.ParseCell(s); err == nil && !c.Blank() {
				if n, ok := c.Int(); ok {
					out[i] = n
				}
			}
		}
	}
	return out
}

// CSV writes the sheets as one CSV file: each sheet its name on a line of its own,
// then its header and rows, a blank line between sheets. A UTF-8 byte order mark
// first, so that Excel opens the Chinese as Chinese.
func CSV(sheets []Sheet) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	for i, sh := range sheets {
		if i > 0 {
			w.Write(nil)
		}
		w.Write([]string{sh.Name})
		w.Write(sh.Header)
		for _, r := range sh.Rows {
			w.Write(r)
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}
