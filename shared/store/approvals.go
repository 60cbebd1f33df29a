package store

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// CreateApproval records the wait for one level's decision on one version. A Lambda may
// run twice for one state (retries), so the approval is keyed by (report, version,
// level): the second call finds the first one's approval and returns it with
// created=false, and no second email goes out.
func (s *Store) CreateApproval(ctx context.Context, a Approval) (got *Approval, created bool, err error) {
	if a.ID == "" {
		a.ID = RandomID()
	}
	if a.Created.IsZero() {
		a.Created = s.now()
	}
	a.State = ApprovalPending
	am, err := item(approvalPK(a.ID), skApproval, a, a.Expires.Add(retainApprove))
	if err != nil {
		return nil, false, err
	}
	km := key(approvalKeyPK(&a), "KEY")
	km["approval_id"] = str(a.ID)
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: km, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: &s.table, Item: am, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
	}})
	if err == nil {
		return &a, true, nil
	}
	if err = conflict(err); !IsConflict(err) {
		return nil, false, fmt.Errorf("store: create approval: %w", err)
	}
	existing, err := s.FindApproval(ctx, a.Agency, a.Year, a.Version, a.Level)
	if err != nil {
		return nil, false, err
	}
	return existing, false, nil
}

// FindApproval reads the approval of one level of one version.
func (s *Store) FindApproval(ctx context.Context, agency string, year, version int, level LevelIndex) (*Approval, error) {
	var k struct {
		ID string `dynamodbav:"approval_id"`
	}
	probe := Approval{Agency: agency, Year: year, Version: version, Level: level}
	if err := s.get(ctx, approvalKeyPK(&probe), "KEY", &k); err != nil {
		return nil, err
	}
	return s.GetApproval(ctx, k.ID)
}

// GetApproval reads an approval.
func (s *Store) GetApproval(ctx context.Context, id string) (*Approval, error) {
	var a Approval
	if err := s.get(ctx, approvalPK(id), skApproval, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// SetTaskToken records the task token the state machine now waits on for an approval
// (after a reminder the wait starts again with a new token behind the same link).
// It returns the approval as it now stands.
func (s *Store) SetTaskToken(ctx context.Context, id, token string) (*Approval, error) {
	return s.updateApproval(ctx, id, "SET #task_token = :t", "attribute_exists(PK)",
		map[string]types.AttributeValue{":t": str(token)})
}

// CountReminder adds one to an approval's reminders for the wait of token (the one that
// timed out) and returns it; once per wait: ErrConflict when the approval is no longer
// pending or that wait's reminder was counted already.
func (s *Store) CountReminder(ctx context.Context, id, token string) (*Approval, error) {
	return s.updateApproval(ctx, id, "SET #reminders = #reminders + :one, #reminded_token = :tok",
		"#state = :pending AND (attribute_not_exists(#reminded_token) OR #reminded_token <> :tok)",
		map[string]types.AttributeValue{":one": num(1), ":pending": str(string(ApprovalPending)), ":tok": str(token)})
}

// Decision is what an approver decided, with the audit lines that record it.
type Decision struct {
	Decision Verdict
	By       string
	Comment  string
	Attested bool
	Audit    []AuditEntry
	// For is the approver a substitute decided for ("": in their own name).
	For string
}

// Decide records a decision, atomically with its audit lines: pending → decided, only
// once, only before the approval expires, and only while its report is still in review
// at the approval's version (not withdrawn, returned or failed meanwhile). The loser of
// two concurrent decisions, and a decision on a report that has moved on, get
// ErrConflict and change nothing.
func (s *Store) Decide(ctx context.Context, a *Approval, d Decision) (*Approval, error) {
	now := s.now().UTC().Format(timeLayout)
	expr := "SET #state = :decided, #decision = :d, #decided_by = :by, #decided_at = :now, #comment = :c, #attested = :att, #decided_for = :for"
	// Not reassigned since a was read: the link it came through still decides.
	cond := "#state = :pending AND #expires > :now AND (attribute_not_exists(#assignment) OR #assignment = :asg)"
	items := []types.TransactWriteItem{
		{Update: &types.Update{
			TableName: &s.table, Key: key(approvalPK(a.ID), skApproval),
			UpdateExpression: &expr, ConditionExpression: &cond, ExpressionAttributeNames: names(expr, cond),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":decided": str(string(ApprovalDecided)), ":d": str(string(d.Decision)), ":by": str(d.By), ":now": str(now),
				":c": str(d.Comment), ":att": boolean(d.Attested), ":pending": str(string(ApprovalPending)),
				":for": str(d.For), ":asg": num(int64(a.Assignment)),
			},
		}},
		{ConditionCheck: &types.ConditionCheck{
			TableName: &s.table, Key: key(agencyPK(a.Agency), reportSK(a.Year)),
			ConditionExpression:      aws.String("#status = :inreview AND #version = :v"),
			ExpressionAttributeNames: names("#status #version"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":inreview": str(string(StatusInReview)), ":v": num(int64(a.Version)),
			},
		}},
	}
	for _, e := range d.Audit {
		p, err := s.auditPut(a.Agency, a.Year, e)
		if err != nil {
			return nil, err
		}
		items = append(items, types.TransactWriteItem{Put: p})
	}
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return nil, fmt.Errorf("store: decide approval %s: %w", a.ID, conflict(err))
	}
	return s.GetApproval(ctx, a.ID)
}

