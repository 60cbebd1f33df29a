package importer

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"nianbao/shared/report"
)

func TestReadNumber(t *testing.T) {
	for _, c := range []struct {
		text, number, printed string
		ok                    bool
	}{
		{"", "", "", true},
		{"—", "", "", true},
		{"\u00a0", "", "", true},
		{"12", "12", "", true},
		{" 1 2 ", "12", "", true},
		{"１２", "12", "", true},
		{"１ ２３", "123", "", true},
		{"1,234", "1234", "", true},
		{"75394432.52", "75394432.52", "", true},
		{"－3", "-3", "", true},
		{"无", "0", "无", true},
		{"减4", "-4", "减4", true},
		{"13宗共113200元", "13", "13宗共113200元", true},
		{"12（其中修订3件）", "12", "12（其中修订3件）", true},
		{"共7宗", "7", "共7宗", true},
		// Never guessed: no number, two numbers none of them first, a number not
		// written as one.
		{"见附件", "", "见附件", false},
		{"共7宗312800元", "", "共7宗312800元", false},
		{"007", "", "007", false},
		{"约二十", "", "约二十", false},
	} {
		v, printed, ok := readNumber(c.text)
		if v.String() != c.number || printed != c.printed || ok != c.ok {
			t.Errorf("readNumber(%q) = %q, %q, %v; want %q, %q, %v", c.text, v.String(), printed, ok, c.number, c.printed, c.ok)
		}
	}
}

// A cell whose text holds no number stays blank, keeps its text and is listed with its
// row and column labels; a cell missing from the page is listed too.
func TestUnreadCellsListed(t *testing.T) {
	doc := portalDoc(t, "sample-2021.json")
	doc.Printed["requests.granted.research"] = "见附件"
	doc.Requests.Set("granted", "research", report.Int(2))
	st := plain
	st.blockColumn = false // a row dropped under a merged column would shift the rows below
	page := portalPage(doc, st, "utf-8")
	// The portal dropped the 行政强制 row of table 二.
	i := strings.Index(page, "<tr><td>行政强制</td>")
	j := strings.Index(page[i:], "</tr>")
	page = page[:i] + page[i+j+len("</tr>"):]
	res, err := Import("p.html", []byte(page), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.String())
	}
	want := []string{
		"表二「行政强制」行「本年处理决定数量」列：表中找不到这一格",
		"表三「（一）予以公开」行「科研机构」列「见附件」：读不出数字，已留空",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if c := res.Doc.Requests.Get("granted", "research"); !c.Blank() {
		t.Errorf("unread cell = %q, want blank", c)
	}
	if res.Doc.Printed["requests.granted.research"] != "见附件" {
		t.Errorf("printed = %q", res.Doc.Printed["requests.granted.research"])
	}
}

func TestNotAReport(t *testing.T) {
	page := `<html><head><meta charset="utf-8"><title>通知</title></head><body><h1>关于开展安全检查的通知</h1>
<table><tr><td>序号</td><td>单位</td></tr><tr><td>1</td><td>示例局</td></tr></table></body></html>`
	if _, err := Import("n.html", []byte(page), Options{}); !errors.Is(err, ErrNoReport) {
		t.Errorf("err = %v, want ErrNoReport", err)
	}
	if _, err := Import("r.doc", []byte{0xD0, 0xCF, 0x11, 0xE0, 0, 0}, Options{}); !errors.Is(err, ErrUnreadable) {
		t.Errorf(".doc: err = %v, want ErrUnreadable", err)
	}
	if _, err := Import("r.docx", []byte("PK\x03\x04broken"), Options{}); !errors.Is(err, ErrUnreadable) {
		t.Errorf("broken docx: err = %v, want ErrUnreadable", err)
	}
}

// The format follows the year; the options override what the page says.
func TestFormatAndOptions(t *testing.T) {
	doc := portalDoc(t, "sample-2021.json")
	page := []byte(portalPage(doc, plain, "utf-8"))
	res, err := Import("p.html", page, Options{Agency: "另一个局", Year: 2024})
	if err != nil {
		t.Fatal(err)
	}
	if res.Doc.Agency != "另一个局" || res.Doc.Year != 2024 || res.Doc.Format != "gip-2021" {
		t.Errorf("agency, year, format = %q, %d, %q", res.Doc.Agency, res.Doc.Year, res.Doc.Format)
	}
	if res.Doc.Title != doc.PrintedTitle() {
		t.Errorf("title = %q, want the page's %q", res.Doc.Title, doc.PrintedTitle())
	}
	// Read as gip-2019, the 2021 table 二 has no cell of the 2019 one.
	res, err = Import("p.html", page, Options{Format: "gip-2019"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Doc.Format != "gip-2019" || res.Complete() {
		t.Errorf("format %q, complete %v", res.Doc.Format, res.Complete())
	}
}

// Headings and titles as portals write them.
func TestHeadingsAndTitles(t *testing.T) {
	doc := portalDoc(t, "sample-2021.json")
	page := portalPage(doc, plain, "utf-8")
	title := doc.PrintedTitle()
	page = strings.Replace(page, "<b>"+title+"</b>", "<b>"+doc.Agency+"<br>"+strings.TrimPrefix(title, doc.Agency)+"</b>", 1)
	page = strings.Replace(page, "<h3>一、总体情况</h3>", "<h3>一.总体情况</h3>", 1)
	page = strings.Replace(page, "<h3>五、存在的主要问题及改进情况</h3>", "<h3>五　存在的主要问题及改进情况</h3>", 1)
	res := mustImport(t, "p.html", []byte(page), Options{})
	sameDocument(t, doc, res.Doc)

	for _, c := range []struct {
		title, agency string
		year          int
	}{
		{"示例局2024年度政府信息公开工作年度报告", "示例局", 2024},
		{"示例局2024年政府信息公开工作年度报告", "示例局", 2024},
		{"2024年度示例局政府信息公开工作年度报告", "示例局", 2024},
		{"示例局2024年度政府信息公开年度报告", "示例局", 2024},
	} {
		agency, year, _ := parseTitle(c.title)
		if agency != c.agency || year != c.year {
			t.Errorf("parseTitle(%q) = %q, %d", c.title, agency, year)
		}
	}
}

// A portal that prints the row labels of table 三 without their numbering (一、 （一） 1.).
func TestRowLabelsWithoutNumbering(t *testing.T) {
	doc := portalDoc(t, "sample-2021.json")
	page := portalPage(doc, plain, "utf-8")
	i := strings.Index(page, "申请人情况")
	j := strings.Index(page, "四、政府信息公开行政复议")
	table := regexp.MustCompile(`<td([^>]*)>(?:[一二三四]、|（[一二三四五六七]）|\d\.)`).ReplaceAllString(page[i:j], "<td$1>")
	if table == page[i:j] || !strings.Contains(table, ">予以公开</td>") || !strings.Contains(table, ">总计</td><td>") {
		t.Fatal("the numbering was not taken off")
	}
	res := mustImport(t, "p.html", []byte(page[:i]+table+page[j:]), Options{})
	sameDocument(t, doc, res.Doc)
}
