package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB names the few SDK methods the store uses; *dynamodb.Client satisfies it.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, opts ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

// ErrNotFound: no such item.
var ErrNotFound = errors.New("not found")

// ErrConflict: a conditional write lost (stale save, second decision, state changed).
var ErrConflict = errors.New("conflict")

// Store reads and writes nianbao's state in one table.
type Store struct {
	db    DynamoDB
	table string
	now   func() time.Time
}

// New makes a store on a table.
func New(db DynamoDB, table string) *Store {
	return &Store{db: db, table: table, now: time.Now}
}

// WithClock replaces the clock, for tests that move time.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now() }

// Keys. One partition per agency holds its profile, its reports, their versions and the
// audit log, so a report's history is one Query.
func agencyPK(id string) string     { return "AGENCY#" + id }
func reportSK(year int) string      { return fmt.Sprintf("YEAR#%04d", year) }
func versionSK(year, n int) string  { return fmt.Sprintf("VERSION#%04d#%04d", year, n) }
func versionPrefix(year int) string { return fmt.Sprintf("VERSION#%04d#", year) }
func auditPrefix(year int) string   { return fmt.Sprintf("AUDIT#%04d#", year) }
func approvalPK(id string) string   { return "APPROVAL#" + id }
func approvalKeyPK(a *Approval) string {
	return fmt.Sprintf("APPROVALKEY#%s#%04d#%d#%d", a.Agency, a.Year, a.Version, a.Level)
}
func userSK(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
func publicationSK(p *Publication) string {
	return fmt.Sprintf("%s#%04d#%04d", p.AgencyID, p.Year, p.Version)
}

const (
	skAgency      = "AGENCY"
	pkUsers       = "USER"
	pkPublished   = "PUBLICATIONS"
	skApproval    = "APPROVAL"
	skLogin       = "LOGIN"
	skSession     = "SESSION"
	attrTTL       = "expires_ttl" // DynamoDB TTL: cleans up, late; expiry is checked in code
	retainApprove = 400 * 24 * time.Hour
)

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"PK": str(pk), "SK": str(sk)}
}

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}
func boolean(b bool) types.AttributeValue {
	return &types.AttributeValueMemberBOOL{Value: b}
}

// item marshals v and adds its keys (and a TTL when expires is set).
func item(pk, sk string, v any, expires time.Time) (map[string]types.AttributeValue, error) {
	m, err := attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) {
		o.EncodeTime = encodeTime
	})
	if err != nil {
		return nil, fmt.Errorf("store: marshal %s/%s: %w", pk, sk, err)
	}
	m["PK"], m["SK"] = str(pk), str(sk)
	if !expires.IsZero() {
		m[attrTTL] = num(expires.Unix())
	}
	return m, nil
}

// Times are stored in UTC as RFC 3339 with a fixed nine-digit fraction, so that string
// comparison in condition expressions ("expires > :now") orders them correctly.
const timeLayout = "2006-01-02T15:04:05.000000000Z"

func encodeTime(t time.Time) (types.AttributeValue, error) {
	return str(t.UTC().Format(timeLayout)), nil
}

func unmarshal(m map[string]types.AttributeValue, v any) error {
	if err := attributevalue.UnmarshalMap(m, v); err != nil {
		return fmt.Errorf("store: unmarshal %v: %w", m["PK"], err)
	}
	return nil
}

// conflict turns a lost conditional write into ErrConflict, keeping the SDK error.
func conflict(err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, r := range tce.CancellationReasons {
			if aws.ToString(r.Code) == "ConditionalCheckFailed" {
				return fmt.Errorf("%w: %w", ErrConflict, err)
			}
		}
	}
	return err
}

func (s *Store) get(ctx context.Context, pk, sk string, v any) error {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: &s.table, Key: key(pk, sk), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return fmt.Errorf("store: get %s/%s: %w", pk, sk, err)
	}
	if out.Item == nil {
		return fmt.Errorf("store: %s/%s: %w", pk, sk, ErrNotFound)
	}
	return unmarshal(out.Item, v)
}