// MarkDelivered notes that the decision reached the state machine.
func (s *Store) MarkDelivered(ctx context.Context, id string) error {
	_, err := s.updateApproval(ctx, id, "SET #delivered = :t", "#state = :decided",
		map[string]types.AttributeValue{":t": boolean(true), ":decided": str(string(ApprovalDecided))})
	return err
}

// MarkNotified notes that the approvers of an approval were mailed their links.
func (s *Store) MarkNotified(ctx context.Context, id string) error {
	_, err := s.updateApproval(ctx, id, "SET #notified = :t", "attribute_exists(PK)",
		map[string]types.AttributeValue{":t": boolean(true)})
	return err
}

// CloseApproval ends a pending approval without a decision (withdrawn, overdue); its
// links then show what happened instead of the buttons.
func (s *Store) CloseApproval(ctx context.Context, id string, reason ClosedReason) (*Approval, error) {
	return s.updateApproval(ctx, id, "SET #state = :closed, #closed_reason = :r, #decided_at = :now",
		"#state = :pending",
		map[string]types.AttributeValue{
			":closed": str(string(ApprovalClosed)), ":r": str(string(reason)), ":pending": str(string(ApprovalPending)),
			":now": str(s.now().UTC().Format(timeLayout)),
		})
}

func (s *Store) updateApproval(ctx context.Context, id, expr, cond string, vals map[string]types.AttributeValue) (*Approval, error) {
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 &s.table,
		Key:                       key(approvalPK(id), skApproval),
		UpdateExpression:          &expr,
		ConditionExpression:       &cond,
		ExpressionAttributeNames:  names(expr, cond),
		ExpressionAttributeValues: vals,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		return nil, fmt.Errorf("store: update approval %s: %w", id, conflict(err))
	}
	var a Approval
	if err := unmarshal(out.Attributes, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// CreateLogin stores a sign-in link.
func (s *Store) CreateLogin(ctx context.Context, l LoginLink) error {
	m, err := item("LOGIN#"+l.ID, skLogin, l, l.Expires)
	if err != nil {
		return err
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)")})
	if err != nil {
		return fmt.Errorf("store: create login link: %w", conflict(err))
	}
	return nil
}

// GetLogin reads a sign-in link (to show its page; reading uses nothing up).
func (s *Store) GetLogin(ctx context.Context, id string) (*LoginLink, error) {
	var l LoginLink
	if err := s.get(ctx, "LOGIN#"+id, skLogin, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// UseLogin uses a sign-in link up: once, before it expires, with the right secret.
func (s *Store) UseLogin(ctx context.Context, id, secretHash string) (*LoginLink, error) {
	now := s.now().UTC().Format(timeLayout)
	expr, cond := "SET #used = :t", "#used = :f AND #expires > :now AND #secret_hash = :h"
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                &s.table,
		Key:                      key("LOGIN#"+id, skLogin),
		UpdateExpression:         &expr,
		ConditionExpression:      &cond,
		ExpressionAttributeNames: names(expr, cond),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":t": boolean(true), ":f": boolean(false), ":now": str(now), ":h": str(secretHash),
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	if err != nil {
		return nil, fmt.Errorf("store: use login link: %w", conflict(err))
	}
	var l LoginLink
	if err := unmarshal(out.Attributes, &l); err != nil {
		return nil, err
	}
	return &l, nil
}

// CreateSession stores a session.
func (s *Store) CreateSession(ctx context.Context, ss Session) error {
	m, err := item("SESSION#"+ss.IDHash, skSession, ss, ss.Expires)
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m}); err != nil {
		return fmt.Errorf("store: create session: %w", err)
	}
	return nil
}

// GetSession reads a live session; an expired one is ErrNotFound.
func (s *Store) GetSession(ctx context.Context, idHash string) (*Session, error) {
	var ss Session
	if err := s.get(ctx, "SESSION#"+idHash, skSession, &ss); err != nil {
		return nil, err
	}
	if !s.now().Before(ss.Expires) {
		return nil, fmt.Errorf("store: session expired: %w", ErrNotFound)
	}
	return &ss, nil
}

// DeleteSession ends a session (sign out).
func (s *Store) DeleteSession(ctx context.Context, idHash string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key("SESSION#"+idHash, skSession)})
	if err != nil {
		return fmt.Errorf("store: delete session: %w", err)
	}
	return nil
}

