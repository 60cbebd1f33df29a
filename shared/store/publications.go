package store

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Publications, at a province's scale. Each agency's published versions are in its own
// partition (PUB#{year}#{version}); each government unit keeps the latest version of
// each of its units' years (GOVINDEX#{gov}), which its index page is made of; the site
// index lists the top units — governments, and agencies with no government — with how
// many units of each have published (SITEINDEX). A publish reads and writes its agency's
// items, its government's list and, on a unit's first publication, the site's list:
// never every publication of every agency, and no key every publish writes.
//
// Publications written before this layout (one PUBLICATIONS partition) are still read
// for their agency.

func pubSK(year, version int) string { return fmt.Sprintf("PUB#%04d#%04d", year, version) }
func govIndexPK(gov string) string   { return "GOVINDEX#" + gov }
func govEntrySK(agency string, year int) string {
	return fmt.Sprintf("%s#%04d", agency, year)
}

const pkSiteIndex = "SITEINDEX"

// PutPublication records a published version (idempotent: the same version twice is
// the same item).
func (s *Store) PutPublication(ctx context.Context, p Publication) error {
	m, err := item(agencyPK(p.AgencyID), pubSK(p.Year, p.Version), p, time.Time{})
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m}); err != nil {
		return fmt.Errorf("store: put publication %s/%d v%d: %w", p.AgencyID, p.Year, p.Version, err)
	}
	return nil
}

// GetPublication reads one published version.
func (s *Store) GetPublication(ctx context.Context, agencyID string, year, version int) (*Publication, error) {
	var p Publication
	err := s.get(ctx, agencyPK(agencyID), pubSK(year, version), &p)
	if IsNotFound(err) { // recorded before the per-agency layout
		err = s.get(ctx, pkPublished, publicationSK(&Publication{AgencyID: agencyID, Year: year, Version: version}), &p)
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Publications lists an agency's published versions, ordered by year and version.
func (s *Store) Publications(ctx context.Context, agencyID string) ([]Publication, error) {
	if agencyID == "" {
		return nil, fmt.Errorf("store: publications of every agency are no longer listed in one place")
	}
	var out []Publication
	each := func(m map[string]types.AttributeValue) error {
		var p Publication
		if err := unmarshal(m, &p); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	}
	if err := s.query(ctx, agencyPK(agencyID), "PUB#", "", each); err != nil {
		return nil, err
	}
	n := len(out)
	if err := s.query(ctx, pkPublished, agencyID+"#", "", each); err != nil {
		return nil, err
	}
	if len(out) > n { // legacy records: merge, one per version
		slices.SortFunc(out, func(a, b Publication) int {
			if a.Year != b.Year {
				return a.Year - b.Year
			}
			return a.Version - b.Version
		})
		out = slices.CompactFunc(out, func(a, b Publication) bool { return a.Year == b.Year && a.Version == b.Version })
	}
	return out, nil
}

// PutGovernmentEntry records a unit's published version in its government's list: the
// latest version of each year; an older version (a retried step) does not replace a
// newer one.
func (s *Store) PutGovernmentEntry(ctx context.Context, gov string, p Publication) error {
	m, err := item(govIndexPK(gov), govEntrySK(p.AgencyID, p.Year), p, time.Time{})
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: m,
		ConditionExpression:       aws.String("attribute_not_exists(PK) OR #version <= :v"),
		ExpressionAttributeNames:  names("#version"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": num(int64(p.Version))},
	})
	if err != nil && !IsConflict(conflict(err)) {
		return fmt.Errorf("store: put %s's entry of %s/%d: %w", gov, p.AgencyID, p.Year, err)
	}
	return nil
}

// GovernmentEntries lists the latest published version of every year of every unit of a
// government, ordered by unit and year.
func (s *Store) GovernmentEntries(ctx context.Context, gov string) ([]Publication, error) {
	var out []Publication
	err := s.query(ctx, govIndexPK(gov), "", "", func(m map[string]types.AttributeValue) error {
		var p Publication
		if err := unmarshal(m, &p); err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// SiteEntry is one top unit of the site index: a government unit (its units' reports on
// its own page), or an agency with no government.
type SiteEntry struct {
	ID         string `dynamodbav:"id"`
	Name       string `dynamodbav:"name"`
	Government bool   `dynamodbav:"government"`
	// Units counts the units that have published (a government), 1 for an agency.
	Units int `dynamodbav:"units"`
}

// CountSiteUnit records an agency's first publication under a top unit of the site
// index: the entry is created, or its count of units goes up by one — once per agency,
// whatever the retries (a marker in the agency's partition, written in the same
// transaction). first is false when the agency was counted before.
func (s *Store) CountSiteUnit(ctx context.Context, agency string, e SiteEntry) (first bool, err error) {
	expr := "SET #id = :id, #name = :name, #government = :gov ADD #units :one"
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: map[string]types.AttributeValue{"PK": str(agencyPK(agency)), "SK": str(skSiteCounted), "top": str(e.ID)},
			ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Update: &types.Update{
			TableName: &s.table, Key: key(pkSiteIndex, e.ID), UpdateExpression: &expr,
			ExpressionAttributeNames: names(expr),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":id": str(e.ID), ":name": str(e.Name), ":gov": boolean(e.Government), ":one": num(1),
			},
		}},
	}})
	if err = conflict(err); IsConflict(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("store: count %s under %s: %w", agency, e.ID, err)
	}
	return true, nil
}

const skSiteCounted = "SITECOUNTED"

// SiteEntries lists the top units of the site index, by id.
func (s *Store) SiteEntries(ctx context.Context) ([]SiteEntry, error) {
	var out []SiteEntry
	err := s.query(ctx, pkSiteIndex, "", "", func(m map[string]types.AttributeValue) error {
		var e SiteEntry
		if err := unmarshal(m, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	return out, err
}
