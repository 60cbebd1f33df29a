// Package site is the layout of the published tree: the S3 keys Publish writes and the
// public addresses people open. Every key and public URL is built here, so the bucket,
// the links in mail and the pages' own relative links cannot disagree.
//
//	reports/index.html                          the site index
//	reports/{agency}/index.html                 an agency's index
//	reports/{agency}/{year}/index.html          the year's current version (and report.json, meta.json, report.docx)
//	reports/{agency}/{year}/v{n}/index.html     one immutable version (and its report.json, meta.json, report.docx)
//	reports/{gov}/units/index.html              a government unit's index of its units' reports
//	reports/assets/…                            the stylesheet and what it uses
package site

import (
	"strconv"
	"strings"
)

// Root is the folder of the published tree in the bucket.
const Root = "reports/"

// AssetsDir holds the published pages' stylesheet and what it uses.
const AssetsDir = Root + "assets/"

// Index is the page of a folder.
const Index = "index.html"

// The files of a version beside its page.
const (
	ReportJSON = "report.json"
	MetaJSON   = "meta.json"
	// ReportDocx is the report's Word copy (shared/filing), dated by its publication.
	ReportDocx = "report.docx"
)

// SiteIndex is the key of the site index.
const SiteIndex = Root + Index

// AgencyDir is an agency's folder: reports/{agency}/.
func AgencyDir(agency string) string { return Root + agency + "/" }

// AgencyIndex is the key of an agency's index page.
func AgencyIndex(agency string) string { return AgencyDir(agency) + Index }

// GovernmentIndex is the key of a government unit's index of its units' reports (the
// government's own reports are in its agency index, beside).
func GovernmentIndex(gov string) string { return AgencyDir(gov) + UnitsDir + Index }

// UnitsDir is the folder of a government's index of its units, inside its own folder.
const UnitsDir = "units/"

// YearDir is the folder of an agency's report of a year: reports/{agency}/{year}/.
func YearDir(agency string, year int) string { return AgencyDir(agency) + strconv.Itoa(year) + "/" }

// VersionName is the folder of version n inside its year's folder ("v3").
func VersionName(n int) string { return "v" + strconv.Itoa(n) }

// VersionDir is the folder of one version: reports/{agency}/{year}/v{n}/.
func VersionDir(agency string, year, n int) string {
	return YearDir(agency, year) + VersionName(n) + "/"
}

// URL is the public address of a key under the site's root address (a CloudFront
// domain, a bucket website, or the local stack's /site/).
func URL(siteURL, key string) string { return strings.TrimRight(siteURL, "/") + "/" + key }

// ReportURL is the public address of an agency's report of a year.
func ReportURL(siteURL, agency string, year int) string { return URL(siteURL, YearDir(agency, year)) }