// AllowLoginMail counts a sign-in mail to an address and says whether it may go: at most
// max within each window, so that nobody can flood an inbox (and the sender's
// reputation) by asking for links.
func (s *Store) AllowLoginMail(ctx context.Context, email string, max int, window time.Duration) (bool, error) {
	now := s.now()
	k := key("LOGINRATE#"+userSK(email), "RATE")
	cutoff := str(now.Add(-window).UTC().Format(timeLayout))
	// Within the current window: count one more, while under the limit.
	expr, cond := "SET #count = #count + :one", "#window_start > :cutoff AND #count < :max"
	count := func() (bool, error) {
		_, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: &s.table, Key: k, UpdateExpression: &expr, ConditionExpression: &cond,
			ExpressionAttributeNames:  names(expr, cond),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": num(1), ":cutoff": cutoff, ":max": num(int64(max))},
		})
		if err == nil {
			return true, nil
		}
		if err = conflict(err); !IsConflict(err) {
			return false, fmt.Errorf("store: count sign-in mail: %w", err)
		}
		return false, nil
	}
	if ok, err := count(); ok || err != nil {
		return ok, err
	}
	// No window, or an old one: start a new window with this mail.
	m := maps.Clone(k)
	m["window_start"] = str(now.UTC().Format(timeLayout))
	m["count"] = num(1)
	m[attrTTL] = num(now.Add(window).Unix())
	newCond := "attribute_not_exists(PK) OR #window_start <= :cutoff"
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: &s.table, Item: m, ConditionExpression: &newCond,
		ExpressionAttributeNames:  names(newCond),
		ExpressionAttributeValues: map[string]types.AttributeValue{":cutoff": cutoff},
	})
	if err == nil {
		return true, nil
	}
	if err = conflict(err); IsConflict(err) {
		// The window is current: full, or just started by a concurrent request, which
		// this one then counts in.
		return count()
	}
	return false, fmt.Errorf("store: count sign-in mail: %w", err)
}
