package approval

import (
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"time"

	"nianbao/shared/filing"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/site"
	"nianbao/shared/store"
)

// Object is one object of the published tree to write.
type Object struct {
	Key          string
	ContentType  string
	CacheControl string
	Body         []byte
}

// Cache lifetimes: a version never changes; the current page and the indexes do.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheCurrent   = "public, max-age=300"
)

const (
	typeHTML = "text/html; charset=utf-8"
	typeJSON = "application/json"
)

// PlanInput is what publishing one version is made from.
type PlanInput struct {
	Agency  *store.Agency
	Version *store.Version
	Doc     *report.Document
	// DecidedAt is when the last level approved: the publication's date, unless the
	// version was published before (a retried step), whose record's date is kept.
	DecidedAt time.Time
	// Publications are the agency's publications as the table holds them.
	Publications []store.Publication
	SiteURL      string
	// Assets are the published pages' stylesheet and what it uses (render.Assets()
	// when nil).
	Assets fs.FS
}

// Plan is what publishing one version writes, in the order it is written: the version's
// own objects and the assets, the record of the publication, the year's current page.
// The index pages follow, rendered from the table as it then is.
type Plan struct {
	VersionObjects []Object
	Publication    store.Publication
	CurrentObjects []Object
	URL            string
	// Comment is the record's line: the address, and why it corrects an earlier version.
	Comment string
}

// PlanPublication turns a version, its metadata and the assets into the objects to
// write. It reads and writes nothing.
func PlanPublication(in PlanInput) (*Plan, error) {
	ag, v := in.Agency, in.Version
	publishedAt := in.DecidedAt
	var earlier []store.Publication
	for _, pub := range in.Publications {
		switch {
		case pub.Year != v.Year:
		case pub.Version == v.Number:
			publishedAt = pub.PublishedAt
		case pub.Version < v.Number:
			earlier = append(earlier, pub)
		}
	}
	corrections := correctionsOf(earlier, v.Number, v.CorrectionReason)

	reportJSON, err := render.ReportJSON(in.Doc)
	if err != nil {
		return nil, err
	}
	meta := render.NewMeta(reportJSON, v.Number, publishedAt, corrections)
	metaJSON, err := meta.JSON()
	if err != nil {
		return nil, err
	}
	var versionPage, currentPage bytes.Buffer
	if err := render.Page(&versionPage, in.Doc, &meta, render.PageOptions{Place: render.PlaceVersion, Docx: site.ReportDocx}); err != nil {
		return nil, err
	}
	if err := render.Page(&currentPage, in.Doc, &meta, render.PageOptions{Place: render.PlaceCurrent, Docx: site.ReportDocx}); err != nil {
		return nil, err
	}
	// The Word copy, dated like the page's 落款: by its publication.
	docx, err := filing.Report(in.Doc, render.ClosingOf(in.Doc, publishedAt))
	if err != nil {
		return nil, err
	}
	yearDir := site.YearDir(ag.ID, v.Year)
	versionDir := site.VersionDir(ag.ID, v.Year, v.Number)
	p := &Plan{
		VersionObjects: []Object{
			{versionDir + site.ReportJSON, typeJSON, cacheImmutable, reportJSON},
			{versionDir + site.MetaJSON, typeJSON, cacheImmutable, metaJSON},
			{versionDir + site.Index, typeHTML, cacheImmutable, versionPage.Bytes()},
			{versionDir + site.ReportDocx, filing.ContentType, cacheImmutable, docx},
		},
		Publication: store.Publication{
			AgencyID: ag.ID, Agency: ag.Name, Year: v.Year, Version: v.Number,
			PublishedAt: publishedAt, CorrectionReason: v.CorrectionReason, SHA256: meta.SHA256,
		},
		CurrentObjects: []Object{
			{yearDir + site.ReportJSON, typeJSON, cacheCurrent, reportJSON},
			{yearDir + site.MetaJSON, typeJSON, cacheCurrent, metaJSON},
			{yearDir + site.Index, typeHTML, cacheCurrent, currentPage.Bytes()},
			{yearDir + site.ReportDocx, filing.ContentType, cacheCurrent, docx},
		},
		URL: site.ReportURL(in.SiteURL, ag.ID, v.Year),
	}
	assets := in.Assets
	if assets == nil {
		assets = render.Assets()
	}
	if err := fs.WalkDir(assets, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(assets, name)
		if err != nil {
			return err
		}
		p.VersionObjects = append(p.VersionObjects, Object{site.AssetsDir + name, contentTypeOf(name), cacheCurrent, body})
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read assets: %w", err)
	}
	p.Comment = p.URL
	if len(corrections) > 0 {
		p.Comment = "更正发布：" + v.CorrectionReason + "；" + p.URL
	}
	return p, nil
}

// correctionsOf lists the earlier published versions of a year that later versions
// replaced, each with the reason its replacement gave.
func correctionsOf(earlier []store.Publication, version int, reason string) []render.Correction {
	slices.SortFunc(earlier, func(a, b store.Publication) int { return a.Version - b.Version })
	out := make([]render.Correction, 0, len(earlier))
	for i, e := range earlier {
		r := reason
		if i+1 < len(earlier) {
			r = earlier[i+1].CorrectionReason
		}
		out = append(out, render.Correction{Version: e.Version, PublishedAt: e.PublishedAt, Reason: r})
	}
	return out
}

func contentTypeOf(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".woff2":
		return "font/woff2"
	}
	return "application/octet-stream"
}
