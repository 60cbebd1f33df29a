package store

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// An autosave is one conditional write of the report item: the draft compressed
// (attrDraftZ; items written before keep the plain attribute "draft", still read), and
// the saves recorded in the item itself as the status page shows them, a run of one
// person's consecutive saves being one line whose time and count the next save of that
// run updates (attrSaves). Submit moves the runs into the audit log. The write costs
// what the item weighs (1 WRU per KB): the sample report's autosave is in README.md.
const (
	attrDraft  = "draft"
	attrDraftZ = "draft_z"
	attrSaves  = "saves"
)

// saveRun is one person's consecutive saves, with nothing else written to the report
// in between.
type saveRun struct {
	Actor string    `dynamodbav:"actor"`
	First time.Time `dynamodbav:"first"`
	Last  time.Time `dynamodbav:"last"`
	Count int       `dynamodbav:"count"`
	IP    string    `dynamodbav:"ip,omitempty"`
}

// entry is the run as the audit log's line.
func (r saveRun) entry() AuditEntry {
	return AuditEntry{At: r.Last, Actor: r.Actor, Action: ActionSave, Count: r.Count, IP: r.IP}
}

// auditSK is where a run goes in the audit log: ordered by its first save (nothing
// else happened until its last), named after it, so that writing it again replaces it.
func (r saveRun) auditSK(year int) string {
	h := sha256.Sum256([]byte(r.Actor))
	return auditPrefix(year) + r.First.UTC().Format(timeLayout) + "#save-" + hex.EncodeToString(h[:4])
}

func compressDraft(doc []byte) ([]byte, error) {
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(doc); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// maxDraft bounds what a stored draft inflates to (the web caps drafts far lower).
const maxDraft = 16 << 20

func decompressDraft(z []byte) ([]byte, error) {
	doc, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(z)), maxDraft+1))
	if err != nil {
		return nil, fmt.Errorf("store: inflate the draft: %w", err)
	}
	if len(doc) > maxDraft {
		return nil, fmt.Errorf("store: the draft inflates past %d bytes", maxDraft)
	}
	return doc, nil
}

func marshalRuns(runs []saveRun) (types.AttributeValue, error) {
	return attributevalue.MarshalWithOptions(runs, func(o *attributevalue.EncoderOptions) { o.EncodeTime = encodeTime })
}

func unmarshalRuns(m map[string]types.AttributeValue) ([]saveRun, error) {
	var runs []saveRun
	if v, ok := m[attrSaves]; ok {
		if err := attributevalue.Unmarshal(v, &runs); err != nil {
			return nil, fmt.Errorf("store: the report's saves: %w", err)
		}
	}
	return runs, nil
}

// record adds one save to the runs: the last run goes on if it is the same person's and
// nothing else has been written to the report since (its updated time is that run's).
func record(runs []saveRun, updated time.Time, actor, ip string, now time.Time) []saveRun {
	if n := len(runs); n > 0 && runs[n-1].Actor == actor && runs[n-1].Last.Equal(updated) {
		runs[n-1].Last, runs[n-1].Count = now, runs[n-1].Count+1
		if ip != "" {
			runs[n-1].IP = ip
		}
		return runs
	}
	return append(runs, saveRun{Actor: actor, First: now, Last: now, Count: 1, IP: ip})
}

