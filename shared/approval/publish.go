package approval

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"nianbao/shared/render"
	"nianbao/shared/store"
)

// S3API is the one S3 call publishing needs.
type S3API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// Publisher writes published reports into the site bucket.
type Publisher struct {
	S3     S3API
	Bucket string
	// SiteURL is the public URL of the bucket's root (the published tree is under
	// reports/), e.g. a CloudFront address, or the local stack's /site/.
	SiteURL string
}

// Root of the published tree in the bucket; every link inside it is relative.
const sitePrefix = "reports/"

// Cache lifetimes: a version never changes; the current page and the indexes do.
const (
	cacheImmutable = "public, max-age=31536000, immutable"
	cacheCurrent   = "public, max-age=300"
)

// ReportURL is the public address of an agency's report of a year.
func (p *Publisher) ReportURL(agency string, year int) string {
	return strings.TrimRight(p.SiteURL, "/") + "/" + sitePrefix + agency + "/" + strconv.Itoa(year) + "/"
}

func (p *Publisher) put(ctx context.Context, key, contentType, cache string, body []byte) error {
	_, err := p.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:       &p.Bucket,
		Key:          aws.String(key),
		Body:         bytes.NewReader(body),
		ContentType:  aws.String(contentType),
		CacheControl: aws.String(cache),
	})
	if err != nil {
		return &TransientError{Err: fmt.Errorf("put s3://%s/%s: %w", p.Bucket, key, err)}
	}
	return nil
}

// object is one object to write.
type object struct {
	key, typ, cache string
	body            []byte
}

func (p *Publisher) putAll(ctx context.Context, objects []object) error {
	for _, o := range objects {
		if err := p.put(ctx, o.key, o.typ, o.cache, o.body); err != nil {
			return err
		}
	}
	return nil
}

const (
	typeHTML = "text/html; charset=utf-8"
	typeJSON = "application/json"
)

// PublishResult is what the Publish step returns: where the report is now, or that it
// was not published because the version left review (withdrawn) before it could be.
type PublishResult struct {
	URL     string `json:"url"`
	Skipped bool   `json:"skipped"`
}

