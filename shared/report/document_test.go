package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantPath string
		wantLine int
		wantCol  int
		wantMsg  string
	}{
		{name: "malformed", in: "{\"format\": \"gip-2021\",\n  \"year\": 20x}", wantLine: 2, wantCol: 13, wantMsg: "JSON 格式错误"},
		{name: "truncated", in: `{"format": "gip-2021"`, wantMsg: "JSON 格式错误"},
		{name: "empty", in: "  ", wantMsg: "空的"},
		{name: "not an object", in: `[1,2]`, wantMsg: "JSON 对象"},
		{name: "unknown top-level field", in: `{"format":"gip-2021","agncy":"x"}`, wantPath: "agncy", wantLine: 1, wantCol: 30, wantMsg: "未知字段"},
		{name: "missing format", in: `{"agency":"x"}`, wantPath: "format", wantMsg: "缺少报告格式"},
		{name: "unknown format", in: `{"format":"gip-2030"}`, wantPath: "format", wantMsg: "未知的报告格式"},
		{name: "unknown row", in: `{"format":"gip-2021","requests":{"newly":{}}}`, wantPath: "requests.newly", wantMsg: "没有行"},
		{name: "row of the other format", in: `{"format":"gip-2019","requests":{"other_misc":{"total":1}}}`, wantPath: "requests.other_misc", wantMsg: "没有行"},
		{name: "legacy row mixed with its sub-rows", in: `{"format":"gip-2021","requests":{"other":{"total":1},"other_misc":{"total":1}}}`, wantPath: "requests.other_misc", wantMsg: "只用一种写法"},
		{name: "title not text", in: `{"format":"gip-2021","title":3}`, wantPath: "title", wantMsg: "文字"},
		{name: "unknown signature field", in: `{"format":"gip-2021","signature":{"name":"x","place":"y"}}`, wantPath: "signature.place", wantMsg: "未知字段"},
		{name: "signature not an object", in: `{"format":"gip-2021","signature":"某局"}`, wantPath: "signature", wantMsg: "JSON 对象"},
		{name: "unknown preamble-like section", in: `{"format":"gip-2021","sections":{"intro":"x"}}`, wantPath: "sections.intro", wantMsg: "未知字段"},
		{name: "printed at no cell", in: `{"format":"gip-2021","printed":{"proactive.penalty.prev_count":"13宗"}}`, wantPath: "printed.proactive.penalty.prev_count", wantMsg: "没有单元格"},
		{name: "printed path malformed", in: `{"format":"gip-2019","printed":{"penalty":"13宗"}}`, wantPath: "printed.penalty", wantMsg: "不是单元格路径"},
		{name: "printed not text", in: `{"format":"gip-2019","printed":{"proactive.penalty.prev_count":13}}`, wantPath: "printed.proactive.penalty.prev_count", wantMsg: "文字"},
		{name: "printed too long", in: `{"format":"gip-2019","printed":{"proactive.penalty.prev_count":"` + strings.Repeat("字", 101) + `"}}`, wantPath: "printed.proactive.penalty.prev_count", wantMsg: "过长"},
		{name: "legacy printed row in the standard layout", in: `{"format":"gip-2021","requests":{"other_misc":{"total":1}},"printed":{"requests.other.total":"1"}}`, wantPath: "printed.requests.other.total", wantMsg: "没有单元格"},
		{name: "unit of a count", in: `{"format":"gip-2019","units":{"proactive.procurement.items":"万元"}}`, wantPath: "units.proactive.procurement.items", wantMsg: "不是金额"},
		{name: "unknown unit", in: `{"format":"gip-2019","units":{"proactive.procurement.amount":"亿元"}}`, wantPath: "units.proactive.procurement.amount", wantMsg: "元 或 万元"},
		{name: "unit printed in the label", in: `{"format":"gip-2021","units":{"proactive.fees.amount":"元"}}`, wantPath: "units.proactive.fees.amount", wantMsg: "已印在表头"},
		{name: "unknown column", in: `{"format":"gip-2021","requests":{"new":{"natural_persn":1}}}`, wantPath: "requests.new.natural_persn", wantMsg: "没有列"},
		{name: "column the row lacks", in: `{"format":"gip-2021","proactive":{"fees":{"decisions":1}}}`, wantPath: "proactive.fees.decisions", wantMsg: "没有列"},
		{name: "string in a cell", in: `{"format":"gip-2019","appeals":{"review":{"upheld":"3"}}}`, wantPath: "appeals.review.upheld", wantMsg: "应为数字或 null"},
		{name: "negative zero", in: `{"format":"gip-2019","appeals":{"review":{"upheld":-0}}}`, wantPath: "appeals.review.upheld", wantMsg: "负零"},
		{name: "exponent", in: `{"format":"gip-2019","appeals":{"review":{"upheld":1e3}}}`, wantPath: "appeals.review.upheld", wantMsg: "普通的十进制数字"},
		{name: "row not an object", in: `{"format":"gip-2019","appeals":{"review":[1]}}`, wantPath: "appeals.review", wantMsg: "JSON 对象"},
		{name: "year as text", in: `{"format":"gip-2019","year":"2020"}`, wantPath: "year", wantMsg: "整数"},
		{name: "year with fraction", in: `{"format":"gip-2019","year":2020.5}`, wantPath: "year", wantMsg: "整数"},
		{name: "unknown section", in: `{"format":"gip-2019","sections":{"summary":"x"}}`, wantPath: "sections.summary", wantMsg: "未知字段"},
		{name: "section not text", in: `{"format":"gip-2019","sections":{"overview":3}}`, wantPath: "sections.overview", wantMsg: "文字"},
		{name: "unknown note", in: `{"format":"gip-2019","notes":{"table5":"x"}}`, wantPath: "notes.table5", wantMsg: "未知字段"},
		{name: "duplicate field", in: `{"format":"gip-2019","requests":{"new":{"total":1,"total":2}}}`, wantPath: "requests.new.total", wantMsg: "重复"},
		{name: "trailing data", in: `{"format":"gip-2019"} {}`, wantMsg: "JSON 格式错误"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeBytes([]byte(tt.in))
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *DecodeError", err)
			}
			if de.Path != tt.wantPath {
				t.Errorf("path = %q, want %q (%v)", de.Path, tt.wantPath, err)
			}
			if tt.wantLine != 0 && (de.Line != tt.wantLine || de.Column != tt.wantCol) {
				t.Errorf("position = %d:%d, want %d:%d", de.Line, de.Column, tt.wantLine, tt.wantCol)
			}
			if !strings.Contains(de.Msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", de.Msg, tt.wantMsg)
			}
		})
	}
}

