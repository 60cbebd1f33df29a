package render

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"nianbao/shared/site"
)

// IndexEntry is one published version of one agency's report, as the publish step reads
// it from the store. The index pages are built from a list of these alone.
type IndexEntry struct {
	AgencyID    string // the short id used in paths (reports/{AgencyID}/…); see ValidAgencyID
	Agency      string // the agency's name as printed
	Year        int
	Version     int
	PublishedAt time.Time
}

// ValidAgencyID reports whether id can be a folder name in the published tree and a
// relative link: 1 to 64 ASCII letters, digits, '-', '_' or '.', not starting with '.'.
// Callers validate ids when agencies are created; the index pages refuse others, so a
// bad id cannot turn into a link that leaves the tree or into a URL with a scheme.
func ValidAgencyID(id string) bool {
	if id == "" || len(id) > 64 || id[0] == '.' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// IndexOptions are settings of the index pages.
type IndexOptions struct {
	// SiteTitle heads the site index and its link on every page; default
	// "政府信息公开工作年度报告".
	SiteTitle string
	// AssetBase overrides the relative path to the assets folder, as in PageOptions.
	AssetBase string
}

func (o IndexOptions) siteTitle() string {
	if o.SiteTitle == "" {
		return "政府信息公开工作年度报告"
	}
	return o.SiteTitle
}

type indexPage struct {
	CSP, CSS, Title string
	NoIndex         bool
	Nav             []link
	Years           []yearView
	Agencies        []agencyView
	Tops            []topView
	Units           []unitView
}

type versionView struct {
	Version                 int
	Published, PublishedISO string
	Href                    string
}

type yearView struct {
	Title, Href             string
	Version                 int
	Published, PublishedISO string
	Earlier                 []versionView
}

type agencyView struct {
	Agency, Href, LatestHref string
	Year, Version            int
	Published, PublishedISO  string
}

func assetHref(p Place, base string) string {
	return PageOptions{Place: p, AssetBase: base}.stylesheet()
}

// AgencyIndex writes reports/{agencyID}/index.html: the agency's years, newest first, each
// linking to its current version and to every earlier version. Entries of other agencies
// are ignored; several entries for one year are its versions.
func AgencyIndex(w io.Writer, agencyID, agency string, entries []IndexEntry, opts IndexOptions) error {
	if !ValidAgencyID(agencyID) {
		return fmt.Errorf("render: agency id %q is not a valid folder name", agencyID)
	}
	byYear := map[int][]IndexEntry{}
	for _, e := range entries {
		if e.AgencyID == agencyID {
			byYear[e.Year] = append(byYear[e.Year], e)
		}
	}
	years := make([]int, 0, len(byYear))
	for y := range byYear {
		years = append(years, y)
	}
	slices.Sort(years)
	slices.Reverse(years)

	p := &indexPage{
		CSP: CSP, CSS: assetHref(placeAgency, opts.AssetBase), Title: agency + opts.siteTitle(),
		Nav: []link{{Href: placeAgency.root() + "index.html", Text: opts.siteTitle()}},
	}
	for _, y := range years {
		vs := byYear[y]
		slices.SortFunc(vs, func(a, b IndexEntry) int { return cmp.Compare(b.Version, a.Version) })
		vs = slices.CompactFunc(vs, func(a, b IndexEntry) bool { return a.Version == b.Version })
		dir := strconv.Itoa(y) + "/"
		cur := vs[0]
		// Versions as the public counts them: the first publication is 第1版 (see
		// publicVersions).
		yv := yearView{
			Title: Title(agency, y), Href: dir + "index.html", Version: len(vs),
			Published: Date(cur.PublishedAt), PublishedISO: machineTime(cur.PublishedAt),
		}
		for i, e := range vs[1:] {
			yv.Earlier = append(yv.Earlier, versionView{
				Version: len(vs) - 1 - i, Published: Date(e.PublishedAt), PublishedISO: machineTime(e.PublishedAt),
				Href: dir + VersionDir(e.Version) + "/" + site.Index,
			})
		}
		p.Years = append(p.Years, yv)
	}
	return execute(w, "agency", p)
}

// SiteIndex writes reports/index.html: every agency with its latest year. Agencies are
// ordered by id: ids are usually pinyin, and code-point order of Chinese names means
// nothing to a reader. An agency's name is the one of its latest entry.
func SiteIndex(w io.Writer, entries []IndexEntry, opts IndexOptions) error {
	latest := map[string]IndexEntry{}
	for _, e := range entries {
		if !ValidAgencyID(e.AgencyID) {
			return fmt.Errorf("render: agency id %q is not a valid folder name", e.AgencyID)
		}
		cur, ok := latest[e.AgencyID]
		if !ok || e.Year > cur.Year || (e.Year == cur.Year && e.Version > cur.Version) {
			latest[e.AgencyID] = e
		}
	}
	// The public number of each latest version: how many versions of its year were published.
	published := map[string]map[int]bool{}
	for _, e := range entries {
		if l := latest[e.AgencyID]; e.Year == l.Year {
			if published[e.AgencyID] == nil {
				published[e.AgencyID] = map[int]bool{}
			}
			published[e.AgencyID][e.Version] = true
		}
	}
	p := &indexPage{CSP: CSP, CSS: assetHref(placeSite, opts.AssetBase), Title: opts.siteTitle()}
	for _, e := range latest {
		dir := e.AgencyID + "/"
		p.Agencies = append(p.Agencies, agencyView{
			Agency: e.Agency, Href: "./" + dir + "index.html",
			LatestHref: "./" + dir + strconv.Itoa(e.Year) + "/index.html",
			Year:       e.Year, Version: len(published[e.AgencyID]),
			Published: Date(e.PublishedAt), PublishedISO: machineTime(e.PublishedAt),
		})
	}
	slices.SortFunc(p.Agencies, func(a, b agencyView) int {
		return cmp.Compare(a.Href, b.Href)
	})
	return execute(w, "site", p)
}

// TopEntry is one top unit of the site index: a government unit, whose units' reports
// are on its own index page, or an agency with no government.
type TopEntry struct {
	ID, Name   string
	Government bool
	Units      int // how many of a government's units have published
}

type topView struct {
	Name, Href string
	Units      int
	Government bool
}

type unitView struct {
	Agency, Href string
	Years        []link
}

// TopIndex writes reports/index.html at a province's scale: the government units, each
// linking to its index of its units, and the agencies with no government. It grows with
// the number of governments, not of reports.
func TopIndex(w io.Writer, entries []TopEntry, opts IndexOptions) error {
	p := &indexPage{CSP: CSP, CSS: assetHref(placeSite, opts.AssetBase), Title: opts.siteTitle()}
	for _, e := range entries {
		if !ValidAgencyID(e.ID) {
			return fmt.Errorf("render: agency id %q is not a valid folder name", e.ID)
		}
		v := topView{Name: e.Name, Href: "./" + e.ID + "/index.html", Units: e.Units, Government: e.Government}
		if e.Government {
			v.Href = "./" + e.ID + "/" + site.UnitsDir + site.Index
		}
		p.Tops = append(p.Tops, v)
	}
	slices.SortFunc(p.Tops, func(a, b topView) int { return cmp.Compare(a.Href, b.Href) })
	return execute(w, "top", p)
}

// GovernmentIndex writes reports/{gov}/units/index.html: every unit of a government with
// its published years, newest first, each linking to the year's current version.
func GovernmentIndex(w io.Writer, govID, gov string, entries []IndexEntry, opts IndexOptions) error {
	if !ValidAgencyID(govID) {
		return fmt.Errorf("render: agency id %q is not a valid folder name", govID)
	}
	root := placeUnits.root()
	p := &indexPage{
		CSP: CSP, CSS: assetHref(placeUnits, opts.AssetBase), Title: gov + "所属单位" + opts.siteTitle(),
		Nav: []link{{Href: root + "index.html", Text: opts.siteTitle()}},
	}
	byUnit := map[string]*unitView{}
	years := map[string][]int{}
	var ids []string
	for _, e := range entries {
		if !ValidAgencyID(e.AgencyID) {
			return fmt.Errorf("render: agency id %q is not a valid folder name", e.AgencyID)
		}
		if byUnit[e.AgencyID] == nil {
			byUnit[e.AgencyID] = &unitView{Agency: e.Agency, Href: root + e.AgencyID + "/index.html"}
			ids = append(ids, e.AgencyID)
		}
		years[e.AgencyID] = append(years[e.AgencyID], e.Year)
	}
	slices.SortFunc(ids, func(a, b string) int { // the government's own report first
		if (a == govID) != (b == govID) {
			if a == govID {
				return -1
			}
			return 1
		}
		return cmp.Compare(a, b)
	})
	for _, id := range ids {
		u := byUnit[id]
		ys := slices.Compact(slices.Sorted(slices.Values(years[id])))
		slices.Reverse(ys)
		for _, y := range ys {
			u.Years = append(u.Years, link{Href: root + id + "/" + strconv.Itoa(y) + "/index.html", Text: strconv.Itoa(y) + "年度"})
		}
		p.Units = append(p.Units, *u)
	}
	return execute(w, "units", p)
}
