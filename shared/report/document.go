package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxDocumentSize is the largest report document accepted. A full report with long texts
// is well under 100 KiB; anything near a mebibyte is a mistake or an attack.
const MaxDocumentSize = 1 << 20

// Document is a report in the interchange format of docs/report-document.md.
type Document struct {
	Format string
	Agency string
	Year   int
	// Title is the title as the office printed it, when it differs from the standard
	// 「{agency}{year}年度政府信息公开工作年度报告」 (DefaultTitle); "" for the standard one.
	Title    string
	Sections Sections
	// The tables, laid out for the document's format; nil only when the format is unknown.
	Proactive *Grid
	Requests  *Grid
	Appeals   *Grid
	Notes     Notes
	// Printed is the text printed in a number cell instead of the bare number, by cell
	// path ("proactive.penalty.prev_count" → "13宗共113200元"). The number stays the value
	// the rules check.
	Printed map[string]string
	// Units is the unit of an amount cell by cell path ("proactive.procurement.amount" →
	// "万元"); a cell not listed is in its column's Unit.
	Units map[string]string
	// Signature is the 落款 printed after section 六; zero when none.
	Signature Signature
}

// Signature is the 落款: the agency's name and the date as printed.
type Signature struct {
	Name string `json:"name,omitempty"`
	Date string `json:"date,omitempty"`
}

// DefaultTitle is the report's title as the templates print it:
// 「{agency}{year}年度政府信息公开工作年度报告」.
func DefaultTitle(agency string, year int) string {
	return agency + strconv.Itoa(year) + "年度政府信息公开工作年度报告"
}

// PrintedTitle is the title to print: Title, or the standard one.
func (d *Document) PrintedTitle() string {
	if t := strings.TrimSpace(d.Title); t != "" {
		return t
	}
	return DefaultTitle(d.Agency, d.Year)
}

// Paragraphs splits a text into the paragraphs its author typed, one per line; blank
// lines and the full-width spaces clerks indent with are dropped (a page or a copy
// indents them itself). Every renderer prints sections, the 编制说明 and notes this way.
func Paragraphs(s string) []string {
	if s == "" {
		return nil
	}
	var ps []string
	for line := range strings.Lines(s) {
		if p := strings.TrimSpace(line); p != "" {
			ps = append(ps, p)
		}
	}
	return ps
}

