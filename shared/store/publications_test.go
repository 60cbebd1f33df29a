package store_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"nianbao/shared/store"
)

// A government's list keeps each unit's latest version of a year, whatever order the
// publications arrive in; the site counts a unit once, retries included; an agency's
// publications are its own.
func TestPublicationLists(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	at := time.Date(2026, 1, 20, 2, 0, 0, 0, time.UTC)
	for _, p := range []store.Publication{
		{AgencyID: "a", Agency: "甲局", Year: 2025, Version: 2, PublishedAt: at},
		{AgencyID: "a", Agency: "甲局", Year: 2025, Version: 1, PublishedAt: at}, // a retried older step
		{AgencyID: "b", Agency: "乙局", Year: 2025, Version: 1, PublishedAt: at},
		{AgencyID: "a", Agency: "甲局", Year: 2024, Version: 1, PublishedAt: at},
	} {
		if err := s.PutPublication(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := s.PutGovernmentEntry(ctx, "gov", p); err != nil {
			t.Fatal(err)
		}
	}
	es, err := s.GovernmentEntries(ctx, "gov")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.AgencyID+"/"+strconv.Itoa(e.Year)+"/v"+strconv.Itoa(e.Version))
	}
	if want := "a/2024/v1 a/2025/v2 b/2025/v1"; strings.Join(got, " ") != want {
		t.Errorf("government entries %v, want %s", got, want)
	}
	pubs, err := s.Publications(ctx, "a")
	if err != nil || len(pubs) != 3 || pubs[0].Year != 2024 || pubs[2].Version != 2 {
		t.Errorf("a's publications: %+v %v", pubs, err)
	}
	if p, err := s.GetPublication(ctx, "b", 2025, 1); err != nil || p.Agency != "乙局" {
		t.Errorf("b's publication: %+v %v", p, err)
	}

	for i, want := range []bool{true, false} {
		first, err := s.CountSiteUnit(ctx, "a", store.SiteEntry{ID: "gov", Name: "区政府", Government: true})
		if err != nil || first != want {
			t.Errorf("count %d: %v %v", i, first, err)
		}
	}
	if first, _ := s.CountSiteUnit(ctx, "b", store.SiteEntry{ID: "gov", Name: "区政府", Government: true}); !first {
		t.Error("b not counted")
	}
	tops, err := s.SiteEntries(ctx)
	if err != nil || len(tops) != 1 || tops[0].Units != 2 || !tops[0].Government || tops[0].Name != "区政府" {
		t.Errorf("site entries %+v %v", tops, err)
	}
}
