package store_test

import (
	"context"
	"testing"

	"nianbao/shared/store"
)

// An imported previous year is its own item beside the reports: listed, read back, in
// its year's audit log, and refused for a year nianbao has a report of.
func TestImported(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	im := store.Imported{Agency: "a", Year: 2024, Document: []byte(`{"format":"gip-2021"}`), Source: "html",
		FileName: "2024年报.html", ImportedBy: "x@a"}
	if err := s.PutImported(ctx, im, "ip"); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetImported(ctx, "a", 2024)
	if err != nil || string(got.Document) != string(im.Document) || got.Source != "html" || got.ImportedAt.IsZero() {
		t.Fatalf("get: %+v %v", got, err)
	}
	if _, err := s.GetImported(ctx, "a", 2023); !store.IsNotFound(err) {
		t.Errorf("a year not imported: %v", err)
	}
	list, err := s.ListImported(ctx, "a")
	if err != nil || len(list) != 1 || list[0].Year != 2024 || list[0].Document != nil {
		t.Errorf("list: %+v %v", list, err)
	}
	if rs, _ := s.ListReports(ctx, "a"); len(rs) != 0 {
		t.Errorf("an import is not a report: %+v", rs)
	}
	tl, _ := s.Timeline(ctx, "a", 2024)
	if len(tl) != 1 || tl[0].Action != store.ActionImported || tl[0].Comment != "2024年报.html" {
		t.Errorf("timeline %+v", tl)
	}
	if _, err := s.SaveDraft(ctx, "a", 2025, []byte(`{}`), 0, "x@a", "ip"); err != nil {
		t.Fatal(err)
	}
	im.Year = 2025
	if err := s.PutImported(ctx, im, "ip"); !store.IsConflict(err) {
		t.Errorf("importing a year nianbao has: %v, want conflict", err)
	}
}