// SignatureLines are the lines of the 落款 to print, right-aligned under section 六.
func (d *Document) SignatureLines() []string {
	var out []string
	for _, s := range []string{d.Signature.Name, d.Signature.Date} {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// CellText is what a cell prints: its printed text when it has one, else its number as
// entered (blank: "").
func (d *Document) CellText(g *Grid, r *Row, c *Column) string {
	if t, ok := d.Printed[g.table.Key+"."+r.ID+"."+c.ID]; ok && t != "" {
		return t
	}
	return g.At(r, c).String()
}

// UnitOf is the unit of an amount cell: the document's, else its column's ("" for a
// column that is not an amount).
func (d *Document) UnitOf(t *Table, r *Row, c *Column) string {
	if u, ok := d.Units[t.Key+"."+r.ID+"."+c.ID]; ok && u != "" {
		return u
	}
	return c.Unit
}

// ColumnHeading is a column's label as this document prints it: with the unit when the
// document states one the label does not print (采购总金额（单位：万元）).
func (d *Document) ColumnHeading(t *Table, c *Column) string {
	if c.Kind != Amount || c.UnitInLabel {
		return c.Label
	}
	for _, r := range t.Rows {
		if !r.Has(c) {
			continue
		}
		if u, ok := d.Units[t.Key+"."+r.ID+"."+c.ID]; ok && u != "" {
			return c.Label + "（单位：" + u + "）"
		}
	}
	return c.Label
}

// Sections holds the text sections 一, 五 and 六.
type Sections struct {
	// Preamble is the 编制说明 printed before 一、总体情况 (编制依据, 统计期限, where to
	// ask); optional.
	Preamble string `json:"preamble,omitempty"`
	Overview string `json:"overview"`
	Problems string `json:"problems"`
	Other    string `json:"other"`
}

// Notes holds the optional notes printed under each table.
type Notes struct {
	Proactive string `json:"proactive,omitempty"`
	Requests  string `json:"requests,omitempty"`
	Appeals   string `json:"appeals,omitempty"`
}

// New makes an empty document (every cell blank) in a format.
func New(f *Format, agency string, year int) *Document {
	return &Document{
		Format: f.ID, Agency: agency, Year: year,
		Proactive: NewGrid(f.Proactive),
		Requests:  NewGrid(f.Requests),
		Appeals:   NewGrid(f.Appeals),
	}
}

// Spec is the document's format, or nil when its format id is unknown.
func (d *Document) Spec() *Format {
	f, _ := Lookup(d.Format)
	return f
}

// Grid is the document's grid for a table key ("proactive", "requests", "appeals").
func (d *Document) Grid(key string) *Grid {
	switch key {
	case "proactive":
		return d.Proactive
	case "requests":
		return d.Requests
	case "appeals":
		return d.Appeals
	}
	return nil
}

// Note is the note under a table, by table key.
func (d *Document) Note(key string) string {
	switch key {
	case "proactive":
		return d.Notes.Proactive
	case "requests":
		return d.Notes.Requests
	case "appeals":
		return d.Notes.Appeals
	}
	return ""
}

// Text is a text section by its field ("overview", "problems", "other").
func (d *Document) Text(field string) string {
	switch field {
	case "overview":
		return d.Sections.Overview
	case "problems":
		return d.Sections.Problems
	case "other":
		return d.Sections.Other
	case "preamble":
		return d.Sections.Preamble
	}
	return ""
}

// Clone copies the document deeply.
func (d *Document) Clone() *Document {
	c := *d
	for _, g := range []**Grid{&c.Proactive, &c.Requests, &c.Appeals} {
		if *g != nil {
			*g = (*g).Clone()
		}
	}
	c.Printed = maps.Clone(d.Printed)
	c.Units = maps.Clone(d.Units)
	return &c
}

// DecodeError says why bytes are not a report document: where (a JSON path such as
// "requests.new.natural_person", and the line and column when known) and what.
type DecodeError struct {
	Path   string
	Line   int
	Column int
	Msg    string
}

func (e *DecodeError) Error() string {
	var b bytes.Buffer
	if e.Path != "" {
		b.WriteString(e.Path)
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "（第 %d 行第 %d 列）", e.Line, e.Column)
	}
	if b.Len() > 0 {
		b.WriteString("：")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// ErrTooLarge is matched (errors.Is) by the error for input over MaxDocumentSize.
var ErrTooLarge = errors.New("report document too large")

type tooLargeError struct{ DecodeError }

func (e *tooLargeError) Is(target error) bool { return target == ErrTooLarge }
func (e *tooLargeError) Unwrap() error        { return &e.DecodeError }

// Decode reads one report document, strictly: malformed JSON, unknown fields, row or
// column ids, numbers that are not plain decimals, and input over MaxDocumentSize are
// errors (a *DecodeError, or one matching ErrTooLarge).
func Decode(r io.Reader) (*Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxDocumentSize+1))
	if err != nil {
		return nil, fmt.Errorf("read report document: %w", err)
	}
	return DecodeBytes(data)
}

// DecodeBytes is Decode on bytes already read.
func DecodeBytes(data []byte) (*Document, error) {
	if len(data) > MaxDocumentSize {
		return nil, &tooLargeError{DecodeError{Msg: fmt.Sprintf("报告文件超过 %d KiB 的上限", MaxDocumentSize>>10)}}
	}
	d := &decoder{data: data}
	doc, err := d.document()
	if err != nil {
		return nil, err
	}
	return doc, nil
}

// UnmarshalJSON decodes strictly, as DecodeBytes does, so a document inside another JSON
// body (an API request) gets the same checks.
func (d *Document) UnmarshalJSON(data []byte) error {
	doc, err := DecodeBytes(data)
	if err != nil {
		return err
	}
	*d = *doc
	return nil
}

type decoder struct {
	data   []byte
	format string
}

// errAt builds an error for a value starting at byte offset off of the input.
func (d *decoder) errAt(path string, off int, format string, args ...any) error {
	line, col := position(d.data, off)
	return &DecodeError{Path: path, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// position turns a byte offset into a 1-based line and a column counted in characters.
func position(data []byte, off int) (line, col int) {
	off = max(off, 0)
	if off > len(data) {
		off = len(data)
	}
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	start := bytes.LastIndexByte(data[:off], '\n') + 1
	col = 1 + len([]rune(string(data[start:off])))
	return line, col
}

type field struct {
	key string
	val json.RawMessage
	off int // offset of the value in the whole input
}

// object reads the members of the JSON object at data[off:off+len(raw)], in order.
// null reads as an empty object.
func (d *decoder) object(path string, raw json.RawMessage, off int) ([]field, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, d.errAt(path, off, "应为 JSON 对象（{…}），实为 %s", describe(raw))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, d.syntax(err, off)
	}
	var fields []field
	seen := map[string]bool{}
	for dec.More() {
		keyOff := off + int(dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return nil, d.syntax(err, off)
		}
		key, _ := tok.(string)
		if seen[key] {
			return nil, d.errAt(join(path, key), keyOff, "字段重复")
		}
		seen[key] = true
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, d.syntax(err, off)
		}
		// InputOffset is just past the value; the raw value's own length locates its start.
		valOff := off + int(dec.InputOffset()) - len(val)
		fields = append(fields, field{key: key, val: val, off: valOff})
	}
	return fields, nil
}

func (d *decoder) syntax(err error, base int) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(d.data, base+int(se.Offset)-1)
		return &DecodeError{Line: line, Column: col, Msg: "JSON 格式错误：" + se.Error()}
	}
	return &DecodeError{Msg: "JSON 格式错误：" + err.Error()}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// describe names the JSON type of a raw value for an error message.
