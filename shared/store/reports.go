package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PutAgency creates or replaces an agency (admin import: idempotent).
func (s *Store) PutAgency(ctx context.Context, a Agency) error {
	a.Updated = s.now()
	if err := s.linkUnit(ctx, a); err != nil {
		return err
	}
	m, err := item(agencyPK(a.ID), skAgency, a, time.Time{})
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m}); err != nil {
		return fmt.Errorf("store: put agency %s: %w", a.ID, err)
	}
	return nil
}

// GetAgency reads an agency.
func (s *Store) GetAgency(ctx context.Context, id string) (*Agency, error) {
	var a Agency
	if err := s.get(ctx, agencyPK(id), skAgency, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// PutUser creates or replaces a user.
func (s *Store) PutUser(ctx context.Context, u User) error {
	u.Email = userSK(u.Email)
	if err := s.linkMember(ctx, u); err != nil {
		return err
	}
	m, err := item(pkUsers, u.Email, u, time.Time{})
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m}); err != nil {
		return fmt.Errorf("store: put user %s: %w", u.Email, err)
	}
	return nil
}

// GetUser reads a user by email (case-insensitive).
func (s *Store) GetUser(ctx context.Context, email string) (*User, error) {
	var u User
	if err := s.get(ctx, pkUsers, userSK(email), &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// GetReport reads a report with its draft.
func (s *Store) GetReport(ctx context.Context, agency string, year int) (*Report, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(agencyPK(agency), reportSK(year)), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("store: get report %s/%d: %w", agency, year, err)
	}
	if out.Item == nil {
		return nil, fmt.Errorf("store: report %s/%d: %w", agency, year, ErrNotFound)
	}
	var r Report
	if err := unmarshal(out.Item, &r); err != nil {
		return nil, err
	}
	if r.Draft, err = reportDraft(out.Item); err != nil {
		return nil, fmt.Errorf("store: report %s/%d: %w", agency, year, err)
	}
	return &r, nil
}

// ListReports lists an agency's reports, oldest year first, without their drafts.
func (s *Store) ListReports(ctx context.Context, agency string) ([]Report, error) {
	var out []Report
	err := s.query(ctx, agencyPK(agency), "YEAR#",
		"#agency, #year, #status, #rev, #version, #level, #level_name, #published_version, #updated, #updated_by, #comment",
		func(m map[string]types.AttributeValue) error {
			var r Report
			if err := unmarshal(m, &r); err != nil {
				return err
			}
			out = append(out, r)
			return nil
		})
	return out, err
}

// SaveDraft stores a draft. expectRev is the revision the editor started from (the
// ETag); 0 means no precondition, which only a report's first save may use. The draft
// cannot change while the report is in review (withdraw it first). Returns the new
// revision; a lost race or a report in review is ErrConflict.
//
// A save is one conditional write of the report item, the draft compressed, the save
// recorded in the item (saves.go).
func (s *Store) SaveDraft(ctx context.Context, agency string, year int, doc []byte, expectRev int, actor, ip string) (int, error) {
	now := s.now()
	z, err := compressDraft(doc)
	if err != nil {
		return 0, fmt.Errorf("store: compress the draft of %s/%d: %w", agency, year, err)
	}
	if expectRev != 0 {
		return s.saveDraft(ctx, agency, year, z, expectRev, actor, ip, now)
	}
	r := Report{Agency: agency, Year: year, Status: StatusDraft, Rev: 1, Updated: now, UpdatedBy: actor, Level: -1}
	m, err := item(agencyPK(agency), reportSK(year), r, time.Time{})
	if err != nil {
		return 0, err
	}
	delete(m, attrDraft)
	m[attrDraftZ] = &types.AttributeValueMemberB{Value: z}
	if m[attrSaves], err = marshalRuns(record(nil, time.Time{}, actor, ip, now)); err != nil {
		return 0, err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)"),
	})
	if err != nil {
		return 0, fmt.Errorf("store: first save of %s/%d: %w", agency, year, conflict(err))
	}
	return 1, nil
}

// Submission is what Submit writes: a new immutable version made of the draft at rev.
type Submission struct {
	Version Version
	Rev     int // the draft revision the version was made from
	IP      string
}

