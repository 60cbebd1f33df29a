package approval

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"nianbao/shared/render"
	"nianbao/shared/site"
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
	// site.Root), e.g. a CloudFront address, or the local stack's /site/.
	SiteURL string
}

// ReportURL is the public address of an agency's report of a year.
func (p *Publisher) ReportURL(agency string, year int) string {
	return site.ReportURL(p.SiteURL, agency, year)
}

func (p *Publisher) put(ctx context.Context, o Object) error {
	_, err := p.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:       &p.Bucket,
		Key:          aws.String(o.Key),
		Body:         bytes.NewReader(o.Body),
		ContentType:  aws.String(o.ContentType),
		CacheControl: aws.String(o.CacheControl),
	})
	if err != nil {
		return &TransientError{Err: fmt.Errorf("put s3://%s/%s: %w", p.Bucket, o.Key, err)}
	}
	return nil
}

func (p *Publisher) putAll(ctx context.Context, objects []Object) error {
	for _, o := range objects {
		if err := p.put(ctx, o); err != nil {
			return err
		}
	}
	return nil
}

// PublishResult is what the Publish step returns: where the report is now, or that it
// was not published because the version left review (withdrawn) before it could be.
type PublishResult struct {
	URL     string `json:"url"`
	Skipped bool   `json:"skipped"`
}

// Publish claims the approved version, then applies its plan (PlanPublication): the
// version's own objects first, then the record of the publication, then the year's
// current page, the index pages and the report's status last — so a failure half-way
// leaves no page pointing at one that does not exist. Publishing the same version again
// writes the same objects (the first publication's date is kept).
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
	claimed, err := s.Life.ClaimPublication(ctx, in)
	if err != nil {
		return PublishResult{}, &TransientError{Err: err}
	}
	if !claimed {
		return PublishResult{Skipped: true}, nil
	}
	pubs, err := s.Store.Publications(ctx, ag.ID)
	if err != nil {
		return PublishResult{}, &TransientError{Err: err}
	}
	// The publication's date is the last level's decision, so that a retried step writes
	// the same objects; once recorded, the record's date.
	at := s.Store.Now()
	if last, err := s.Store.FindApproval(ctx, in.Agency, in.Year, in.Version, store.LevelIndex(len(v.Chain)-1)); err == nil && !last.DecidedAt.IsZero() {
		at = last.DecidedAt
	}
	plan, err := PlanPublication(PlanInput{Agency: ag, Version: v, Doc: doc, DecidedAt: at, Publications: pubs, SiteURL: s.Publisher.SiteURL})
	if err != nil {
		return PublishResult{}, err
	}
	p := s.Publisher
	if err := p.putAll(ctx, plan.VersionObjects); err != nil {
		return PublishResult{}, err
	}
	if err := s.Store.PutPublication(ctx, plan.Publication); err != nil {
		return PublishResult{}, &TransientError{Err: err}
	}
	if err := p.putAll(ctx, plan.CurrentObjects); err != nil {
		return PublishResult{}, err
	}
	first := true // the agency's first publication: no other version of it is recorded
	for _, pub := range pubs {
		if pub.Year != in.Year || pub.Version != in.Version {
			first = false
		}
	}
	if err := s.publishIndexes(ctx, ag, plan.Publication, first); err != nil {
		return PublishResult{}, err
	}
	if err := s.Life.Published(ctx, in, plan.Comment); err != nil {
		return PublishResult{}, &TransientError{Err: err}
	}
	s.log().InfoContext(ctx, "published", "agency", ag.ID, "year", in.Year, "version", in.Version, "url", plan.URL)
	return PublishResult{URL: plan.URL}, nil
}

