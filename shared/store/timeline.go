package store

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TimelinePageSize is the most lines one page of a report's timeline holds: what a
// page or an API answer shows, whatever the number of saves, reminders and decisions.
const TimelinePageSize = 100

// ErrBadCursor: a timeline cursor this store did not give.
var ErrBadCursor = errors.New("store: not a timeline cursor")

// TimelinePage is one page of a report's timeline, newest first.
type TimelinePage struct {
	Entries []AuditEntry
	// Cursor[i] is the place of Entries[i] in the timeline: passed as before, it gives
	// the lines older than that one.
	Cursor []string
	// Next is the cursor of the oldest line shown when there are older ones ("" when
	// this page reaches the first line).
	Next string
}

// cursorPattern is a line's sort key after the report's audit prefix: the time, then an
// id (a random one, or save-<hash> for a run of saves).
var cursorPattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z#[0-9a-z-]{1,40}$`)

// ValidCursor says whether s can be a timeline cursor.
func ValidCursor(s string) bool { return cursorPattern.MatchString(s) }

// Timeline pages read the audit log newest first, at most limit+1 items (one more tells
// whether there is an older page), and merge in the runs of saves still in the report
// item, each at its sort key (auditSK). The answer is bounded by limit; the read by
// limit+1 log items and the one report item.
//
// TimelinePage gives the newest limit lines (limit ≤ 0: TimelinePageSize) older than
// the line whose cursor is before ("" for the newest page).
func (s *Store) TimelinePage(ctx context.Context, agency string, year int, before string, limit int) (*TimelinePage, error) {
	if limit <= 0 || limit > TimelinePageSize {
		limit = TimelinePageSize
	}
	if before != "" && !ValidCursor(before) {
		return nil, fmt.Errorf("%w: %q", ErrBadCursor, before)
	}
	prefix := auditPrefix(year)
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :pk AND begins_with(SK, :p)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(agencyPK(agency)), ":p": str(prefix)},
		ScanIndexForward:          aws.Bool(false),
		ConsistentRead:            aws.Bool(true),
		// +2: one more than the page tells whether there is an older one, and a page
		// after a cursor starts at the cursor's own line (BETWEEN includes it).
		Limit: aws.Int32(int32(limit + 2)),
	}
	if before != "" {
		in.KeyConditionExpression = aws.String("PK = :pk AND SK BETWEEN :p AND :before")
		in.ExpressionAttributeValues[":before"] = str(prefix + before)
	}
	type line struct {
		sk string
		e  AuditEntry
	}
	var lines []line
	inLog := map[string]bool{}
	for len(lines) <= limit {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("store: timeline of %s/%d: %w", agency, year, err)
		}
		for _, m := range out.Items {
			sk, _ := m["SK"].(*types.AttributeValueMemberS)
			if sk == nil || (before != "" && sk.Value >= prefix+before) {
				continue
			}
			var e AuditEntry
			if err := unmarshal(m, &e); err != nil {
				return nil, err
			}
			lines = append(lines, line{sk.Value, e})
			inLog[sk.Value] = true
		}
		if len(out.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
	rp, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(agencyPK(agency), reportSK(year)), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("#saves"), ExpressionAttributeNames: names("#saves"),
	})
	if err != nil {
		return nil, fmt.Errorf("store: read the saves of %s/%d: %w", agency, year, err)
	}
	runs, err := unmarshalRuns(rp.Item)
	if err != nil {
		return nil, err
	}
	// A run already moved to the log (a submission that lost its race) is there once.
	// One whose log line was not read is older than limit+1 lines read: cut below.
	for _, r := range runs {
		sk := r.auditSK(year)
		if (before == "" || sk < prefix+before) && !inLog[sk] {
			lines = append(lines, line{sk, r.entry()})
		}
	}
	slices.SortFunc(lines, func(a, b line) int { return strings.Compare(b.sk, a.sk) })
	page := &TimelinePage{Entries: []AuditEntry{}, Cursor: []string{}}
	for i, l := range lines {
		if i == limit {
			page.Next = page.Cursor[i-1]
			break
		}
		page.Entries = append(page.Entries, l.e)
		page.Cursor = append(page.Cursor, strings.TrimPrefix(l.sk, prefix))
	}
	return page, nil
}

// VersionLines are the audit lines of one version, oldest first: its submission, the
// requests, reminders and decisions of its levels, its publication or failure. They
// are read from the version's submission on, where the saves of a later draft are
// still in the report item (a submission moves them into the log only with a newer
// version): what the status page needs of the newest version, without the rest of the
// timeline.
func (s *Store) VersionLines(ctx context.Context, v *Version) ([]AuditEntry, error) {
	prefix := auditPrefix(v.Year)
	in := &dynamodb.QueryInput{
		TableName:                &s.table,
		KeyConditionExpression:   aws.String("PK = :pk AND SK BETWEEN :from AND :to"),
		FilterExpression:         aws.String("#version = :v"),
		ExpressionAttributeNames: names("#version"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":pk": str(agencyPK(v.Agency)), ":v": num(int64(v.Number)),
			":from": str(prefix + v.SubmittedAt.UTC().Format(timeLayout)), ":to": str(prefix + "\uffff"),
		},
		ConsistentRead: aws.Bool(true),
	}
	var out []AuditEntry
	for {
		page, err := s.db.Query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("store: lines of %s/%d v%d: %w", v.Agency, v.Year, v.Number, err)
		}
		for _, m := range page.Items {
			var e AuditEntry
			if err := unmarshal(m, &e); err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		if len(page.LastEvaluatedKey) == 0 {
			return out, nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}