// Submit writes version n (= the report's version + 1), and moves the report into review
// at level 0 — atomically, and only if the report still holds the draft revision the
// version was made from and is not already in review. A second submission of the same
// draft loses with ErrConflict, so one version starts one execution.
func (s *Store) Submit(ctx context.Context, sub Submission) error {
	v := sub.Version
	now := s.now()
	if v.SubmittedAt.IsZero() {
		v.SubmittedAt = now
	}
	vm, err := item(agencyPK(v.Agency), versionSK(v.Year, v.Number), v, time.Time{})
	if err != nil {
		return err
	}
	audit, err := s.auditPut(v.Agency, v.Year, AuditEntry{At: now, Actor: v.SubmittedBy, Action: ActionSubmit, Version: v.Number, Comment: v.CorrectionReason, IP: sub.IP})
	if err != nil {
		return err
	}
	levelName := ""
	if len(v.Chain) > 0 {
		levelName = v.Chain[0].Name
	}
	// The saves that made the draft go into the audit log; the transaction takes them
	// out of the report item.
	if err := s.flushSaves(ctx, v.Agency, v.Year); err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: vm, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Update: &types.Update{
			TableName:                &s.table,
			Key:                      key(agencyPK(v.Agency), reportSK(v.Year)),
			UpdateExpression:         aws.String("SET #status = :review, #version = :n, #level = :zero, #level_name = :ln, #execution_arn = :none, #comment = :none, #updated = :now, #updated_by = :by REMOVE #saves"),
			ConditionExpression:      aws.String("#rev = :rev AND #version = :prev AND #status <> :review"),
			ExpressionAttributeNames: names("#status #version #level #level_name #execution_arn #comment #updated #updated_by #rev #saves"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":review": str(string(StatusInReview)), ":n": num(int64(v.Number)), ":prev": num(int64(v.Number - 1)),
				":rev": num(int64(sub.Rev)), ":zero": num(0), ":ln": str(levelName), ":none": str(""),
				":now": str(now.UTC().Format(timeLayout)), ":by": str(v.SubmittedBy),
			},
		}},
		{Put: audit},
	}})
	if err != nil {
		return fmt.Errorf("store: submit %s/%d v%d: %w", v.Agency, v.Year, v.Number, conflict(err))
	}
	return nil
}

// UndoSubmit takes back a submission whose execution could not be started: the version
// is deleted and the report goes back to prev, so nothing is left half-done.
func (s *Store) UndoSubmit(ctx context.Context, agency string, year, version int, prev Status) error {
	// The record is append-only: the submission's line stays, and this one says it was
	// taken back, so the timeline shows no version that never ran.
	undone, err := s.auditPut(agency, year, AuditEntry{At: s.now(), Actor: "system", Action: ActionSubmitUndone, Version: version,
		Comment: "审批流程未能启动，本次提交已撤销，报告仍为草稿。"})
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: undone},
		{Delete: &types.Delete{TableName: &s.table, Key: key(agencyPK(agency), versionSK(year, version))}},
		{Update: &types.Update{
			TableName:                &s.table,
			Key:                      key(agencyPK(agency), reportSK(year)),
			UpdateExpression:         aws.String("SET #status = :prev, #version = :older, #level = :none"),
			ConditionExpression:      aws.String("#version = :n AND #status = :review AND #execution_arn = :empty"),
			ExpressionAttributeNames: names("#status #version #level #execution_arn"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":prev": str(string(prev)), ":older": num(int64(version - 1)), ":none": num(-1),
				":n": num(int64(version)), ":review": str(string(StatusInReview)), ":empty": str(""),
			},
		}},
	}})
	if err != nil {
		return fmt.Errorf("store: undo submit %s/%d v%d: %w", agency, year, version, conflict(err))
	}
	return nil
}

// SetExecution records the execution that walks a version through the chain.
func (s *Store) SetExecution(ctx context.Context, agency string, year, version int, arn string) error {
	return s.updateReport(ctx, agency, year, version, "SET #execution_arn = :arn", map[string]types.AttributeValue{":arn": str(arn)})
}

// ReportChange moves a report's status on behalf of the workflow of one version.
type ReportChange struct {
	Status    Status
	Level     LevelIndex // NoLevel when not in review
	LevelName string
	Comment   string
	// PublishedVersion, when not 0, records the version now public.
	PublishedVersion int
	// FailedStep names the step that failed (StatusFailed).
	FailedStep string
}

// UpdateStatus moves a report in review, but only while version is still the report's
// current version: an execution of an older version (withdrawn, superseded) cannot move
// it (ErrConflict).
func (s *Store) UpdateStatus(ctx context.Context, agency string, year, version int, c ReportChange, by string) error {
	expr := "SET #status = :s, #level = :l, #level_name = :ln, #comment = :c, #failed_step = :fs, #updated = :now, #updated_by = :by"
	vals := map[string]types.AttributeValue{
		":s": str(string(c.Status)), ":l": num(int64(c.Level)), ":ln": str(c.LevelName), ":c": str(c.Comment),
		":fs": str(c.FailedStep), ":now": str(s.now().UTC().Format(timeLayout)), ":by": str(by),
	}
	if c.PublishedVersion != 0 {
		expr += ", #published_version = :pv"
		vals[":pv"] = num(int64(c.PublishedVersion))
	}
	return s.updateReport(ctx, agency, year, version, expr, vals)
}