// publishIndexes rewrites the index pages a publication changes, from the table: the
// agency's own index; its government's index of its units (the government's list holds
// the latest version of each unit's year); and the site index, which lists government
// units and agencies with none, only when the agency publishes for the first time
// (first: no other publication of it was read), or was not yet counted there. No page
// is made from every publication of every agency.
//
// Publications at once (two agencies of a government, or two years of one agency)
// could each render a page before seeing the other's record; so after writing, the
// table is read again and the page rewritten until what was written is what the table
// holds. The last writer therefore always writes a complete page.
func (s *Steps) publishIndexes(ctx context.Context, ag *store.Agency, pub store.Publication, first bool) error {
	p := s.Publisher
	if err := writeUntilStable(ctx, p, site.AgencyIndex(ag.ID), func() ([]store.Publication, error) {
		return s.Store.Publications(ctx, ag.ID)
	}, samePublications, func(w io.Writer, pubs []store.Publication) error {
		return render.AgencyIndex(w, ag.ID, ag.Name, entries(pubs), render.IndexOptions{})
	}); err != nil {
		return err
	}
	// The government pages the publication is on: its government's, and a government
	// unit's own (its own report heads the list of its units). A government unit's own
	// report counts under its own entry in the site index, which stays a government's.
	top := store.SiteEntry{ID: ag.ID, Name: ag.Name, Government: ag.UnitKind() == store.KindGovernment}
	var govs []*store.Agency
	if top.Government {
		govs = append(govs, ag)
	}
	if ag.Parent != "" {
		gov, err := s.Store.GetAgency(ctx, ag.Parent)
		if err != nil {
			return &TransientError{Err: err}
		}
		top = store.SiteEntry{ID: gov.ID, Name: gov.Name, Government: true}
		govs = append(govs, gov)
	}
	for _, gov := range govs {
		if !render.ValidAgencyID(gov.ID) {
			return fmt.Errorf("government id %q cannot be published as a folder", gov.ID)
		}
		if err := s.Store.PutGovernmentEntry(ctx, gov.ID, pub); err != nil {
			return &TransientError{Err: err}
		}
		if err := writeUntilStable(ctx, p, site.GovernmentIndex(gov.ID), func() ([]store.Publication, error) {
			return s.Store.GovernmentEntries(ctx, gov.ID)
		}, samePublications, func(w io.Writer, pubs []store.Publication) error {
			return render.GovernmentIndex(w, gov.ID, gov.Name, entries(pubs), render.IndexOptions{})
		}); err != nil {
			return err
		}
	}
	counted, err := s.Store.CountSiteUnit(ctx, ag.ID, top)
	if err != nil {
		return &TransientError{Err: err}
	}
	if !first && !counted {
		return nil
	}
	return writeUntilStable(ctx, p, site.SiteIndex, func() ([]store.SiteEntry, error) {
		return s.Store.SiteEntries(ctx)
	}, func(a, b []store.SiteEntry) bool {
		return slices.Equal(a, b)
	}, func(w io.Writer, tops []store.SiteEntry) error {
		es := make([]render.TopEntry, 0, len(tops))
		for _, t := range tops {
			es = append(es, render.TopEntry{ID: t.ID, Name: t.Name, Government: t.Government, Units: t.Units})
		}
		return render.TopIndex(w, es, render.IndexOptions{})
	})
}

// writeUntilStable renders an index page from what read gives and writes it, until a
// fresh read finds what it wrote.
func writeUntilStable[T any](ctx context.Context, p *Publisher, key string, read func() ([]T, error), same func(a, b []T) bool, page func(io.Writer, []T) error) error {
	var written []T
	for attempt := 0; attempt < 10; attempt++ {
		items, err := read()
		if err != nil {
			return &TransientError{Err: err}
		}
		if attempt > 0 && same(items, written) {
			return nil
		}
		var buf bytes.Buffer
		if err := page(&buf, items); err != nil {
			return err
		}
		if err := p.put(ctx, Object{Key: key, ContentType: typeHTML, CacheControl: cacheCurrent, Body: buf.Bytes()}); err != nil {
			return err
		}
		written = items
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
