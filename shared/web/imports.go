package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"strconv"
	"unicode/utf8"

	"nianbao/shared/importer"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// Bringing existing reports in (shared/importer): on 新建年度报告, 「导入上年报告」 reads a
// page saved from the portal or a Word file, shows it rendered for the clerk to check,
// and on confirmation stores it as the agency's previous year (store.Imported, 导入: not
// published by nianbao), which prefill and the cross-year checks then read
// (lifecycle.PreviousYear). 「导入本年草稿」 makes a Word file this year's first draft, which
// the clerk then reviews in the form.

// maxUpload bounds an uploaded file: 4 MB, because API Gateway hands a Lambda function
// a binary body base64-encoded (4/3 of its size) and a synchronous invocation's payload
// is at most 6 MB; the form around the file adds little. (nianbao import reads files up
// to importer.MaxFileSize.)
const maxUpload = 4 << 20

// importedLabel is how an imported report is named wherever it is listed.
const importedLabel = "导入（非本系统发布）"

// importView is the page of an imported report: to confirm (Confirm) or as stored.
type importView struct {
	Year     int
	Agency   string
	FileName string
	Source   string
	Article  template.HTML
	Problems []importer.Problem
	// Confirm: the form that stores it, with the document it carries.
	Confirm  bool
	Document string
	CSRF     string
	// OtherAgency: the file names another agency than the clerk's.
	OtherAgency string
	ImportedBy  string
	ImportedAt  string
	// DraftHref: this year's draft was made from the file, some cells not read; the
	// page lists them and leads to the form.
	DraftHref string
}

// upload reads a multipart form with one file ("file"), bounded. msg is what to tell the
// clerk when it cannot be read.
func upload(w http.ResponseWriter, r *http.Request) (name string, data []byte, msg string) {
	r.Body = http.MaxBytesReader(w, r.Body, maxUpload+64<<10)
	if err := r.ParseMultipartForm(maxUpload + 64<<10); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return "", nil, fmt.Sprintf("文件过大：上传的文件不能超过 %d MB。", maxUpload>>20)
		}
		return "", nil, "没有收到文件，请选择要导入的文件。"
	}
	f, fh, err := r.FormFile("file")
	if err != nil {
		return "", nil, "没有收到文件，请选择要导入的文件。"
	}
	defer f.Close()
	data, err = io.ReadAll(io.LimitReader(f, maxUpload+1))
	if err != nil {
		return "", nil, "文件没有传完，请重新上传。"
	}
	if len(data) > maxUpload {
		return "", nil, fmt.Sprintf("文件过大：上传的文件不能超过 %d MB。", maxUpload>>20)
	}
	if len(data) == 0 {
		return "", nil, "上传的文件是空的。"
	}
	return filepath.Base(fh.Filename), data, ""
}

// importMessage is what a clerk is told about a file that could not be read.
func importMessage(name string, err error) string {
	switch {
	case errors.Is(err, importer.ErrNoReport):
		return fmt.Sprintf("「%s」中没有找到政府信息公开工作年度报告的表格（二、三、四）。请上传从网站保存的报告网页（.html）或报告的 Word 文件（.docx）。", name)
	case errors.Is(err, importer.ErrUnreadable):
		return fmt.Sprintf("「%s」无法读取：%v", name, err)
	}
	return fmt.Sprintf("「%s」无法读取。", name)
}

// importPrevious reads an uploaded previous year's report and shows it to be confirmed.
func (s *Server) importPrevious(w http.ResponseWriter, r *http.Request) {
	u, ag, ok := s.drafterPage(w, r, "")
	if !ok {
		return
	}
	name, data, msg := upload(w, r)
	if msg == "" && !s.checkSessionCSRF(r, "new") {
		msg = "表单已失效，请重新上传。"
	}
	if msg != "" {
		s.showNewReport(w, r, u, ag, http.StatusUnprocessableEntity, msg)
		return
	}
	res, err := importer.Import(name, data, importer.Options{})
	if err != nil {
		s.showNewReport(w, r, u, ag, http.StatusUnprocessableEntity, importMessage(name, err))
		return
	}
	doc := res.Doc
	cur, _, _ := currentReport(s.Store.Now())
	if msg := s.importableYear(r.Context(), ag, doc.Year, cur); msg != "" {
		s.showNewReport(w, r, u, ag, http.StatusUnprocessableEntity, fmt.Sprintf("「%s」：%s", name, msg))
		return
	}
	js, err := doc.MarshalJSON()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v, err := importedView(doc, name, res.Kind)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v.Confirm, v.Document, v.CSRF, v.Problems = true, string(js), s.sessionCSRF(r, "new"), res.Problems
	if doc.Agency != ag.Name {
		v.OtherAgency = doc.Agency
	}
	s.page(w, r, http.StatusOK, "imported", importedPage{layout: s.signedIn(r, fmt.Sprintf("核对导入的 %d 年度报告", doc.Year), u, ag), Import: v})
}