// updateReport changes a report on behalf of the workflow of one version. Every move the
// workflow makes starts from "in review" of that version; a report withdrawn (back to
// draft) or resubmitted (a newer version) is no longer the workflow's to move.
func (s *Store) updateReport(ctx context.Context, agency string, year, version int, expr string, vals map[string]types.AttributeValue) error {
	vals[":v"] = num(int64(version))
	vals[":inreview"] = str(string(StatusInReview))
	cond := "#version = :v AND #status = :inreview"
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(agencyPK(agency), reportSK(year)),
		UpdateExpression:          &expr,
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  names(expr, cond),
		ExpressionAttributeValues: vals,
	})
	if err != nil {
		return fmt.Errorf("store: update %s/%d v%d: %w", agency, year, version, conflict(err))
	}
	return nil
}

// Withdraw takes a report in review back to draft, for the version given. It returns
// the report as it was, so the caller can stop its execution and close its approval.
func (s *Store) Withdraw(ctx context.Context, agency string, year, version int, actor, ip string) (*Report, error) {
	now := s.now()
	audit, err := s.auditPut(agency, year, AuditEntry{At: now, Actor: actor, Action: ActionWithdraw, Version: version, IP: ip})
	if err != nil {
		return nil, err
	}
	before, err := s.GetReport(ctx, agency, year)
	if err != nil {
		return nil, err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:        &s.table,
			Key:              key(agencyPK(agency), reportSK(year)),
			UpdateExpression: aws.String("SET #status = :draft, #level = :none, #level_name = :empty, #updated = :now, #updated_by = :by"),
			// Not once the Publish step has claimed the version: it is being written out.
			ConditionExpression:      aws.String("#status = :review AND #version = :v AND (attribute_not_exists(#publishing) OR #publishing <> :v)"),
			ExpressionAttributeNames: names("#status #level #level_name #updated #updated_by #version #publishing"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":draft": str(string(StatusDraft)), ":none": num(-1), ":empty": str(""),
				":now": str(now.UTC().Format(timeLayout)), ":by": str(actor),
				":review": str(string(StatusInReview)), ":v": num(int64(version)),
			},
		}},
		{Put: audit},
	}})
	if err != nil {
		return nil, fmt.Errorf("store: withdraw %s/%d: %w", agency, year, conflict(err))
	}
	return before, nil
}

// ClaimPublication marks a version as being published, so that it can no longer be
// withdrawn: only while the report is in review at that version — or for a retry, when
// the version is already claimed or published. ErrConflict: the version was withdrawn or
// superseded, and must not be published.
func (s *Store) ClaimPublication(ctx context.Context, agency string, year, version int) error {
	expr := "SET #publishing = :v"
	cond := "#version = :v AND (#status = :inreview OR #published_version = :v)"
	_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &s.table, Key: key(agencyPK(agency), reportSK(year)),
		UpdateExpression: &expr, ConditionExpression: &cond, ExpressionAttributeNames: names(expr, cond),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":v": num(int64(version)), ":inreview": str(string(StatusInReview)),
		},
	})
	if err != nil {
		return fmt.Errorf("store: claim publication of %s/%d v%d: %w", agency, year, version, conflict(err))
	}
	return nil
}

// GetVersion reads a submitted version.
func (s *Store) GetVersion(ctx context.Context, agency string, year, n int) (*Version, error) {
	var v Version
	if err := s.get(ctx, agencyPK(agency), versionSK(year, n), &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// VersionInfo is a version without its document, for lists.
type VersionInfo struct {
	Number           int       `dynamodbav:"number" json:"number"`
	SubmittedBy      string    `dynamodbav:"submitted_by" json:"submitted_by"`
	SubmittedAt      time.Time `dynamodbav:"submitted_at" json:"submitted_at"`
	CorrectionReason string    `dynamodbav:"correction_reason" json:"correction_reason,omitempty"`
}

// ListVersions lists a report's submitted versions, oldest first.
func (s *Store) ListVersions(ctx context.Context, agency string, year int) ([]VersionInfo, error) {
	var out []VersionInfo
	err := s.query(ctx, agencyPK(agency), versionPrefix(year), "#number, #submitted_by, #submitted_at, #correction_reason",
		func(m map[string]types.AttributeValue) error {
			var v VersionInfo
			if err := unmarshal(m, &v); err != nil {
				return err
			}
			out = append(out, v)
			return nil
		})
	return out, err
}

// IsNotFound reports whether err is (or wraps) ErrNotFound.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsConflict reports whether err is (or wraps) ErrConflict.
func IsConflict(err error) bool { return errors.Is(err, ErrConflict) }
