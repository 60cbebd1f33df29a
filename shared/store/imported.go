package store

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Imported is a report an agency published before it used nianbao, brought in (导入)
// from the page on its portal or its Word file, so that the next year has its 上年结转,
// its 现行有效 baseline and the cross-year and 雷同 checks. It is kept apart from the
// reports nianbao drafts and publishes: its own item (IMPORTED#{year}), never a Report,
// a Version or a Publication, so it is never republished, never in the public index, and
// always shown as 导入（非本系统发布）. A year nianbao has a report of cannot be imported.
type Imported struct {
	Agency string `dynamodbav:"agency"`
	Year   int    `dynamodbav:"year"`
	// Document is the report document read from the file (docs/report-document.md).
	Document []byte `dynamodbav:"document"`
	// Source is what it was read from: "html" (a saved page) or "docx"; FileName the
	// file's name as uploaded.
	Source     string    `dynamodbav:"source"`
	FileName   string    `dynamodbav:"file_name"`
	ImportedBy string    `dynamodbav:"imported_by"`
	ImportedAt time.Time `dynamodbav:"imported_at"`
}

// ActionImported is the audit action of a previous year's report imported, in that
// year's log.
const ActionImported = "imported"

func importedSK(year int) string { return fmt.Sprintf("IMPORTED#%04d", year) }

// PutImported stores (or replaces) an imported report, with a line in its year's audit
// log. A year that has a report in nianbao is ErrConflict.
func (s *Store) PutImported(ctx context.Context, im Imported, ip string) error {
	im.ImportedAt = s.now()
	m, err := item(agencyPK(im.Agency), importedSK(im.Year), im, time.Time{})
	if err != nil {
		return err
	}
	audit, err := s.auditPut(im.Agency, im.Year, AuditEntry{At: im.ImportedAt, Actor: im.ImportedBy, Action: ActionImported,
		Comment: im.FileName, IP: ip})
	if err != nil {
		return err
	}
	_, err = s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: &s.table, Key: key(agencyPK(im.Agency), reportSK(im.Year)),
			ConditionExpression: aws.String("attribute_not_exists(PK)")}},
		{Put: &types.Put{TableName: &s.table, Item: m}},
		{Put: audit},
	}})
	if err != nil {
		return fmt.Errorf("store: import %s/%d: %w", im.Agency, im.Year, conflict(err))
	}
	return nil
}

// GetImported reads an agency's imported report of a year.
func (s *Store) GetImported(ctx context.Context, agency string, year int) (*Imported, error) {
	var im Imported
	if err := s.get(ctx, agencyPK(agency), importedSK(year), &im); err != nil {
		return nil, err
	}
	return &im, nil
}

// ListImported lists an agency's imported reports, oldest year first, without their
// documents.
func (s *Store) ListImported(ctx context.Context, agency string) ([]Imported, error) {
	var out []Imported
	err := s.query(ctx, agencyPK(agency), "IMPORTED#", "#agency, #year, #source, #file_name, #imported_by, #imported_at",
		func(m map[string]types.AttributeValue) error {
			var im Imported
			if err := unmarshal(m, &im); err != nil {
				return err
			}
			out = append(out, im)
			return nil
		})
	return out, err
}