// query reads every item of a partition whose sort key starts with prefix, in order.
func (s *Store) query(ctx context.Context, pk, prefix string, projection string, each func(map[string]types.AttributeValue) error) error {
	in := &dynamodb.QueryInput{
		TableName:                 &s.table,
		KeyConditionExpression:    aws.String("PK = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pk)},
		ConsistentRead:            aws.Bool(true),
	}
	if prefix != "" { // DynamoDB refuses begins_with an empty string
		in.KeyConditionExpression = aws.String("PK = :pk AND begins_with(SK, :p)")
		in.ExpressionAttributeValues[":p"] = str(prefix)
	}
	if projection != "" {
		in.ProjectionExpression = &projection
		in.ExpressionAttributeNames = names(projection)
	}
	for {
		out, err := s.db.Query(ctx, in)
		if err != nil {
			return fmt.Errorf("store: query %s %s*: %w", pk, prefix, err)
		}
		for _, it := range out.Items {
			if err := each(it); err != nil {
				return err
			}
		}
		if len(out.LastEvaluatedKey) == 0 {
			return nil
		}
		in.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

// names maps every "#name" placeholder in expressions to the attribute "name". All
// attribute names in this package's expressions are written as placeholders, so none can
// collide with DynamoDB's long list of reserved words (status, year, level, comment …).
func names(exprs ...string) map[string]string {
	out := map[string]string{}
	for _, e := range exprs {
		for _, m := range placeholder.FindAllString(e, -1) {
			out[m] = m[1:]
		}
	}
	return out
}

var placeholder = regexp.MustCompile(`#[a-z_]+`)

// RandomID is an unguessable identifier (128 bits, hex).
func RandomID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("store: crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	return hex.EncodeToString(b[:])
}

// auditPut is the Put of one audit entry, for use inside a transaction.
func (s *Store) auditPut(agency string, year int, e AuditEntry) (*types.Put, error) {
	if e.At.IsZero() {
		e.At = s.now()
	}
	sk := auditPrefix(year) + e.At.UTC().Format(timeLayout) + "#" + RandomID()[:8]
	m, err := item(agencyPK(agency), sk, e, time.Time{})
	if err != nil {
		return nil, err
	}
	return &types.Put{TableName: &s.table, Item: m, ConditionExpression: aws.String("attribute_not_exists(PK)")}, nil
}

// Audit appends an entry to a report's audit log.
func (s *Store) Audit(ctx context.Context, agency string, year int, e AuditEntry) error {
	p, err := s.auditPut(agency, year, e)
	if err != nil {
		return err
	}
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: p.TableName, Item: p.Item}); err != nil {
		return fmt.Errorf("store: audit %s/%d %s: %w", agency, year, e.Action, err)
	}
	return nil
}

// Timeline is a report's audit log, oldest first. One person's consecutive saves are
// one line (Count saves, At the last), whether still in the report item or moved to the
// log by a submission. It reads the whole log, however long: an answer to a request
// reads a page (TimelinePage) or a version's lines (VersionLines).
func (s *Store) Timeline(ctx context.Context, agency string, year int) ([]AuditEntry, error) {
	var out []AuditEntry
	var sks []string
	err := s.query(ctx, agencyPK(agency), auditPrefix(year), "", func(m map[string]types.AttributeValue) error {
		var e AuditEntry
		if err := unmarshal(m, &e); err != nil {
			return err
		}
		out = append(out, e)
		sk, _ := m["SK"].(*types.AttributeValueMemberS)
		if sk != nil {
			sks = append(sks, sk.Value)
		} else {
			sks = append(sks, "")
		}
		return nil
	})
	if err != nil {
		return nil, err
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
	return withRuns(out, sks, runs, year), nil
}