// importableYear says why a year cannot be imported as a previous year ("" when it can):
// it must be a year before the current report's, and one nianbao has no report of.
func (s *Server) importableYear(ctx context.Context, ag *store.Agency, year, cur int) string {
	if year == 0 {
		return "文件中读不出报告年度（标题应为「……XXXX年度政府信息公开工作年度报告」）。"
	}
	if year < report.Formats()[0].FirstYear || year >= cur {
		return fmt.Sprintf("这是 %d 年度的报告；导入上年报告只能导入 %d 年度及以前的报告。", year, cur-1)
	}
	if _, err := s.Store.GetReport(ctx, ag.ID, year); err == nil {
		return fmt.Sprintf("%d 年度的报告已在本系统中建立，不能再导入。", year)
	}
	return ""
}

func importedView(doc *report.Document, name, source string) (*importView, error) {
	var article bytes.Buffer
	if err := render.Article(&article, doc, nil, render.PageOptions{AssetBase: "/assets/"}); err != nil {
		return nil, err
	}
	return &importView{Year: doc.Year, Agency: doc.Agency, FileName: name, Source: source,
		Article: template.HTML(article.String())}, nil // rendered by our own html/template: escaped
}

// confirmImport stores the previous year's report the clerk has seen and confirmed.
func (s *Server) confirmImport(w http.ResponseWriter, r *http.Request) {
	u, ag, ok := s.drafterPage(w, r, "")
	if !ok {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, report.MaxDocumentSize+64<<10)
	if err := r.ParseMultipartForm(report.MaxDocumentSize + 64<<10); err != nil || !s.checkSessionCSRF(r, "new") ||
		!utf8.ValidString(r.PostFormValue("document")) {
		s.showNewReport(w, r, u, ag, http.StatusForbidden, "表单已失效，请重新上传。")
		return
	}
	doc, err := report.DecodeBytes([]byte(r.PostFormValue("document")))
	if err != nil {
		s.showNewReport(w, r, u, ag, http.StatusUnprocessableEntity, "导入的报告无效，请重新上传："+err.Error())
		return
	}
	cur, _, _ := currentReport(s.Store.Now())
	if msg := s.importableYear(r.Context(), ag, doc.Year, cur); msg != "" {
		s.showNewReport(w, r, u, ag, http.StatusUnprocessableEntity, msg)
		return
	}
	js, err := doc.MarshalJSON()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	source := r.PostFormValue("source")
	if source != "html" && source != "docx" {
		source = ""
	}
	name := r.PostFormValue("file_name")
	if utf8.RuneCountInString(name) > 200 || !utf8.ValidString(name) {
		name = ""
	}
	err = s.Store.PutImported(r.Context(), store.Imported{Agency: ag.ID, Year: doc.Year, Document: js, Source: source,
		FileName: name, ImportedBy: u.Email}, clientIP(r))
	if err != nil {
		if store.IsConflict(err) {
			s.showNewReport(w, r, u, ag, http.StatusConflict, fmt.Sprintf("%d 年度的报告已在本系统中建立，不能再导入。", doc.Year))
			return
		}
		s.internal(w, r, err)
		return
	}
	http.Redirect(w, r, "/reports/new?imported="+strconv.Itoa(doc.Year), http.StatusSeeOther)
}