func TestDecodeTooLarge(t *testing.T) {
	big := `{"format":"gip-2021","sections":{"overview":"` + strings.Repeat("字", MaxDocumentSize/3+10) + `"}}`
	_, err := Decode(strings.NewReader(big))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	var de *DecodeError
	if !errors.As(err, &de) || !strings.Contains(de.Msg, "上限") {
		t.Errorf("err = %v, want a DecodeError naming the limit", err)
	}
}

func TestBlankIsNotZero(t *testing.T) {
	d, err := DecodeBytes([]byte(`{"format":"gip-2021","agency":"某局","year":2022,
		"requests":{"new":{"natural_person":0,"commercial":null}}}`))
	if err != nil {
		t.Fatal(err)
	}
	zero := d.Requests.Get("new", "natural_person")
	if zero.Blank() {
		t.Error("0 decoded as blank")
	}
	if n, ok := zero.Int(); !ok || n != 0 {
		t.Errorf("0 decoded as %v, %v", n, ok)
	}
	for _, col := range []string{"commercial", "research"} { // null and absent
		if !d.Requests.Get("new", col).Blank() {
			t.Errorf("%s is not blank", col)
		}
	}
	out, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(out, []byte(`"new":{"natural_person":0}`)) {
		t.Errorf("0 lost or blank written: %s", out)
	}
}

