package report

import (
	"math/rand/v2"
	"os"
	"testing"
)

// consistent generates a report of format f in which every hard and soft rule holds:
// random counts, with the totals and the balance worked out from them.
func consistent(f *Format, rng *rand.Rand) *Document {
	year := f.FirstYear + 1
	d := New(f, "示例市示例区应急管理局", year)
	d.Sections = Sections{
		Overview: "本年度主动公开政府信息，办理政府信息公开申请。",
		Problems: "一是信息发布时效性有待提高。",
		Other:    "本年度未收取信息处理费。",
	}
	for _, r := range f.Proactive.Rows {
		for _, c := range r.Columns {
			switch c.Kind {
			case SignedCount:
				d.Proactive.SetAt(r, c, Int(rng.Int64N(21)-10))
			case Amount:
				d.Proactive.SetAt(r, c, mustCell("1234.56"))
			default:
				d.Proactive.SetAt(r, c, Int(rng.Int64N(50)))
			}
		}
	}
	req := d.Requests
	for _, c := range f.ApplicantColumns {
		var total int64
		for _, r := range f.ResultRows {
			n := rng.Int64N(4)
			req.SetAt(r, c, Int(n))
			total += n
		}
		req.SetAt(f.RequestsTotal, c, Int(total))
		forward := rng.Int64N(5)
		carried := rng.Int64N(total + forward + 1)
		req.SetAt(f.RequestsForward, c, Int(forward))
		req.SetAt(f.RequestsCarried, c, Int(carried))
		req.SetAt(f.RequestsNew, c, Int(total+forward-carried))
	}
	for _, r := range f.Requests.Rows {
		var sum int64
		for _, c := range f.ApplicantColumns {
			n, _ := req.At(r, c).Int()
			sum += n
		}
		req.SetAt(r, f.RequestsTotalCol, Int(sum))
	}
	for _, r := range f.Appeals.Rows {
		var sum int64
		for _, c := range f.AppealsPartColumns {
			n := rng.Int64N(6)
			d.Appeals.SetAt(r, c, Int(n))
			sum += n
		}
		d.Appeals.SetAt(r, f.AppealsTotalCol, Int(sum))
	}
	return d
}

// lastYear makes the previous year's report that d's cross-year rules agree with.
func lastYear(d *Document) *Document {
	f := d.Spec()
	p := New(f, d.Agency, d.Year-1)
	// Last year's texts are last year's: sections.repeated compares them.
	p.Sections = Sections{
		Overview: "上年度围绕重点领域推进信息公开，完善依申请公开办理流程。",
		Problems: "上年存在栏目更新不及时的问题，已建立定期检查机制。",
		Other:    d.Sections.Other,
	}
	for _, c := range f.Requests.Columns {
		p.Requests.SetAt(f.RequestsForward, c, d.Requests.At(f.RequestsCarried, c))
	}
	for _, r := range f.Proactive.Rows {
		for _, c := range r.Columns {
			if c.Kind == Amount {
				p.Proactive.SetAt(r, c, d.Proactive.At(r, c))
			}
		}
	}
	if in := f.Proactive.Column("in_force"); in != nil {
		for _, r := range f.Proactive.Rows {
			if !r.Has(in) {
				continue
			}
			now, _ := d.Proactive.At(r, in).Int()
			iss, _ := d.Proactive.Get(r.ID, "issued").Int()
			rep, _ := d.Proactive.Get(r.ID, "repealed").Int()
			p.Proactive.SetAt(r, in, Int(now-iss+rep))
		}
	}
	return p
}

func mustCell(s string) Cell {
	c, err := ParseCell(s)
	if err != nil {
		panic(err)
	}
	return c
}

func readFixture(t testing.TB, name string) *Document {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	d, err := Decode(f)
	if err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return d
}
