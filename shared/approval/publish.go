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
	if err := s.publishIndexes(ctx, ag); err != nil {
		return PublishResult{}, err
	}
	if err := s.Life.Published(ctx, in, plan.Comment); err != nil {
		return PublishResult{}, &TransientError{Err: err}
	}
	s.log().InfoContext(ctx, "published", "agency", ag.ID, "year", in.Year, "version", in.Version, "url", plan.URL)
	return PublishResult{URL: plan.URL}, nil
}

// publishIndexes rewrites the agency's index and the site index from the table. Two
// publications at once (two agencies, or two years of one agency) could each render an
// index before seeing the other's record; so after writing, the table is read again and
// the index rewritten until what was written is what the table holds. The last writer
// therefore always writes a complete index.
func (s *Steps) publishIndexes(ctx context.Context, ag *store.Agency) error {
	if err := s.writeUntilStable(ctx, ag.ID, site.AgencyIndex(ag.ID), func(w io.Writer, pubs []store.Publication) error {
		return render.AgencyIndex(w, ag.ID, ag.Name, entries(pubs), render.IndexOptions{})
	}); err != nil {
		return err
	}
	return s.writeUntilStable(ctx, "", site.SiteIndex, func(w io.Writer, pubs []store.Publication) error {
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
		if err := s.Publisher.put(ctx, Object{Key: key, ContentType: typeHTML, CacheControl: cacheCurrent, Body: buf.Bytes()}); err != nil {
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
