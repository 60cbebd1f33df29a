package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Approvers away: substitutes (代理), reassignment and escalation. The rules are
// shared/lifecycle's; these are their writes.

func substitutesPK(agency string) string { return "SUBST#" + agency }

// PutSubstitute names (or replaces) an approver's substitute, with its audit line.
func (s *Store) PutSubstitute(ctx context.Context, sub Substitute) error {
	sub.Approver, sub.Substitute = userSK(sub.Approver), userSK(sub.Substitute)
	sub.Updated = s.now()
	m, err := item(substitutesPK(sub.Agency), sub.Approver, sub, time.Time{})
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m}); err != nil {
		return fmt.Errorf("store: put substitute of %s: %w", sub.Approver, err)
	}
	return nil
}

// DeleteSubstitute ends an approver's substitution.
func (s *Store) DeleteSubstitute(ctx context.Context, agency, approver string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(substitutesPK(agency), userSK(approver))})
	if err != nil {
		return fmt.Errorf("store: delete substitute of %s: %w", approver, err)
	}
	return nil
}

// Substitutes are every substitution named in an agency (running, coming or past).
func (s *Store) Substitutes(ctx context.Context, agency string) ([]Substitute, error) {
	var out []Substitute
	err := s.query(ctx, substitutesPK(agency), "", "", func(m map[string]types.AttributeValue) error {
		var sub Substitute
		if err := unmarshal(m, &sub); err != nil {
			return err
		}
		out = append(out, sub)
		return nil
	})
	return out, err
}

// Reassign moves a pending approval to another approver: every live link is marked
// reassigned (it decides nothing from now on) and to's is added, atomically with the
// audit line, and only if nobody decided or reassigned it since a was read.
func (s *Store) Reassign(ctx context.Context, a *Approval, to Recipient, m Reassignment, audit AuditEntry) (*Approval, error) {
	m.At = s.now()
	recipients := make([]Recipient, 0, len(a.Recipients)+1)
	for _, r := range a.Recipients {
		if r.Reassigned == nil {
			moved := m
			r.Reassigned = &moved
		}
		recipients = append(recipients, r)
	}
	to.Email = userSK(to.Email)
	recipients = append(recipients, to)
	list, err := item("", "", struct {
		R []Recipient `dynamodbav:"r"`
	}{recipients}, time.Time{})
	if err != nil {
		return nil, err
	}
	expr := "SET #recipients = :r, #assignment = :next"
	cond := "#state = :pending AND (attribute_not_exists(#assignment) OR #assignment = :asg)"
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: &s.table, Key: key(approvalPK(a.ID), skApproval),
		UpdateExpression: &expr, ConditionExpression: &cond, ExpressionAttributeNames: names(expr, cond),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":r": list["r"], ":next": num(int64(a.Assignment + 1)), ":asg": num(int64(a.Assignment)),
			":pending": str(string(ApprovalPending)),
		},
	}}}
	p, err := s.auditPut(a.Agency, a.Year, audit)
	if err != nil {
		return nil, err
	}
	items = append(items, types.TransactWriteItem{Put: p})
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return nil, fmt.Errorf("store: reassign approval %s: %w", a.ID, conflict(err))
	}
	return s.GetApproval(ctx, a.ID)
}

// Escalate adds the escalation's recipient to a pending approval that was not escalated
// yet, atomically with the audit line, noting the token of the wait it answers. ErrConflict: decided, closed or escalated meanwhile.
func (s *Store) Escalate(ctx context.Context, a *Approval, to Recipient, audit AuditEntry) (*Approval, error) {
	to.Email, to.Escalation = userSK(to.Email), true
	list, err := item("", "", struct {
		R []Recipient `dynamodbav:"r"`
	}{[]Recipient{to}}, time.Time{})
	if err != nil {
		return nil, err
	}
	expr := "SET #recipients = list_append(#recipients, :r), #escalated = :t, #escalated_token = :tok"
	cond := "#state = :pending AND (attribute_not_exists(#escalated) OR #escalated = :f)"
	items := []types.TransactWriteItem{{Update: &types.Update{
		TableName: &s.table, Key: key(approvalPK(a.ID), skApproval),
		UpdateExpression: &expr, ConditionExpression: &cond, ExpressionAttributeNames: names(expr, cond),
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":r": list["r"], ":t": boolean(true), ":f": boolean(false), ":pending": str(string(ApprovalPending)),
			":tok": str(a.TaskToken),
		},
	}}}
	p, err := s.auditPut(a.Agency, a.Year, audit)
	if err != nil {
		return nil, err
	}
	items = append(items, types.TransactWriteItem{Put: p})
	if _, err := s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
		return nil, fmt.Errorf("store: escalate approval %s: %w", a.ID, conflict(err))
	}
	return s.GetApproval(ctx, a.ID)
}

// AddRecipients adds recipients to a pending approval (substitutes whose substitution
// began after it was requested). ErrConflict: decided or closed meanwhile.
func (s *Store) AddRecipients(ctx context.Context, id string, rs []Recipient) (*Approval, error) {
	for i := range rs {
		rs[i].Email = userSK(rs[i].Email)
	}
	list, err := item("", "", struct {
		R []Recipient `dynamodbav:"r"`
	}{rs}, time.Time{})
	if err != nil {
		return nil, err
	}
	return s.updateApproval(ctx, id, "SET #recipients = list_append(#recipients, :r)", "#state = :pending",
		map[string]types.AttributeValue{":r": list["r"], ":pending": str(string(ApprovalPending))})
}

// MarkEscalationNotified notes that an escalation was mailed.
func (s *Store) MarkEscalationNotified(ctx context.Context, id string) error {
	_, err := s.updateApproval(ctx, id, "SET #escalation_notified = :t", "attribute_exists(PK)",
		map[string]types.AttributeValue{":t": boolean(true)})
	return err
}