// Publish renders the approved version and writes it: the version's own objects first,
// then the year's current page, then the record of the publication, and the index pages
// last — so a failure half-way leaves no index pointing at missing pages. Publishing the
// same version again writes the same objects (the first publication's date is kept).
func (s *Steps) Publish(ctx context.Context, in Input) (PublishResult, error) {
	ag, v, doc, err := s.load(ctx, in)
	if err != nil {
		return PublishResult{}, err
	}
	if !render.ValidAgencyID(ag.ID) {
		return PublishResult{}, fmt.Errorf("agency id %q cannot be published as a folder", ag.ID)
	}
	// From here on the version cannot be withdrawn; if it was withdrawn (or superseded)
	// while the last decision travelled, it is not published.
	if err := s.Store.ClaimPublication(ctx, in.Agency, in.Year, in.Version); err != nil {
		if store.IsConflict(err) {
			s.log().WarnContext(ctx, "not publishing a version that left review", "agency", in.Agency, "year", in.Year, "version", in.Version)
			return PublishResult{Skipped: true}, nil
		}
		return PublishResult{}, &TransientError{Err: err}
	}
	p := s.Publisher
	pubs, err := s.Store.Publications(ctx, ag.ID)
	if err != nil {
		return PublishResult{}, &TransientError{Err: err}
	}
	// The publication's date is the last level's decision, so that a retried step writes
	// the same objects; once recorded, the record's date.
	publishedAt := s.Store.Now()
	if last, err := s.Store.FindApproval(ctx, in.Agency, in.Year, in.Version, len(v.Chain)-1); err == nil && !last.DecidedAt.IsZero() {
		publishedAt = last.DecidedAt
	}
	var earlier []store.Publication
	for _, pub := range pubs {
		switch {
		case pub.Year != in.Year:
		case pub.Version == in.Version:
			publishedAt = pub.PublishedAt
		case pub.Version < in.Version:
			earlier = append(earlier, pub)
		}
	}
	corrections := correctionsOf(earlier, in.Version, v.CorrectionReason)

	reportJSON, err := render.ReportJSON(doc)
	if err != nil {
		return PublishResult{}, err
	}
	meta := render.NewMeta(reportJSON, in.Version, publishedAt, corrections)
	metaJSON, err := meta.JSON()
	if err != nil {
		return PublishResult{}, err
	}
	var versionPage, currentPage bytes.Buffer
	if err := render.Page(&versionPage, doc, &meta, render.PageOptions{Place: render.PlaceVersion}); err != nil {
		return PublishResult{}, err
	}
	if err := render.Page(&currentPage, doc, &meta, render.PageOptions{Place: render.PlaceCurrent}); err != nil {
		return PublishResult{}, err
	}

	yearDir := sitePrefix + ag.ID + "/" + strconv.Itoa(in.Year) + "/"
	versionDir := yearDir + render.VersionDir(in.Version) + "/"
	writes := []object{
		{versionDir + "report.json", typeJSON, cacheImmutable, reportJSON},
		{versionDir + "meta.json", typeJSON, cacheImmutable, metaJSON},
		{versionDir + "index.html", typeHTML, cacheImmutable, versionPage.Bytes()},
	}
	if err := fs.WalkDir(render.Assets(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(render.Assets(), name)
		if err != nil {
			return err
		}
		writes = append(writes, object{sitePrefix + "assets/" + name, contentTypeOf(name), cacheCurrent, body})
		return nil
	}); err != nil {
		return PublishResult{}, fmt.Errorf("read assets: %w", err)
	}
	current := []object{
		{yearDir + "report.json", typeJSON, cacheCurrent, reportJSON},
		{yearDir + "meta.json", typeJSON, cacheCurrent, metaJSON},
		{yearDir + "index.html", typeHTML, cacheCurrent, currentPage.Bytes()},
	}
	// The version's own objects, then the record of the publication, then what points at
	// it (the year's current page, the indexes): a failure half-way never leaves a page
	// pointing at one that does not exist.
	if err := p.putAll(ctx, writes); err != nil {
		return PublishResult{}, err
	}
	if err := s.Store.PutPublication(ctx, store.Publication{
		AgencyID: ag.ID, Agency: ag.Name, Year: in.Year, Version: in.Version,
		PublishedAt: publishedAt, CorrectionReason: v.CorrectionReason, SHA256: meta.SHA256,
	}); err != nil {
		return PublishResult{}, &TransientError{Err: err}
	}
	if err := p.putAll(ctx, current); err != nil {
		return PublishResult{}, err
	}
	if err := s.publishIndexes(ctx, ag); err != nil {
		return PublishResult{}, err
	}
	if err := s.Store.UpdateStatus(ctx, in.Agency, in.Year, in.Version, store.ReportChange{
		Status: store.StatusPublished, Level: -1, PublishedVersion: in.Version,
	}, "system"); err != nil && !store.IsConflict(err) {
		return PublishResult{}, &TransientError{Err: err}
	}
	url := p.ReportURL(ag.ID, in.Year)
	comment := url
	if len(corrections) > 0 {
		comment = "更正发布：" + v.CorrectionReason + "；" + url
	}
	if err := s.Store.Audit(ctx, in.Agency, in.Year, store.AuditEntry{
		Actor: "system", Action: store.ActionPublish, Version: in.Version, Comment: comment,
	}); err != nil {
		return PublishResult{}, &TransientError{Err: err}
	}
	s.log().InfoContext(ctx, "published", "agency", ag.ID, "year", in.Year, "version", in.Version, "url", url)
	return PublishResult{URL: url}, nil
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

// publishIndexes rewrites the agency's index and the site index from the table. Two
// publications at once (two agencies, or two years of one agency) could each render an
// index before seeing the other's record; so after writing, the table is read again and
// the index rewritten until what was written is what the table holds. The last writer
// therefore always writes a complete index.
func (s *Steps) publishIndexes(ctx context.Context, ag *store.Agency) error {
	if err := s.writeUntilStable(ctx, ag.ID, sitePrefix+ag.ID+"/index.html", func(w io.Writer, pubs []store.Publication) error {
		return render.AgencyIndex(w, ag.ID, ag.Name, entries(pubs), render.IndexOptions{})
	}); err != nil {
		return err
	}
	return s.writeUntilStable(ctx, "", sitePrefix+"index.html", func(w io.Writer, pubs []store.Publication) error {
		return render.SiteIndex(w, entries(pubs), render.IndexOptions{})
	})
}

// writeUntilStable renders an index page from the publications of one agency (or all,
// agencyID "") and writes it, until a fresh read of the table finds what it wrote.
func (s *Steps) writeUntilStable(ctx context.Context, agencyID, key string, page func(io.Writer, []store.Publication) error) error {
	var written []store.Publication
	for attempt := 0; attempt < 10; attempt++ {
		pubs, err := s.Store.Publications(ctx, agencyID)
		if err != nil {
			return &TransientError{Err: err}
		}
		if attempt > 0 && samePublications(pubs, written) {
			return nil
		}
		var buf bytes.Buffer
		if err := page(&buf, pubs); err != nil {
			return err
		}
		if err := s.Publisher.put(ctx, key, typeHTML, cacheCurrent, buf.Bytes()); err != nil {
			return err
		}
		written = pubs
	}
	return &TransientError{Err: fmt.Errorf("%s kept changing while being written", key)}
}

func samePublications(a, b []store.Publication) bool {
	return slices.EqualFunc(a, b, func(x, y store.Publication) bool {
		return x.AgencyID == y.AgencyID && x.Year == y.Year && x.Version == y.Version
	})
}

func entries(pubs []store.Publication) []render.IndexEntry {
	out := make([]render.IndexEntry, 0, len(pubs))
	for _, p := range pubs {
		out = append(out, render.IndexEntry{AgencyID: p.AgencyID, Agency: p.Agency, Year: p.Year, Version: p.Version, PublishedAt: p.PublishedAt})
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

// NotifyInput is the input of the Notify step.
type NotifyInput struct {
	State   Input         `json:"state"`
	Publish PublishResult `json:"publish"`
}

// Notify tells the drafter and every approver of the chain where the report now is.
func (s *Steps) Notify(ctx context.Context, in NotifyInput) error {
	if in.Publish.Skipped {
		return nil
	}
	ag, v, _, err := s.load(ctx, in.State)
	if err != nil {
		return err
	}
	to := []string{v.SubmittedBy}
	for _, l := range v.Chain {
		for _, a := range l.Approvers {
			if !slices.Contains(to, a) {
				to = append(to, a)
			}
		}
	}
	return s.Mail.Send(ctx, publishedMessage(ag, v, to, in.Publish.URL))
}

// FailInput is the input of the RecordFailure step: the state, the step that failed and
// the error the state machine caught.
type FailInput struct {
	State Input  `json:"state"`
	Step  string `json:"step"`
	Error struct {
		Error string `json:"Error"`
		Cause string `json:"Cause"`
	} `json:"error"`
}

// RecordFailure marks the report failed (with the step), tells the 办公室 and the
// drafter, and lets the execution fail.
func (s *Steps) RecordFailure(ctx context.Context, in FailInput) error {
	st := in.State
	ag, v, _, err := s.load(ctx, st)
	if err != nil {
		return err
	}
	// The raw cause (Go and SDK text, keys, request ids) goes to the log; people get the
	// step and the error's name, enough for the operator to find the log.
	s.log().ErrorContext(ctx, "workflow step failed", "agency", st.Agency, "year", st.Year, "version", st.Version,
		"step", in.Step, "error", in.Error.Error, "cause", truncate(in.Error.Cause, 2000))
	cause := in.Error.Error
	comment := fmt.Sprintf("「%s」步骤失败（%s），请联系系统管理员。", stepLabel(in.Step), cause)
	// A failed notice after publication leaves the report published: it is public, only
	// the mail did not go out; the 办公室 is told below all the same.
	if in.Step != "Notify" {
		err := s.Store.UpdateStatus(ctx, st.Agency, st.Year, st.Version, store.ReportChange{
			Status: store.StatusFailed, Level: -1, Comment: comment,
		}, "system")
		if err != nil && !store.IsConflict(err) {
			return err
		}
	}
	if err := ClosePending(ctx, s.Store, st.Agency, st.Year, st.Version, len(v.Chain), closedEnded); err != nil {
		return err
	}
	if err := s.Store.Audit(ctx, st.Agency, st.Year, store.AuditEntry{
		Actor: "system", Action: store.ActionFail, Version: st.Version, Comment: comment,
	}); err != nil {
		return err
	}
	to := officeAddress(ag, s.OperatorEmail)
	if !slices.Contains(to, v.SubmittedBy) {
		to = append(to, v.SubmittedBy)
	}
	return s.Mail.Send(ctx, failedMessage(ag, v, to, stepLabel(in.Step), cause, s.reportURL(st)))
}

// stepLabel names a state of the state machine in Chinese.
func stepLabel(step string) string {
	switch step {
	case "Validate":
		return "校验"
	case "RequestApproval":
		return "审批"
	case "Remind":
		return "催办"
	case "Return":
		return "退回"
	case "Publish":
		return "发布"
	case "Notify":
		return "通知"
	}
	return step
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
