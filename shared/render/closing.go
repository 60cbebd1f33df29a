package render

import (
	"strings"
	"time"

	"nianbao/shared/report"
)

// Closing is the 落款 printed at the end of a report: the agency's name, as printed in
// the title, and the date, right-aligned, with room above the date for the seal.
type Closing struct {
	Name string
	Date string
}

// BlankDate is the date of a 落款 not yet dated (a version still in review): the office
// writes it in by hand when it signs.
const BlankDate = "　　　　年　　月　　日"

// ClosingOf is the 落款 of a document dated at: the date of approval, or of publication
// once published; zero leaves the date blank. The document's signature {"name", "date"},
// when it has one, is printed instead.
func ClosingOf(doc *report.Document, at time.Time) Closing {
	c := Closing{Name: doc.Agency, Date: BlankDate}
	if !at.IsZero() {
		c.Date = Date(at)
	}
	// The document's own 落款, as the office printed it, wins over both.
	if n := strings.TrimSpace(doc.Signature.Name); n != "" {
		c.Name = n
	}
	if d := strings.TrimSpace(doc.Signature.Date); d != "" {
		c.Date = d
	}
	return c
}