// importedReportPage shows a stored imported report.
func (s *Server) importedReportPage(w http.ResponseWriter, r *http.Request) {
	u, ag, ok := s.drafterPage(w, r, r.PathValue("agency"))
	if !ok {
		return
	}
	notFound := func() {
		s.message(w, r, http.StatusNotFound, messagePage{layout: layout{Title: "没有导入的报告", User: u},
			Message: "没有导入该年度的报告。", Link: "/", LinkText: "返回首页"})
	}
	year, err := strconv.Atoi(r.PathValue("year"))
	if err != nil {
		notFound()
		return
	}
	im, err := s.Store.GetImported(r.Context(), ag.ID, year)
	if err != nil {
		if store.IsNotFound(err) {
			notFound()
			return
		}
		s.internal(w, r, err)
		return
	}
	doc, err := report.DecodeBytes(im.Document)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v, err := importedView(doc, im.FileName, im.Source)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	v.ImportedBy, v.ImportedAt = im.ImportedBy, render.DateTime(im.ImportedAt)
	s.page(w, r, http.StatusOK, "imported", importedPage{layout: s.signedIn(r, fmt.Sprintf("%d 年度报告（导入）", year), u, ag), Import: v})
}

// importDraft makes an uploaded Word file (or saved page) the first draft of a year.
func (s *Server) importDraft(w http.ResponseWriter, r *http.Request) {
	u, ag, ok := s.drafterPage(w, r, "")
	if !ok {
		return
	}
	name, data, msg := upload(w, r)
	if msg == "" && !s.checkSessionCSRF(r, "new") {
		msg = "表单已失效，请重新上传。"
	}
	if msg != "" {
		s.showNewReport(w, r, u, ag, http.StatusUnprocessableEntity, msg)
		return
	}
	year, err := strconv.Atoi(r.PostFormValue("year"))
	cur, _, _ := currentReport(s.Store.Now())
	if err != nil || year < report.Formats()[0].FirstYear || year > cur {
		s.showNewReport(w, r, u, ag, http.StatusUnprocessableEntity, "请选择报告年度。")
		return
	}
	res, err := importer.Import(name, data, importer.Options{Year: year})
	if err != nil {
		s.showNewReport(w, r, u, ag, http.StatusUnprocessableEntity, importMessage(name, err))
		return
	}
	doc := res.Doc
	if doc.Agency == "" {
		doc.Agency = ag.Name
	}
	body, err := doc.Standard().MarshalJSON()
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if !s.createDraft(w, r, u, ag, year, body) {
		return
	}
	if !res.Complete() {
		v := &importView{Year: year, FileName: name, Source: res.Kind, Problems: res.Problems, DraftHref: reportPath(ag.ID, year) + "/edit"}
		s.page(w, r, http.StatusOK, "imported", importedPage{layout: s.signedIn(r, fmt.Sprintf("%d 年度草稿已导入", year), u, ag), Import: v})
		return
	}
	http.Redirect(w, r, reportPath(ag.ID, year)+"/edit", http.StatusSeeOther)
}

// importedYears lists an agency's imported years (for the new-report page), newest first.
func (s *Server) importedYears(ctx context.Context, agency string) (map[int]store.Imported, []int, error) {
	list, err := s.Store.ListImported(ctx, agency)
	if err != nil {
		return nil, nil, err
	}
	by := map[int]store.Imported{}
	var years []int
	for _, im := range list {
		by[im.Year] = im
		years = append(years, im.Year)
	}
	slices.Reverse(years)
	return by, years, nil
}

// importedRows are the dashboard's rows of imported years.
func (s *Server) importedRows(ctx context.Context, agency string) ([]dashRow, error) {
	by, years, err := s.importedYears(ctx, agency)
	if err != nil {
		return nil, err
	}
	var rows []dashRow
	for _, y := range years {
		im := by[y]
		rows = append(rows, dashRow{Year: y, Status: importedLabel, StatusClass: "imported",
			Updated: render.DateTime(im.ImportedAt), UpdatedBy: im.ImportedBy,
			Href: reportPath(agency, y) + "/imported"})
	}
	return rows, nil
}

// ImportedHref is the page of an imported year.
func (v *newView) ImportedHref(year int) string { return reportPath(v.agency, year) + "/imported" }
