package approval

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"nianbao/shared/filing"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// TestPublishPlan checks, without S3, what publishing each fixture writes: the keys in
// the order written, their types and cache lifetimes, report.json that reads back as the
// document, meta.json that names it by its SHA-256 and lists the version it corrects,
// and the record of the publication.
func TestPublishPlan(t *testing.T) {
	decided := time.Date(2026, 1, 20, 2, 30, 0, 0, time.UTC)
	first := time.Date(2025, 12, 30, 8, 0, 0, 0, time.UTC)
	for _, fixture := range []string{"chaoyang-emergency-2020.json", "sample-2021.json"} {
		t.Run(fixture, func(t *testing.T) {
			raw, err := os.ReadFile("../report/testdata/" + fixture)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := report.DecodeBytes(raw)
			if err != nil {
				t.Fatal(err)
			}
			ag := &store.Agency{ID: "demo", Name: doc.Agency}
			v := &store.Version{Agency: "demo", Year: doc.Year, Number: 3, CorrectionReason: "更正表三的数字"}
			pubs := []store.Publication{
				{AgencyID: "demo", Year: doc.Year, Version: 1, PublishedAt: first},
				{AgencyID: "demo", Year: doc.Year - 1, Version: 2, PublishedAt: first.AddDate(-1, 0, 0)}, // another year: not a correction
			}
			assets := fstest.MapFS{"nianbao.css": {Data: []byte("body{}")}}
			plan, err := PlanPublication(PlanInput{Agency: ag, Version: v, Doc: doc, DecidedAt: decided, Publications: pubs,
				SiteURL: "https://example.gov.cn/", Assets: assets})
			if err != nil {
				t.Fatal(err)
			}
			year := "reports/demo/" + strconv.Itoa(doc.Year) + "/"
			wantKeys := []string{year + "v3/report.json", year + "v3/meta.json", year + "v3/index.html", year + "v3/report.docx", "reports/assets/nianbao.css"}
			if got := keys(plan.VersionObjects); strings.Join(got, " ") != strings.Join(wantKeys, " ") {
				t.Errorf("version objects %v, want %v", got, wantKeys)
			}
			if got := keys(plan.CurrentObjects); strings.Join(got, " ") != year+"report.json "+year+"meta.json "+year+"index.html "+year+"report.docx" {
				t.Errorf("current objects %v", got)
			}
			for _, o := range plan.VersionObjects[:4] {
				if o.CacheControl != cacheImmutable {
					t.Errorf("%s: cache %q", o.Key, o.CacheControl)
				}
			}
			for _, o := range append(plan.CurrentObjects, plan.VersionObjects[4]) {
				if o.CacheControl != cacheCurrent {
					t.Errorf("%s: cache %q", o.Key, o.CacheControl)
				}
			}
			for _, o := range append(plan.VersionObjects, plan.CurrentObjects...) {
				want := map[string]string{".json": typeJSON, ".html": typeHTML, ".css": "text/css; charset=utf-8", ".docx": filing.ContentType}[o.Key[strings.LastIndexByte(o.Key, '.'):]]
				if o.ContentType != want {
					t.Errorf("%s: type %q", o.Key, o.ContentType)
				}
			}
			// report.json is the document; meta.json names it and the version it corrects.
			back, err := report.DecodeBytes(plan.VersionObjects[0].Body)
			if err != nil {
				t.Fatal(err)
			}
			again, _ := render.ReportJSON(back)
			if !bytes.Equal(again, plan.VersionObjects[0].Body) {
				t.Error("report.json does not read back as the same document")
			}
			var meta render.Meta
			if err := json.Unmarshal(plan.VersionObjects[1].Body, &meta); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(plan.VersionObjects[0].Body)
			if meta.SHA256 != hex.EncodeToString(sum[:]) || meta.Version != 3 || !meta.PublishedAt.Equal(decided) ||
				len(meta.Corrections) != 1 || meta.Corrections[0].Version != 1 || meta.Corrections[0].Reason != "更正表三的数字" {
				t.Errorf("meta %+v", meta)
			}
			if !bytes.Equal(plan.CurrentObjects[1].Body, plan.VersionObjects[1].Body) {
				t.Error("the current meta.json is not the version's")
			}
			page := string(plan.VersionObjects[2].Body)
			if !strings.Contains(page, doc.Agency) || !strings.Contains(page, "更正") {
				t.Error("the version page lacks the agency or its correction record")
			}
			// The Word copy beside each page, linked from it, dated like the page's 落款.
			if !strings.Contains(page, `href="report.docx"`) || !strings.Contains(page, render.Date(decided)) {
				t.Error("the version page lacks its Word link or its 落款's date")
			}
			want, err := filing.Report(doc, render.ClosingOf(doc, decided))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(plan.VersionObjects[3].Body, want) || !bytes.Equal(plan.CurrentObjects[3].Body, want) {
				t.Error("report.docx is not the Word copy of the document dated by its publication")
			}
			if p := plan.Publication; p.AgencyID != "demo" || p.Version != 3 || p.Year != doc.Year || p.SHA256 != meta.SHA256 || !p.PublishedAt.Equal(decided) {
				t.Errorf("publication %+v", p)
			}
			if plan.URL != "https://example.gov.cn/"+year || plan.Comment != "更正发布：更正表三的数字；"+plan.URL {
				t.Errorf("url %q comment %q", plan.URL, plan.Comment)
			}

			// Published before (a retried step): the same objects, with the first date.
			pubs = append(pubs, store.Publication{AgencyID: "demo", Year: doc.Year, Version: 3, PublishedAt: decided.Add(-time.Hour)})
			retry, err := PlanPublication(PlanInput{Agency: ag, Version: v, Doc: doc, DecidedAt: decided, Publications: pubs,
				SiteURL: "https://example.gov.cn/", Assets: assets})
			if err != nil {
				t.Fatal(err)
			}
			if !retry.Publication.PublishedAt.Equal(decided.Add(-time.Hour)) {
				t.Errorf("a retry moved the publication date to %v", retry.Publication.PublishedAt)
			}
		})
	}
}

func keys(os []Object) []string {
	var out []string
	for _, o := range os {
		out = append(out, o.Key)
	}
	return out
}
