// Package render turns a report document into what the public reads: the report page in
// the layout of the official template, report.json and meta.json beside it, and the
// agency and site index pages.
//
// Every label of the official formats comes from shared/report; this package only adds
// the words of the page itself (发布日期, 更正记录 …). Pages are static, need no script
// and forbid scripts through their Content-Security-Policy, load nothing from another
// host (many government networks block CDNs and web fonts), and link only relatively, so
// the published tree works under any S3 prefix or static host.
package render

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"nianbao/shared/report"
	"nianbao/shared/site"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed assets
var assetFS embed.FS

// StylesheetName is the stylesheet's path under the assets folder.
const StylesheetName = "nianbao.css"

// CSP is the Content-Security-Policy of every page: no script at all, styles and images
// only from the page's own origin, no forms, no <base>. The pages need nothing more, and
// a mistake in escaping stays inert.
const CSP = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'"

var tmpl = template.Must(template.New("").ParseFS(templateFS, "templates/*.html"))

// Assets is the folder of files the pages load (the stylesheet), to be written under
// "assets/" at the root of the published tree, or beside a preview page.
func Assets() fs.FS {
	sub, err := fs.Sub(assetFS, "assets")
	if err != nil {
		panic(err) // the folder is embedded at build time
	}
	return sub
}

// Place is where a page sits in the published tree. Every relative link of a page (its
// stylesheet, the index pages, the other versions) is derived from it, in one place.
//
//	reports/index.html                          site index
//	reports/{agency}/index.html                 agency index
//	reports/{agency}/{year}/index.html          PlaceCurrent
//	reports/{agency}/{year}/v{n}/index.html     PlaceVersion
//	reports/assets/nianbao.css
type Place int

const (
	// PlacePreview is a page alone in a folder with assets/ beside it (nianbao render,
	// a draft shown before publication). It links to nothing else.
	PlacePreview Place = iota
	// PlaceCurrent is the current version of a year: reports/{agency}/{year}/index.html.
	PlaceCurrent
	// PlaceVersion is one immutable version: reports/{agency}/{year}/v{n}/index.html.
	PlaceVersion
	placeAgency // reports/{agency}/index.html
	placeSite   // reports/index.html
	placeUnits  // reports/{gov}/units/index.html
)

// depth is how many folders the page sits below the root of the published tree.
func (p Place) depth() int {
	switch p {
	case PlaceCurrent:
		return 2
	case PlaceVersion:
		return 3
	case placeAgency:
		return 1
	case placeUnits:
		return 2
	}
	return 0
}

// root is the relative path from a page to the root of the published tree.
func (p Place) root() string { return strings.Repeat("../", p.depth()) }

// yearDir is the relative path from a report page to its year's folder.
func (p Place) yearDir() string {
	if p == PlaceVersion {
		return "../"
	}
	return ""
}

// PageOptions says where a report page is shown.
type PageOptions struct {
	Place Place
	// AssetBase, when set, is the URL of the assets folder instead of the relative path
	// Place gives (e.g. "/assets/" for the approvers' review page served by the app).
	AssetBase string
	// Docx, when set, is the address of the report's Word copy, linked as 下载 Word 版
	// (site.ReportDocx beside a published page or a preview).
	Docx string
}

func (o PageOptions) stylesheet() string {
	base := o.AssetBase
	if base == "" {
		base = o.Place.root() + "assets/"
	} else if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return base + StylesheetName
}

// VersionDir is the folder of version n inside its year's folder ("v3").
func VersionDir(n int) string { return site.VersionName(n) }

// Title is the report's title as the templates print it:
// 「{agency}{year}年度政府信息公开工作年度报告」.
func Title(agency string, year int) string { return report.DefaultTitle(agency, year) }

type link struct{ Href, Text string }

type pageView struct {
	CSP, CSS, Title string
	NoIndex         bool
	Nav             []link

	Preview, Archived bool
	CurrentHref       string

	FormatTitle, FormatDocument string
	Published, PublishedISO     string
	Corrected, CorrectedISO     string // the date of the correction this version is
	Version                     int
	Corrections                 []correctionView
	Preamble                    []string // 编制说明, before section 一
	PreambleLabel               string
	Sections                    []sectionView
	Closing                     *Closing // the 落款: the document's signature, or the agency and the date of publication
	ClosingLabel                string
	Docx                        string

	Data []link
}

