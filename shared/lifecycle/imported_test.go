package lifecycle

import (
	"context"
	"fmt"
	"testing"

	"nianbao/shared/store"
)

// importingStore is a fake store that also keeps imported reports.
type importingStore struct {
	*fakeStore
	imported map[int][]byte
}

func (s importingStore) GetImported(_ context.Context, agency string, year int) (*store.Imported, error) {
	if doc, ok := s.imported[year]; ok {
		return &store.Imported{Agency: agency, Year: year, Document: doc}, nil
	}
	return nil, fmt.Errorf("imported %d: %w", year, store.ErrNotFound)
}

// Without a report of last year in nianbao, the imported one is last year's; a report of
// that year in nianbao, published or not, wins.
func TestPreviousYearImported(t *testing.T) {
	doc := []byte(`{"format":"gip-2021","agency":"示例局","year":2024,"requests":{"carried_forward":{"total":7}}}`)
	f := newFakeStore()
	reports := map[int]*store.Report{}
	f.GetReportFn = func(agency string, year int) (*store.Report, error) {
		if r, ok := reports[year]; ok {
			return r, nil
		}
		return nil, fmt.Errorf("report %d: %w", year, store.ErrNotFound)
	}
	st := importingStore{fakeStore: f, imported: map[int][]byte{2024: doc}}
	ctx := context.Background()
	prev := PreviousYear(ctx, st, "a", 2025)
	if prev == nil || prev.Year != 2024 || prev.Requests.Get("carried_forward", "total").String() != "7" {
		t.Fatalf("previous year = %+v, want the imported 2024 report", prev)
	}
	if PreviousYear(ctx, st, "a", 2024) != nil {
		t.Error("a year with nothing imported has a previous year")
	}
	if PreviousYear(ctx, f, "a", 2025) != nil {
		t.Error("a store without imports found one")
	}
	reports[2024] = &store.Report{Agency: "a", Year: 2024, Status: store.StatusDraft}
	if PreviousYear(ctx, st, "a", 2025) != nil {
		t.Error("an unpublished report of the year in nianbao gave way to the import")
	}
}