func describe(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "空"
	}
	switch raw[0] {
	case '{':
		return "对象"
	case '[':
		return "数组"
	case '"':
		return "字符串 " + string(raw)
	case 't', 'f':
		return "布尔值 " + string(raw)
	case 'n':
		return "null"
	}
	return "数字 " + string(raw)
}

func (d *decoder) document() (*Document, error) {
	trimmed := bytes.TrimSpace(d.data)
	if len(trimmed) == 0 {
		return nil, &DecodeError{Msg: "报告文件是空的"}
	}
	if !json.Valid(d.data) {
		// Unmarshal finds the offset of the first syntax error for us.
		var v any
		err := json.Unmarshal(d.data, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the offending byte itself.
			line, col := position(d.data, int(se.Offset)-1)
			return nil, &DecodeError{Line: line, Column: col, Msg: "JSON 格式错误：" + se.Error()}
		}
		return nil, &DecodeError{Msg: "JSON 格式错误"}
	}
	start := len(d.data) - len(bytes.TrimLeft(d.data, " \t\r\n"))
	fields, err := d.object("", json.RawMessage(trimmed), start)
	if err != nil {
		return nil, err
	}

	doc := &Document{}
	byKey := map[string]field{}
	for _, f := range fields {
		switch f.key {
		case "format", "agency", "year", "title", "sections", "proactive", "requests", "appeals", "notes",
			"printed", "units", "signature":
			byKey[f.key] = f
		default:
			return nil, d.errAt(f.key, f.off, "未知字段 %q（报告文件只有 format、agency、year、title、sections、proactive、requests、appeals、notes、printed、units、signature）", f.key)
		}
	}

	if f, ok := byKey["format"]; ok {
		if err := d.str(f, &doc.Format); err != nil {
			return nil, err
		}
	}
	spec, known := Lookup(doc.Format)
	d.format = doc.Format
	if !known {
		f := byKey["format"]
		if doc.Format == "" {
			return nil, d.errAt("format", f.off, "缺少报告格式：format 应为 %s", formatList())
		}
		return nil, d.errAt("format", f.off, "未知的报告格式 %q：format 应为 %s", doc.Format, formatList())
	}
	if f, ok := byKey["agency"]; ok {
		if err := d.str(f, &doc.Agency); err != nil {
			return nil, err
		}
	}
	if f, ok := byKey["year"]; ok && string(f.val) != "null" {
		y, err := strconv.Atoi(string(f.val))
		if err != nil {
			return nil, d.errAt("year", f.off, "年度应为整数，实为 %s", describe(f.val))
		}
		doc.Year = y
	}
	if f, ok := byKey["title"]; ok {
		if err := d.str(f, &doc.Title); err != nil {
			return nil, err
		}
	}
	if f, ok := byKey["signature"]; ok {
		if err := d.texts(f, map[string]*string{
			"name": &doc.Signature.Name,
			"date": &doc.Signature.Date,
		}); err != nil {
			return nil, err
		}
	}
	if f, ok := byKey["sections"]; ok {
		if err := d.texts(f, map[string]*string{
			"preamble": &doc.Sections.Preamble,
			"overview": &doc.Sections.Overview,
			"problems": &doc.Sections.Problems,
			"other":    &doc.Sections.Other,
		}); err != nil {
			return nil, err
		}
	}
	if f, ok := byKey["notes"]; ok {
		if err := d.texts(f, map[string]*string{
			"proactive": &doc.Notes.Proactive,
			"requests":  &doc.Notes.Requests,
			"appeals":   &doc.Notes.Appeals,
		}); err != nil {
			return nil, err
		}
	}
	for _, t := range spec.Tables() {
		f, ok := byKey[t.Key]
		if ok && t == spec.Requests && spec.LegacyRequests != nil {
			legacy, err := d.legacyLayout(f, spec)
			if err != nil {
				return nil, err
			}
			if legacy {
				t = spec.LegacyRequests
			}
		}
		g := NewGrid(t)
		if ok {
			if err := d.grid(f, g); err != nil {
				return nil, err
			}
		}
		switch t.Key {
		case "proactive":
			doc.Proactive = g
		case "requests":
			doc.Requests = g
		case "appeals":
			doc.Appeals = g
		}
	}
	for _, k := range []struct {
		key string
		dst *map[string]string
	}{{"printed", &doc.Printed}, {"units", &doc.Units}} {
		if f, ok := byKey[k.key]; ok {
			m, err := d.cellTexts(f, doc)
			if err != nil {
				return nil, err
			}
			*k.dst = m
		}
	}
	return doc, nil
}