type correctionView struct {
	Version                 int // the public version number: 第1版 is the first publication
	Published, PublishedISO string
	Reason                  string
	Href                    string
	Current                 bool // the version this page shows
}

// publicVersions counts versions as the public sees them: the first publication is
// 第1版 whatever its internal number (a version returned before it was never public),
// each correction the next; the 发布日期 is the first publication's and a correction's
// date is shown as the 更正日期. The 更正记录 lists every public version on its own row,
// with the 更正原因 that brought it (meta's corrections carry the reason with the version
// replaced).
func publicVersions(v *pageView, meta *Meta, place Place) {
	cs := meta.Corrections
	v.Version = len(cs) + 1
	first := meta.PublishedAt
	if len(cs) > 0 {
		first = cs[0].PublishedAt
		v.Corrected, v.CorrectedISO = DateTime(meta.PublishedAt), machineTime(meta.PublishedAt)
	}
	v.Published, v.PublishedISO = DateTime(first), machineTime(first)
	if len(cs) == 0 {
		return
	}
	for i, c := range cs {
		cv := correctionView{Version: i + 1, Published: DateTime(c.PublishedAt), PublishedISO: machineTime(c.PublishedAt), Reason: "首次发布"}
		if i > 0 {
			cv.Reason = cs[i-1].Reason
		}
		if place == PlaceCurrent || place == PlaceVersion {
			cv.Href = place.yearDir() + VersionDir(c.Version) + "/" + site.Index
		}
		v.Corrections = append(v.Corrections, cv)
	}
	v.Corrections = append(v.Corrections, correctionView{Version: len(cs) + 1, Published: DateTime(meta.PublishedAt),
		PublishedISO: machineTime(meta.PublishedAt), Reason: cs[len(cs)-1].Reason, Current: true})
}

type sectionView struct {
	ID, Heading string
	Paras       []string
	Hint        string
	Table       *tableView
	Note        []string
}

type tableView struct {
	LabelID, Caption, Class string
	Head                    template.HTML // rendered from the format's labels by compile
	Bodies                  [][]rowView
}

type rowView struct {
	Static, Lead template.HTML // rendered from the format's labels by compile
	Plain        bool
	Values       []string  // the numbers of a Plain row
	Cells        []numView // the numbers of another row, with their opening tags
}

type numView struct {
	Open template.HTML // "<td class=\"n\" …>", rendered by compile
	Text string
}

// ErrUnknownFormat is matched (errors.Is) when a document's format is not one of
// shared/report's, or its tables are not laid out for it.
var ErrUnknownFormat = errors.New("render: document format unknown or tables not of its format")

// Page writes the report page of a document. meta nil renders a preview: no 发布日期, a
// visible 预览 marker, and robots told not to index it.
func Page(w io.Writer, doc *report.Document, meta *Meta, opts PageOptions) error {
	v, err := buildPage(doc, meta, opts)
	if err != nil {
		return err
	}
	return execute(w, "page", v)
}

// Article writes only the report itself (title, publication data, sections, tables, 更正
// 记录) as an <article>, for a page that has its own frame, such as the approvers'
// review page. The including page must load the stylesheet of Assets.
func Article(w io.Writer, doc *report.Document, meta *Meta, opts PageOptions) error {
	v, err := buildPage(doc, meta, opts)
	if err != nil {
		return err
	}
	return execute(w, "article", v)
}