// saveDraft is SaveDraft on an existing report: read the runs, write the item once.
func (s *Store) saveDraft(ctx context.Context, agency string, year int, z []byte, expectRev int, actor, ip string, now time.Time) (int, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(agencyPK(agency), reportSK(year)), ConsistentRead: aws.Bool(true),
		ProjectionExpression:     aws.String("#rev, #status, #updated, #saves"),
		ExpressionAttributeNames: names("#rev #status #updated #saves"),
	})
	if err != nil {
		return 0, fmt.Errorf("store: save %s/%d: %w", agency, year, err)
	}
	var cur struct {
		Rev     int       `dynamodbav:"rev"`
		Status  Status    `dynamodbav:"status"`
		Updated time.Time `dynamodbav:"updated"`
	}
	if out.Item == nil {
		return 0, fmt.Errorf("store: save %s/%d at rev %d: %w", agency, year, expectRev, ErrConflict)
	}
	if err := unmarshal(out.Item, &cur); err != nil {
		return 0, err
	}
	if cur.Rev != expectRev || cur.Status == StatusInReview { // the write's condition says so too
		return 0, fmt.Errorf("store: save %s/%d at rev %d (now %d, %s): %w", agency, year, expectRev, cur.Rev, cur.Status, ErrConflict)
	}
	runs, err := unmarshalRuns(out.Item)
	if err != nil {
		return 0, err
	}
	runs = record(runs, cur.Updated, actor, ip, now)
	if len(runs) > maxRuns {
		// Two clerks taking turns add a run per turn until the next submission: the
		// oldest go to the audit log (each at its fixed place: written again, it
		// replaces itself), so that the item, and what each save costs, stays bounded.
		spill := runs[:len(runs)-keptRuns]
		if err := s.putRuns(ctx, agency, year, spill); err != nil {
			return 0, err
		}
		runs = runs[len(runs)-keptRuns:]
	}
	saves, err := marshalRuns(runs)
	if err != nil {
		return 0, err
	}
	newRev := expectRev + 1
	_, err = s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      key(agencyPK(agency), reportSK(year)),
		UpdateExpression:         aws.String("SET #draft_z = :z, #saves = :saves, #rev = :new, #updated = :now, #updated_by = :by REMOVE #draft"),
		ConditionExpression:      aws.String("#rev = :old AND #status <> :review"),
		ExpressionAttributeNames: names("#draft_z #saves #rev #updated #updated_by #draft #status"),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":z": &types.AttributeValueMemberB{Value: z}, ":saves": saves, ":new": num(int64(newRev)), ":old": num(int64(expectRev)),
			":now": str(now.UTC().Format(timeLayout)), ":by": str(actor), ":review": str(string(StatusInReview)),
		},
	})
	if err != nil {
		return 0, fmt.Errorf("store: save %s/%d at rev %d: %w", agency, year, expectRev, conflict(err))
	}
	return newRev, nil
}

// flushSaves writes a report's runs of saves into its audit log, before Submit takes
// them out of the item. Each run has a fixed place there: writing one again (a
// submission that lost its race, then another) replaces it.
func (s *Store) flushSaves(ctx context.Context, agency string, year int) error {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(agencyPK(agency), reportSK(year)), ConsistentRead: aws.Bool(true),
		ProjectionExpression: aws.String("#saves"), ExpressionAttributeNames: names("#saves"),
	})
	if err != nil {
		return fmt.Errorf("store: read the saves of %s/%d: %w", agency, year, err)
	}
	runs, err := unmarshalRuns(out.Item)
	if err != nil {
		return err
	}
	return s.putRuns(ctx, agency, year, runs)
}

// The report item keeps at most maxRuns runs of saves; past that, all but the newest
// keptRuns move to the audit log.
const (
	maxRuns  = 20
	keptRuns = 10
)

// putRuns writes runs of saves into the audit log, each at its fixed place.
func (s *Store) putRuns(ctx context.Context, agency string, year int, runs []saveRun) error {
	for _, r := range runs {
		m, err := item(agencyPK(agency), r.auditSK(year), r.entry(), time.Time{})
		if err != nil {
			return err
		}
		if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m}); err != nil {
			return fmt.Errorf("store: audit the saves of %s/%d: %w", agency, year, err)
		}
	}
	return nil
}

// withRuns merges the runs still in the report item into its audit log (oldest first),
// each where its first save falls; one already moved to the log is not shown twice.
func withRuns(tl []AuditEntry, sks []string, runs []saveRun, year int) []AuditEntry {
	for _, r := range runs {
		if slices.Contains(sks, r.auditSK(year)) {
			continue
		}
		i := len(tl)
		for i > 0 && tl[i-1].At.After(r.First) {
			i--
		}
		tl = slices.Insert(tl, i, r.entry())
		sks = slices.Insert(sks, i, r.auditSK(year))
	}
	return tl
}

// reportDraft gives a report item's draft, compressed or not.
func reportDraft(m map[string]types.AttributeValue) ([]byte, error) {
	if z, ok := m[attrDraftZ].(*types.AttributeValueMemberB); ok {
		return decompressDraft(z.Value)
	}
	if d, ok := m[attrDraft].(*types.AttributeValueMemberB); ok {
		return d.Value, nil
	}
	return nil, nil
}
