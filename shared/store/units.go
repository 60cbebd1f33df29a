package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The hierarchy of units. Each government unit has a partition listing the units it
// supervises directly (UNITS#{parent}), and each agency a list of its members in its own
// partition (MEMBER#{email}), so that a supervisor's board is one Query per government
// and a reminder finds its addresses without reading every user.
func unitsPK(parent string) string { return "UNITS#" + parent }
func memberSK(email string) string { return "MEMBER#" + userSK(email) }
func urgeSK(year int, day string) string {
	return fmt.Sprintf("URGE#%04d#%s", year, day)
}

// linkUnit keeps the parent's list of units in step with an agency being written: the
// entry under its old parent goes when the parent changes.
func (s *Store) linkUnit(ctx context.Context, a Agency) error {
	old, err := s.GetAgency(ctx, a.ID)
	if err != nil && !IsNotFound(err) {
		return err
	}
	if old != nil && old.Parent != "" && old.Parent != a.Parent {
		if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(unitsPK(old.Parent), a.ID)}); err != nil {
			return fmt.Errorf("store: unlink unit %s from %s: %w", a.ID, old.Parent, err)
		}
	}
	if a.Parent == "" {
		return nil
	}
	m, err := item(unitsPK(a.Parent), a.ID, Unit{ID: a.ID, Name: a.Name, Kind: a.UnitKind(), Parent: a.Parent}, time.Time{})
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m}); err != nil {
		return fmt.Errorf("store: link unit %s to %s: %w", a.ID, a.Parent, err)
	}
	return nil
}

// Units lists the units a government unit supervises directly, by id.
func (s *Store) Units(ctx context.Context, parent string) ([]Unit, error) {
	var out []Unit
	err := s.query(ctx, unitsPK(parent), "", "", func(m map[string]types.AttributeValue) error {
		var u Unit
		if err := unmarshal(m, &u); err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

// linkMember keeps the agencies' lists of members in step with a user being written.
func (s *Store) linkMember(ctx context.Context, u User) error {
	old, err := s.GetUser(ctx, u.Email)
	if err != nil && !IsNotFound(err) {
		return err
	}
	if old != nil && old.Agency != u.Agency {
		if _, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &s.table, Key: key(agencyPK(old.Agency), memberSK(u.Email))}); err != nil {
			return fmt.Errorf("store: unlink member %s from %s: %w", u.Email, old.Agency, err)
		}
	}
	m, err := item(agencyPK(u.Agency), memberSK(u.Email), Member{Email: userSK(u.Email), Roles: u.Roles}, time.Time{})
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &s.table, Item: m}); err != nil {
		return fmt.Errorf("store: link member %s to %s: %w", u.Email, u.Agency, err)
	}
	return nil
}

// Members lists an agency's users.
func (s *Store) Members(ctx context.Context, agency string) ([]Member, error) {
	var out []Member
	err := s.query(ctx, agencyPK(agency), "MEMBER#", "", func(m map[string]types.AttributeValue) error {
		var mb Member
		if err := unmarshal(m, &mb); err != nil {
			return err
		}
		out = append(out, mb)
		return nil
	})
	return out, err
}

// Urge records a supervisor's reminder (催报) of an agency's report of a year on a day
// ("2026-01-20", 北京时间), with its line in the report's record: at most once a day per
// unit; a second on the same day is ErrConflict and records nothing.
func (s *Store) Urge(ctx context.Context, agency string, year int, day string, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.Action = ActionUrge
	m, err := item(agencyPK(agency), urgeSK(year, day), e, e.At.Add(400*24*time.Hour))
	if err != nil {
		return err
	}
	audit, err := s.auditPut(agency, year, e)
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: &s.table, Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: audit},
	}})
	if err != nil {
		return fmt.Errorf("store: urge %s/%d on %s: %w", agency, year, day, conflict(err))
	}
	return nil
}

// LastUrge is the time of the latest 催报 of an agency's report of a year (zero: none).
func (s *Store) LastUrge(ctx context.Context, agency string, year int) (time.Time, error) {
	var last time.Time
	err := s.query(ctx, agencyPK(agency), urgeSK(year, ""), "#at", func(m map[string]types.AttributeValue) error {
		var e AuditEntry
		if err := unmarshal(m, &e); err != nil {
			return err
		}
		if e.At.After(last) {
			last = e.At
		}
		return nil
	})
	return last, err
}

// RequestCorrection records a supervisor's request that a published report be
// corrected, with its line in the record: only while the report has a published
// version (ErrConflict otherwise). It replaces an earlier request.
func (s *Store) RequestCorrection(ctx context.Context, agency string, year int, c CorrectionRequest) error {
	if c.At.IsZero() {
		c.At = s.now()
	}
	cm, err := item("x", "x", struct {
		C CorrectionRequest `dynamodbav:"c"`
	}{c}, time.Time{})
	if err != nil {
		return err
	}
	audit, err := s.auditPut(agency, year, AuditEntry{At: c.At, Actor: c.By, Action: ActionCorrectionRequest, Version: c.Version, Comment: c.Comment})
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{
			TableName:                &s.table,
			Key:                      key(agencyPK(agency), reportSK(year)),
			UpdateExpression:         aws.String("SET #correction_request = :c"),
			ConditionExpression:      aws.String("#published_version = :v"),
			ExpressionAttributeNames: names("#correction_request #published_version"),
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":c": cm["c"], ":v": num(int64(c.Version)),
			},
		}},
		{Put: audit},
	}})
	if err != nil {
		return fmt.Errorf("store: request a correction of %s/%d: %w", agency, year, conflict(err))
	}
	return nil
}
