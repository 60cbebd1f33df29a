package render

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"
	_ "time/tzdata" // 北京时间 on hosts without zone files (Lambda)

	"nianbao/shared/report"
)

// beijing is 北京时间. The embedded tzdata makes the lookup succeed everywhere; the fixed
// zone is only a guard against a broken build.
var beijing = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// Beijing is the time zone every date of a published report is printed in.
func Beijing() *time.Location { return beijing }

// Correction is an earlier version of a report that a later one replaced, with the reason
// given for the replacement. A published report is never edited silently: each
// replacement adds one of these to the meta of every later version.
type Correction struct {
	Version     int       `json:"version"`      // the version replaced
	PublishedAt time.Time `json:"published_at"` // when that version was published
	Reason      string    `json:"reason"`       // why it was replaced, as the approver gave it
}

// Meta is the publication metadata of one version of a report, published beside it as
// meta.json. It never goes inside report.json, so a published report reads back as a
// plain report document.
type Meta struct {
	PublishedAt time.Time    `json:"published_at"`
	Version     int          `json:"version"`
	SHA256      string       `json:"sha256"` // of the report.json bytes, lowercase hex
	Corrections []Correction `json:"corrections"`
}

// ReportJSON is the report.json of a document: exactly the report document
// (docs/report-document.md), indented, UTF-8, with <, > and & written as themselves so
// that what a reader downloads reads as the text that was entered.
func ReportJSON(doc *report.Document) ([]byte, error) {
	raw, err := doc.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("encode report document: %w", err)
	}
	var out bytes.Buffer
	out.Grow(len(raw) * 2)
	if err := json.Indent(&out, unescapeHTML(raw), "", "  "); err != nil {
		return nil, fmt.Errorf("indent report document: %w", err)
	}
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// unescapeHTML undoes encoding/json's \u003c, \u003e and \u0026 inside strings (the
// document's MarshalJSON uses json.Marshal, which always escapes them). Other escapes,
// and an escaped backslash followed by "u003c" as text, are left alone.
func unescapeHTML(b []byte) []byte {
	if !bytes.Contains(b, []byte(`\u00`)) {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			out = append(out, b[i])
			continue
		}
		if b[i+1] == 'u' && i+5 < len(b) {
			switch string(b[i+2 : i+6]) {
			case "003c":
				out = append(out, '<')
				i += 5
				continue
			case "003e":
				out = append(out, '>')
				i += 5
				continue
			case "0026":
				out = append(out, '&')
				i += 5
				continue
			}
		}
		out = append(out, b[i], b[i+1])
		i++
	}
	return out
}

// NewMeta builds the meta of a version from its report.json bytes. Times are kept in
// 北京时间 so meta.json reads the same as the page.
func NewMeta(reportJSON []byte, version int, publishedAt time.Time, corrections []Correction) Meta {
	sum := sha256.Sum256(reportJSON)
	cs := make([]Correction, len(corrections)) // never null in JSON
	for i, c := range corrections {
		c.PublishedAt = c.PublishedAt.In(beijing)
		cs[i] = c
	}
	return Meta{
		PublishedAt: publishedAt.In(beijing),
		Version:     version,
		SHA256:      hex.EncodeToString(sum[:]),
		Corrections: cs,
	}
}

// JSON is the meta.json of a version: indented, UTF-8, no HTML escaping.
func (m Meta) JSON() ([]byte, error) {
	if m.Corrections == nil {
		m.Corrections = []Correction{}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode meta: %w", err)
	}
	return b.Bytes(), nil
}

// Verify reports whether reportJSON is the report this meta was made for.
func (m Meta) Verify(reportJSON []byte) bool {
	sum := sha256.Sum256(reportJSON)
	return hex.EncodeToString(sum[:]) == m.SHA256
}

// Date prints a day the way Chinese official documents do: 2026年1月20日 (北京时间).
func Date(t time.Time) string {
	t = t.In(beijing)
	buf := make([]byte, 0, 24)
	buf = strconv.AppendInt(buf, int64(t.Year()), 10)
	buf = append(buf, "年"...)
	buf = strconv.AppendInt(buf, int64(t.Month()), 10)
	buf = append(buf, "月"...)
	buf = strconv.AppendInt(buf, int64(t.Day()), 10)
	buf = append(buf, "日"...)
	return string(buf)
}

// DateTime is Date with the time of day: 2026年1月20日 09:30 (北京时间).
func DateTime(t time.Time) string {
	t = t.In(beijing)
	return Date(t) + t.Format(" 15:04")
}

// machineTime is the datetime attribute of a <time> element, in 北京时间.
func machineTime(t time.Time) string { return t.In(beijing).Format(time.RFC3339) }