func execute(w io.Writer, name string, v any) error {
	switch w.(type) {
	case *bytes.Buffer, *bufio.Writer, *strings.Builder:
		// Already buffered: the template writes many small pieces.
		if err := tmpl.ExecuteTemplate(w, name, v); err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		return nil
	}
	bw := bufio.NewWriterSize(w, 16<<10)
	if err := tmpl.ExecuteTemplate(bw, name, v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	return nil
}

func buildPage(doc *report.Document, meta *Meta, opts PageOptions) (*pageView, error) {
	f := doc.Spec()
	if f == nil {
		return nil, fmt.Errorf("%w: %q", ErrUnknownFormat, doc.Format)
	}
	title := doc.PrintedTitle()
	place := opts.Place
	v := &pageView{
		CSP: CSP, CSS: opts.stylesheet(), Title: title,
		FormatTitle: f.Title, FormatDocument: f.Document,
		Preview: meta == nil,
		NoIndex: meta == nil || place == PlacePreview,
		Docx:    opts.Docx,
	}
	if place == PlaceCurrent || place == PlaceVersion {
		year := place.yearDir()
		v.Nav = []link{
			{Href: place.root() + "index.html", Text: "政府信息公开工作年度报告"},
			{Href: year + "../index.html", Text: doc.Agency},
		}
		v.Archived = place == PlaceVersion
		v.CurrentHref = year + "index.html"
	}
	if meta != nil {
		publicVersions(v, meta, place)
		if place == PlaceCurrent || place == PlaceVersion {
			v.Data = []link{{Href: "report.json", Text: "JSON"}}
		}
	}
	v.Preamble, v.PreambleLabel = paragraphs(doc.Sections.Preamble), report.LabelPreamble
	// The 落款: a published page always prints one (dated by its publication); a draft
	// or a version in review prints the one its document gives, if any.
	if meta != nil {
		c := ClosingOf(doc, meta.PublishedAt)
		v.Closing = &c
	} else if len(doc.SignatureLines()) > 0 {
		c := ClosingOf(doc, time.Time{})
		v.Closing = &c
	}
	v.ClosingLabel = report.LabelSignature
	for i, s := range f.Sections {
		sv := sectionView{ID: "s" + strconv.Itoa(i+1), Heading: s.Heading}
		if s.Table != nil {
			g := doc.Grid(s.Table.Key)
			if g == nil || (g.Table() != s.Table && !(s.Table == f.Requests && f.RequestsTable(g.Table()))) {
				return nil, fmt.Errorf("%w: table %s", ErrUnknownFormat, s.Table.Key)
			}
			// The table as the document lays it out: gip-2021's table 三 may print the
			// 2019 layout's one （六）其他处理 row.
			sv.Table = fillTable(doc, g, sv.ID+"-h", s.Heading)
			sv.Note = paragraphs(doc.Note(s.Table.Key))
		} else {
			sv.Paras = paragraphs(doc.Text(s.Field))
			if v.Preview {
				sv.Hint = s.Hint
			}
		}
		v.Sections = append(v.Sections, sv)
	}
	return v, nil
}

// fillTable puts the document's numbers, exactly as entered (or the text printed in
// their place), into a table's compiled layout. The numbers reach the page through the
// template, escaped like any text.
func fillTable(doc *report.Document, g *report.Grid, labelID, caption string) *tableView {
	t := g.Table()
	ct := compiledFor(doc, t)
	tv := &tableView{LabelID: labelID, Caption: caption, Class: t.Key, Head: ct.Head}
	tv.Bodies = make([][]rowView, len(ct.Bodies))
	for i, body := range ct.Bodies {
		rows := make([]rowView, len(body))
		for j, cr := range body {
			rv := rowView{Static: cr.Static, Lead: cr.Lead, Plain: cr.Plain}
			if cr.Plain {
				rv.Values = make([]string, len(cr.nums))
				for k, c := range cr.nums {
					rv.Values[k] = doc.CellText(g, c.row, c.col)
				}
			} else {
				rv.Cells = make([]numView, len(cr.nums))
				for k, c := range cr.nums {
					rv.Cells[k] = numView{Open: cr.Opens[k], Text: doc.CellText(g, c.row, c.col)}
				}
			}
			rows[j] = rv
		}
		tv.Bodies[i] = rows
	}
	return tv
}

// paragraphs splits a text into the paragraphs its author typed (report.Paragraphs).
func paragraphs(s string) []string { return report.Paragraphs(s) }
