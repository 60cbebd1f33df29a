package stacktest

import (
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"strings"
)

// decodeBody undoes a part's Content-Transfer-Encoding; the project sends
// UTF-8 only, so the charset needs no conversion.
func decodeBody(encoding string, body io.Reader) (string, error) {
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &stripNewlines{r: body})
	}
	b, err := io.ReadAll(body)
	return string(b), err
}

// stripNewlines drops the line breaks of a base64 body.
type stripNewlines struct{ r io.Reader }

func (s *stripNewlines) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	j := 0
	for _, c := range p[:n] {
		if c != '\r' && c != '\n' {
			p[j] = c
			j++
		}
	}
	return j, err
}