func TestAmountsKeepTheirDigits(t *testing.T) {
	for _, amount := range []string{"75394432.52", "24252.311082", "0.10", "18651.060", "251000", "0"} {
		in := `{"format":"gip-2021","agency":"某局","year":2022,"proactive":{"fees":{"amount":` + amount + `}}}`
		d, err := DecodeBytes([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if got := d.Proactive.Get("fees", "amount").String(); got != amount {
			t.Errorf("amount %s read as %s", amount, got)
		}
		out, _ := json.Marshal(d)
		if !bytes.Contains(out, []byte(`"amount":`+amount+`}`)) {
			t.Errorf("amount %s written as %s", amount, out)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, name := range []string{"sample-2021.json", "chaoyang-emergency-2020.json", "legacy-2023.json"} {
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/" + name)
			if err != nil {
				t.Fatal(err)
			}
			d1, err := DecodeBytes(raw)
			if err != nil {
				t.Fatal(err)
			}
			out1, err := json.Marshal(d1)
			if err != nil {
				t.Fatal(err)
			}
			d2, err := DecodeBytes(out1)
			if err != nil {
				t.Fatalf("re-decode: %v\n%s", err, out1)
			}
			out2, _ := json.Marshal(d2)
			if !bytes.Equal(out1, out2) {
				t.Errorf("second round trip differs:\n%s\n%s", out1, out2)
			}
			// The written document says the same as the fixture, compared as generic JSON
			// with blank (null/absent) cells dropped on both sides.
			if a, b := normalise(t, raw), normalise(t, out1); a != b {
				t.Errorf("content changed:\n fixture %s\n written %s", a, b)
			}
		})
	}
}

// normalise drops nulls, empty objects and empty strings, and re-encodes with sorted keys.
func normalise(t *testing.T, raw []byte) string {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	var prune func(any) any
	prune = func(v any) any {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		for k, x := range m {
			x = prune(x)
			if mm, ok := x.(map[string]any); x == nil || x == "" || (ok && len(mm) == 0) {
				delete(m, k)
			} else {
				m[k] = x
			}
		}
		return m
	}
	out, _ := json.Marshal(prune(v))
	return string(out)
}

func TestUnmarshalIsStrict(t *testing.T) {
	var body struct {
		Document *Document `json:"document"`
	}
	err := json.Unmarshal([]byte(`{"document":{"format":"gip-2021","requests":{"nope":{}}}}`), &body)
	var de *DecodeError
	if !errors.As(err, &de) || de.Path != "requests.nope" {
		t.Fatalf("err = %v, want a DecodeError at requests.nope", err)
	}
}

// FuzzDecode: any input either decodes or is refused with a DecodeError; a decoded
// document writes back to JSON that decodes to the same document, and validates without
// panicking.
func FuzzDecode(f *testing.F) {
	for _, name := range []string{"sample-2021.json", "chaoyang-emergency-2020.json", "legacy-2023.json"} {
		raw, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte(`{"format":"gip-2019","proactive":{"licensing":{"change":-3}},"year":2020}`))
	f.Add([]byte(`{"format":"gip-2021","proactive":{"fees":{"amount":0.10}}}`))
	// The fields of issue 15, in both formats.
	f.Add([]byte(`{"format":"gip-2021","agency":"某局","year":2024,"title":"某局2024年政府信息公开工作年度报告",` +
		`"sections":{"preamble":"本报告依据条例编制。","overview":"全年共收到申请5件（含上年结转1件）。","problems":"无","other":"未收取信息处理费。"},` +
		`"requests":{"other":{"total":2},"total":{"total":2}},"printed":{"requests.other.total":"2（其中逾期不补正1件）","proactive.penalty.decisions":"减4"},` +
		`"units":{"proactive.fees.amount":"万元"},"signature":{"name":"某局","date":"2025年1月20日"}}`))
	f.Add([]byte(`{"format":"gip-2019","agency":"某局","year":2020,"sections":{"preamble":"编制说明"},` +
		`"proactive":{"penalty":{"prev_count":13,"change":-4},"procurement":{"amount":12.5}},` +
		`"printed":{"proactive.penalty.prev_count":"13宗共113200元","proactive.penalty.change":"减4"},` +
		`"units":{"proactive.procurement.amount":"万元"},"signature":{"date":"2021年1月"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := DecodeBytes(data)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		out, err := json.Marshal(d)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		d2, err := DecodeBytes(out)
		if err != nil {
			t.Fatalf("written document does not decode: %v\n%s", err, out)
		}
		out2, _ := json.Marshal(d2)
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip differs:\n%s\n%s", out, out2)
		}
		Validate(d, nil)
		Validate(d, d2)
		// The form's layout of the document (the legacy （六） row moved) is a document too.
		std, err := json.Marshal(d.Standard())
		if err != nil {
			t.Fatalf("marshal the standard layout: %v", err)
		}
		if _, err := DecodeBytes(std); err != nil {
			t.Fatalf("the standard layout does not decode: %v\n%s", err, std)
		}
	})
}