// legacyLayout reports whether a gip-2021 table 三 is written in the 2019 layout of
// （六）其他处理 (one row, "other"), and refuses a table that mixes both layouts.
func (d *decoder) legacyLayout(parent field, spec *Format) (bool, error) {
	rows, err := d.object(parent.key, parent.val, parent.off)
	if err != nil {
		return false, err
	}
	var legacy, sub *field
	for i := range rows {
		switch {
		case rows[i].key == "other":
			legacy = &rows[i]
		case spec.Requests.Row(rows[i].key) != nil && spec.LegacyRequests.Row(rows[i].key) == nil:
			sub = &rows[i]
		}
	}
	if legacy != nil && sub != nil {
		return false, d.errAt(join(parent.key, sub.key), sub.off,
			"表三（六）其他处理已按一行填写（other），不能再分项填写 %q；请只用一种写法", sub.key)
	}
	return legacy != nil, nil
}

// maxPrintedText bounds the text printed in one cell.
const maxPrintedText = 100

// cellTexts reads "printed" or "units": cell path → text, for cells of the document's
// own tables. units only for amount cells, and only 元 or 万元.
func (d *decoder) cellTexts(parent field, doc *Document) (map[string]string, error) {
	fields, err := d.object(parent.key, parent.val, parent.off)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, f := range fields {
		path := join(parent.key, f.key)
		parts := strings.Split(f.key, ".")
		var g *Grid
		if len(parts) == 3 {
			g = doc.Grid(parts[0])
		}
		if g == nil {
			return nil, d.errAt(path, f.off, "%q 不是单元格路径（应为 表.行.列，如 proactive.penalty.decisions）", f.key)
		}
		t := g.table
		r, c := t.Row(parts[1]), t.Column(parts[2])
		if r == nil || c == nil || !r.Has(c) {
			return nil, d.errAt(path, f.off, "表%s没有单元格 %q（%s 格式的行和列见 docs/report-document.md）", t.Number, f.key, d.format)
		}
		if string(f.val) == "null" {
			continue
		}
		var text string
		if err := json.Unmarshal(f.val, &text); err != nil {
			return nil, d.errAt(path, f.off, "应为文字（字符串），实为 %s", describe(f.val))
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		if parent.key == "printed" {
			if n := utf8.RuneCountInString(text); n > maxPrintedText {
				return nil, d.errAt(path, f.off, "%s的文字过长（%d 个字，最多 %d 个）", cellName(t, r, c), n, maxPrintedText)
			}
		} else {
			switch {
			case c.Kind != Amount:
				return nil, d.errAt(path, f.off, "%s不是金额，不能注明单位", cellName(t, r, c))
			case UnitYuan(text) == 0:
				return nil, d.errAt(path, f.off, "单位 %q 不可用，应为 元 或 万元", text)
			case c.UnitInLabel && text != c.Unit:
				return nil, d.errAt(path, f.off, "%s的单位已印在表头（%s），不能改为 %s", cellName(t, r, c), c.Unit, text)
			}
		}
		out[f.key] = text
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func formatList() string {
	s := ""
	for i, f := range formatOrder {
		if i > 0 {
			s += " 或 "
		}
		s += fmt.Sprintf("%s（%s）", f.ID, f.Document)
	}
	return s
}

func (d *decoder) str(f field, dst *string) error {
	if string(f.val) == "null" {
		return nil
	}
	if err := json.Unmarshal(f.val, dst); err != nil {
		return d.errAt(f.key, f.off, "应为文字（字符串），实为 %s", describe(f.val))
	}
	return nil
}

func (d *decoder) texts(parent field, dst map[string]*string) error {
	fields, err := d.object(parent.key, parent.val, parent.off)
	if err != nil {
		return err
	}
	for _, f := range fields {
		p, ok := dst[f.key]
		path := join(parent.key, f.key)
		if !ok {
			return d.errAt(path, f.off, "未知字段 %q", f.key)
		}
		if string(f.val) == "null" {
			continue
		}
		if err := json.Unmarshal(f.val, p); err != nil {
			return d.errAt(path, f.off, "应为文字（字符串），实为 %s", describe(f.val))
		}
	}
	return nil
}

func (d *decoder) grid(parent field, g *Grid) error {
	t := g.table
	rows, err := d.object(parent.key, parent.val, parent.off)
	if err != nil {
		return err
	}
	for _, rf := range rows {
		rowPath := join(parent.key, rf.key)
		r := t.Row(rf.key)
		if r == nil {
			return d.errAt(rowPath, rf.off, "表%s没有行 %q（%s 格式的行见 docs/report-document.md）", t.Number, rf.key, d.format)
		}
		cols, err := d.object(rowPath, rf.val, rf.off)
		if err != nil {
			return err
		}
		for _, cf := range cols {
			cellPath := join(rowPath, cf.key)
			c := t.Column(cf.key)
			if c == nil || !r.Has(c) {
				return d.errAt(cellPath, cf.off, "表%s「%s」行没有列 %q（可用的列：%s）", t.Number, r.FullLabel(), cf.key, columnIDs(r))
			}
			raw := string(cf.val)
			if raw == "null" {
				continue
			}
			if raw[0] == '"' || raw[0] == '{' || raw[0] == '[' || raw[0] == 't' || raw[0] == 'f' {
				return d.errAt(cellPath, cf.off, "应为数字或 null，实为 %s", describe(cf.val))
			}
			cell, err := ParseCell(raw)
			if err != nil {
				return d.errAt(cellPath, cf.off, "%s", err.Error())
			}
			g.SetAt(r, c, cell)
		}
	}
	return nil
}

func columnIDs(r *Row) string {
	s := ""
	for i, c := range r.Columns {
		if i > 0 {
			s += "、"
		}
		s += c.ID
	}
	return s
}

// MarshalJSON writes the document in the interchange format: rows and columns in printed
// order, numbers exactly as entered, blank cells left out.
func (d *Document) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(`{"format":`)
	writeString(&b, d.Format)
	b.WriteString(`,"agency":`)
	writeString(&b, d.Agency)
	b.WriteString(`,"year":`)
	b.WriteString(strconv.Itoa(d.Year))
	if d.Title != "" {
		b.WriteString(`,"title":`)
		writeString(&b, d.Title)
	}
	b.WriteString(`,"sections":`)
	sec, err := json.Marshal(d.Sections)
	if err != nil {
		return nil, err
	}
	b.Write(sec)
	for _, g := range []struct {
		key  string
		grid *Grid
	}{{"proactive", d.Proactive}, {"requests", d.Requests}, {"appeals", d.Appeals}} {
		b.WriteString(`,"` + g.key + `":{`)
		if g.grid != nil {
			writeGrid(&b, g.grid)
		}
		b.WriteByte('}')
	}
	b.WriteString(`,"notes":`)
	notes, err := json.Marshal(d.Notes)
	if err != nil {
		return nil, err
	}
	b.Write(notes)
	for _, k := range []struct {
		key string
		m   map[string]string
	}{{"printed", d.Printed}, {"units", d.Units}} {
		if len(k.m) > 0 {
			b.WriteString(`,"` + k.key + `":{`)
			d.writeCellTexts(&b, k.m)
			b.WriteByte('}')
		}
	}
	if d.Signature != (Signature{}) {
		b.WriteString(`,"signature":`)
		sig, err := json.Marshal(d.Signature)
		if err != nil {
			return nil, err
		}
		b.Write(sig)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// writeCellTexts writes a cell path → text map in printed order of the cells; paths that
// name no cell of the document (possible only when built in code) are left out.
func (d *Document) writeCellTexts(b *bytes.Buffer, m map[string]string) {
	first := true
	for _, g := range []*Grid{d.Proactive, d.Requests, d.Appeals} {
		if g == nil {
			continue
		}
		for _, r := range g.table.Rows {
			for _, c := range r.Columns {
				p := g.table.Key + "." + r.ID + "." + c.ID
				text, ok := m[p]
				if !ok || text == "" {
					continue
				}
				if !first {
					b.WriteByte(',')
				}
				first = false
				writeString(b, p)
				b.WriteByte(':')
				writeString(b, text)
			}
		}
	}
}

func writeGrid(b *bytes.Buffer, g *Grid) {
	firstRow := true
	for _, r := range g.table.Rows {
		firstCol := true
		for _, c := range r.Columns {
			v := g.At(r, c)
			if v.Blank() {
				continue
			}
			if firstCol {
				if !firstRow {
					b.WriteByte(',')
				}
				firstRow = false
				writeString(b, r.ID)
				b.WriteString(":{")
			} else {
				b.WriteByte(',')
			}
			firstCol = false
			writeString(b, c.ID)
			b.WriteByte(':')
			b.WriteString(v.text)
		}
		if !firstCol {
			b.WriteByte('}')
		}
	}
}

func writeString(b *bytes.Buffer, s string) {
	out, _ := json.Marshal(s) // a Go string always marshals
	b.Write(out)
}

// Standard is the document with table 三 in its format's own layout: a gip-2021 table
// laid out with the 2019 layout's one （六）其他处理 row has that row moved to 「3.其他」
// (the sums are unchanged), with its printed texts. The drafting form offers only the
// format's layout. A document already in it is returned as is.
func (d *Document) Standard() *Document {
	f := d.Spec()
	if f == nil || f.LegacyRequests == nil || d.Requests == nil || d.Requests.table != f.LegacyRequests {
		return d
	}
	c := d.Clone()
	old, g := d.Requests, NewGrid(f.Requests)
	misc := f.Requests.Row("other_misc")
	for _, r := range f.LegacyRequests.Rows {
		to := f.Requests.Row(r.ID)
		if r.ID == "other" {
			to = misc
		}
		for _, col := range r.Columns {
			g.SetAt(to, col, old.At(r, col))
			p := "requests." + r.ID + "." + col.ID
			if text, ok := c.Printed[p]; ok && to != f.Requests.Row(r.ID) {
				delete(c.Printed, p)
				c.Printed["requests."+to.ID+"."+col.ID] = text
			}
		}
	}
	c.Requests = g
	return c
}
