package web

import (
	"errors"

	"io"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"nianbao/shared/lifecycle"
)

// Strict input: a body is read whole (within its limit) and refused, not repaired, when
// it is not UTF-8. Go's decoders would store an invalid byte, an overlong form or an
// escaped lone surrogate as U+FFFD without a word, and the clerk's text would change.

var errNotUTF8 = errors.New("not UTF-8")

// encodingProblem says what is wrong with a JSON body's encoding, or "": bytes that are
// not UTF-8 (utf8.Valid also refuses overlong forms and encoded surrogates), or a \u
// escape of a surrogate that is not half of a pair.
func encodingProblem(b []byte) string {
	if !utf8.Valid(b) {
		return "请求体不是有效的 UTF-8 编码（可能含有乱码或其他编码的文字），未作任何修改。请以 UTF-8 重新提交。"
	}
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' || i+1 >= len(b) {
			continue
		}
		i++ // the escaped character
		if b[i] != 'u' {
			continue
		}
		r, ok := hex4(b, i+1)
		if !ok {
			continue // the decoder says what is wrong
		}
		switch {
		case r >= 0xD800 && r <= 0xDBFF:
			if i+10 < len(b) && b[i+5] == '\\' && b[i+6] == 'u' {
				if lo, ok := hex4(b, i+7); ok && lo >= 0xDC00 && lo <= 0xDFFF {
					i += 10
					continue
				}
			}
			return "请求体含有不成对的 Unicode 代理项（\\u" + string(b[i+1:i+5]) + "），不是有效的文字，未作任何修改。"
		case r >= 0xDC00 && r <= 0xDFFF:
			return "请求体含有不成对的 Unicode 代理项（\\u" + string(b[i+1:i+5]) + "），不是有效的文字，未作任何修改。"
		}
		i += 4
	}
	return ""
}

func hex4(b []byte, at int) (rune, bool) {
	if at+4 > len(b) {
		return 0, false
	}
	var r rune
	for _, c := range b[at : at+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c-'a') + 10
		case c >= 'A' && c <= 'F':
			r |= rune(c-'A') + 10
		default:
			return 0, false
		}
	}
	return r, true
}

// readBody reads a body whole, within limit; it answers the error itself (413, 400).
func readBody(w http.ResponseWriter, r *http.Request, limit int64, tooBig string) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		writeError(w, lifecycle.CodeTooLarge, tooBig)
		return nil, false
	case err != nil:
		writeError(w, lifecycle.CodeInvalid, "请求体不完整。")
		return nil, false
	}
	if p := encodingProblem(b); p != "" {
		writeError(w, lifecycle.CodeInvalid, p)
		return nil, false
	}
	return b, true
}

// charsetProblem refuses a body declared in another charset than UTF-8 (e.g. gbk): it
// would be read as UTF-8 and its text changed.
func charsetProblem(contentType string) string {
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "Content-Type 无法识别。"
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return "请求须使用 UTF-8 编码（charset=utf-8），本请求声明为 " + cs + "。"
	}
	return ""
}

// parseForm parses a small form post and refuses values that are not UTF-8; an error
// when it cannot be used (the caller answers in its page's way).
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		return err
	}
	for _, vs := range r.PostForm {
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return errNotUTF8
			}
		}
	}
	return nil
}
