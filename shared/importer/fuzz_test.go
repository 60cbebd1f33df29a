package importer

import (
	"strings"
	"testing"
	"time"
)

// FuzzImport: no file makes the importer panic or run away; whatever it reads is a
// document that encodes.
func FuzzImport(f *testing.F) {
	f.Add([]byte(portalPage(portalDoc(f, "sample-2021.json"), plain, "utf-8")))
	f.Add([]byte(`<table><tr><td rowspan="200" colspan="200">自然人</td><td rowspan="200" colspan="200">总计</td><td>申请人情况</td></tr></table>`))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte(`<p>一、总体情况</p><p>六、其他需要报告的事项</p><p>2024年1月1日</p>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		start := time.Now()
		res, err := Import("f.html", data, Options{})
		if time.Since(start) > 5*time.Second {
			t.Fatalf("took %v", time.Since(start))
		}
		if err == nil {
			if _, err := res.Doc.MarshalJSON(); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// A page of spans written to blow its table up is read in bounded memory and time.
func TestSpanBomb(t *testing.T) {
	cells := strings.Repeat(`<td rowspan="200" colspan="200">1</td>`, 2000)
	page := `<table><tr><td>自然人</td><td>总计</td><td>申请人情况</td></tr><tr>` + cells + `</tr></table>`
	start := time.Now()
	Import("bomb.html", []byte(page), Options{})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

// A page nested far deeper than any report is read without exhausting the stack.
func TestDeepNesting(t *testing.T) {
	page := strings.Repeat("<div>", 200000) + "一、总体情况" + strings.Repeat("</div>", 200000)
	start := time.Now()
	if _, err := Import("deep.html", []byte(page), Options{}); err == nil {
		t.Error("a page without tables read as a report")
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}
