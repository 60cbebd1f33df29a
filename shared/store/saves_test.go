package store_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"nianbao/shared/store"
)

// meter is the stack's DynamoDB client asking for, and keeping, the write capacity
// each write consumed.
type meter struct {
	*dynamodb.Client
	writes []float64
}

func (m *meter) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.Client.PutItem(ctx, in, opts...)
	if err == nil {
		m.writes = append(m.writes, units(out.ConsumedCapacity))
	}
	return out, err
}

func (m *meter) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.Client.UpdateItem(ctx, in, opts...)
	if err == nil {
		m.writes = append(m.writes, units(out.ConsumedCapacity))
	}
	return out, err
}

func (m *meter) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opts ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityTotal
	out, err := m.Client.TransactWriteItems(ctx, in, opts...)
	if err == nil {
		var n float64
		for _, c := range out.ConsumedCapacity {
			n += units(&c)
		}
		m.writes = append(m.writes, n)
	}
	return out, err
}

func units(c *types.ConsumedCapacity) float64 {
	if c == nil {
		return -1 // not reported
	}
	return aws.ToFloat64(c.CapacityUnits)
}

// itemSize is an item's size as DynamoDB counts it for capacity
// (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html):
// names and strings in UTF-8 bytes, binaries in bytes, a number about one byte per two
// significant digits plus one, a list or map 3 bytes plus 1 per element plus its
// elements.
func itemSize(m map[string]types.AttributeValue) int {
	n := 0
	for k, v := range m {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		digits := strings.TrimLeft(strings.NewReplacer("-", "", ".", "").Replace(v.Value), "0")
		return (len(digits)+1)/2 + 1
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberL:
		n := 3
		for _, e := range v.Value {
			n += 1 + valueSize(e)
		}
		return n
	case *types.AttributeValueMemberM:
		n := 3
		for k, e := range v.Value {
			n += 1 + len(k) + valueSize(e)
		}
		return n
	}
	return 0
}

// writeUnits is what a write of an item of that size costs: 1 WRU per KB, rounded up
// (an update is charged the larger of the item before and after).
func writeUnits(size int) int { return int(math.Ceil(float64(size) / 1024)) }

func reportItem(t testing.TB, table string) map[string]types.AttributeValue {
	t.Helper()
	out, err := st.DynamoDB.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: &table, ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			"PK": &types.AttributeValueMemberS{Value: "AGENCY#a"}, "SK": &types.AttributeValueMemberS{Value: "YEAR#2025"}}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func meteredStore(t testing.TB) (*store.Store, *meter, string) {
	t.Helper()
	table, err := st.Ref("Table")
	if err != nil {
		t.Fatal(err)
	}
	m := &meter{Client: st.DynamoDB}
	return store.New(m, table), m, table
}

func sampleReport(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "report", "testdata", "sample-2021.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A save is one write of the report item, with the draft compressed.
func TestSaveIsOneWriteOfACompressedDraft(t *testing.T) {
	st.ResetT(t)
	s, m, table := meteredStore(t)
	ctx := context.Background()
	doc := sampleReport(t)
	if _, err := s.SaveDraft(ctx, "a", 2025, doc, 0, "x@a", "ip"); err != nil {
		t.Fatal(err)
	}
	for rev := 1; rev <= 3; rev++ {
		before := itemSize(reportItem(t, table))
		m.writes = nil
		if _, err := s.SaveDraft(ctx, "a", 2025, doc, rev, "x@a", "ip"); err != nil {
			t.Fatal(err)
		}
		if len(m.writes) != 1 {
			t.Fatalf("save on rev %d: %d writes, want 1", rev, len(m.writes))
		}
		after := itemSize(reportItem(t, table))
		// moto answers ConsumedCapacity with a constant per operation (0.5 for
		// UpdateItem), so the figure is DynamoDB's rule applied to the item.
		wru := writeUnits(max(before, after))
		t.Logf("autosave of the sample report (%d bytes of JSON): item %d → %d bytes, %d WRU (moto says %v)", len(doc), before, after, wru, m.writes[0])
		if wru > 3 {
			t.Errorf("autosave: %d WRU, want at most 3", wru)
		}
	}
	raw := reportItem(t, table)
	z, ok := raw["draft_z"].(*types.AttributeValueMemberB)
	if _, plain := raw["draft"]; plain || !ok || len(z.Value) >= len(doc)/2 {
		t.Errorf("stored draft: plain %v, compressed %v (%d bytes for %d)", plain, ok, len(z.Value), len(doc))
	}
	r, err := s.GetReport(ctx, "a", 2025)
	if err != nil || string(r.Draft) != string(doc) {
		t.Errorf("the draft read back differs (%v)", err)
	}
}

// A report written before drafts were compressed (the plain "draft" attribute) reads
// as before, and its next save compresses it.
func TestUncompressedDraftStillReads(t *testing.T) {
	st.ResetT(t)
	s, _, table := meteredStore(t)
	ctx := context.Background()
	_, err := st.DynamoDB.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: map[string]types.AttributeValue{
		"PK": &types.AttributeValueMemberS{Value: "AGENCY#a"}, "SK": &types.AttributeValueMemberS{Value: "YEAR#2025"},
		"agency": &types.AttributeValueMemberS{Value: "a"}, "year": &types.AttributeValueMemberN{Value: "2025"},
		"status": &types.AttributeValueMemberS{Value: "draft"}, "rev": &types.AttributeValueMemberN{Value: "4"},
		"draft":   &types.AttributeValueMemberB{Value: []byte(`{"old":true}`)},
		"level":   &types.AttributeValueMemberN{Value: "-1"},
		"updated": &types.AttributeValueMemberS{Value: "2025-01-02T03:04:05.000000000Z"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.GetReport(ctx, "a", 2025)
	if err != nil || string(r.Draft) != `{"old":true}` || r.Rev != 4 {
		t.Fatalf("old item: %+v %v", r, err)
	}
	if _, err := s.SaveDraft(ctx, "a", 2025, []byte(`{"new":true}`), 4, "x@a", "ip"); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.GetReport(ctx, "a", 2025); string(r.Draft) != `{"new":true}` || r.Rev != 5 {
		t.Errorf("after a save: %s rev %d", r.Draft, r.Rev)
	}
}

// One person's consecutive saves are one line of the timeline, its time the last save's;
// another person's save, or anything else written to the report, starts a new line; a
// submission moves the lines into the audit log unchanged.
func TestConsecutiveSavesAreOneLine(t *testing.T) {
	st.ResetT(t)
	s, _, _ := meteredStore(t)
	ctx := context.Background()
	rev := 0
	save := func(who string) {
		t.Helper()
		var err error
		if rev, err = s.SaveDraft(ctx, "a", 2025, []byte(`{}`), rev, who, "ip"); err != nil {
			t.Fatal(err)
		}
	}
	save("x@a")
	save("x@a")
	save("x@a")
	save("y@a")
	save("x@a")
	save("x@a")
	sub := store.Submission{Rev: rev, Version: store.Version{Agency: "a", Year: 2025, Number: 1, Document: []byte(`{}`), SubmittedBy: "x@a",
		Chain: []store.Level{{Name: "局长", Approvers: []string{"d@a"}}}}}
	type line struct {
		actor, action string
		count         int
	}
	lines := func() []line {
		t.Helper()
		tl, err := s.Timeline(ctx, "a", 2025)
		if err != nil {
			t.Fatal(err)
		}
		var out []line
		for i, e := range tl {
			out = append(out, line{e.Actor, e.Action, e.Count})
			if i > 0 && e.At.Before(tl[i-1].At) {
				t.Errorf("line %d (%s) before line %d", i, e.Action, i-1)
			}
		}
		return out
	}
	want := []line{{"x@a", "save", 3}, {"y@a", "save", 1}, {"x@a", "save", 2}}
	if got := lines(); !equal(got, want) {
		t.Errorf("before submitting: %v, want %v", got, want)
	}
	last, _ := s.Timeline(ctx, "a", 2025)
	if r, _ := s.GetReport(ctx, "a", 2025); !last[2].At.Equal(r.Updated) {
		t.Errorf("the last line's time %v, want the last save's %v", last[2].At, r.Updated)
	}
	if err := s.Submit(ctx, sub); err != nil {
		t.Fatal(err)
	}
	want = append(want, line{"x@a", "submit", 0})
	if got := lines(); !equal(got, want) {
		t.Errorf("after submitting: %v, want %v", got, want)
	}
	// Withdrawn, then saved by the same person: a new line after the withdrawal.
	if _, err := s.Withdraw(ctx, "a", 2025, 1, "x@a", "ip"); err != nil {
		t.Fatal(err)
	}
	save("x@a")
	save("x@a")
	want = append(want, line{"x@a", "withdraw", 0}, line{"x@a", "save", 2})
	if got := lines(); !equal(got, want) {
		t.Errorf("after a withdrawal and two saves: %v, want %v", got, want)
	}
	// A second submission that loses (stale rev) leaves the lines as they were.
	sub.Rev, sub.Version.Number = rev-1, 2
	if err := s.Submit(ctx, sub); !store.IsConflict(err) {
		t.Fatalf("stale submission: %v, want conflict", err)
	}
	if got := lines(); !equal(got, want) {
		t.Errorf("after a lost submission: %v, want %v", got, want)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// BenchmarkAutosave is one autosave of the sample report: its time against moto, and
// its write units by DynamoDB's rule (README, measurements).
//
//	go test -run '^$' -bench Autosave ./shared/store/
func BenchmarkAutosave(b *testing.B) {
	st.ResetT(b)
	s, m, table := meteredStore(b)
	ctx := context.Background()
	doc := sampleReport(b)
	rev, err := s.SaveDraft(ctx, "a", 2025, doc, 0, "x@a", "ip")
	if err != nil {
		b.Fatal(err)
	}
	before := itemSize(reportItem(b, table))
	m.writes = nil
	for b.Loop() {
		if rev, err = s.SaveDraft(ctx, "a", 2025, doc, rev, "x@a", "ip"); err != nil {
			b.Fatal(err)
		}
	}
	after := itemSize(reportItem(b, table))
	b.ReportMetric(float64(writeUnits(max(before, after))), "WRU")
	b.ReportMetric(float64(len(m.writes))/float64(b.N), "writes/op")
	b.ReportMetric(float64(after), "item-bytes")
}

// Two clerks taking turns for a long time: the report item keeps a bounded number of
// runs, the older ones move to the audit log, and the timeline still has every turn once.
func TestRunsOfSavesStayBounded(t *testing.T) {
	st.ResetT(t)
	s, _, table := meteredStore(t)
	ctx := context.Background()
	rev := 0
	const turns = 45
	for i := 0; i < turns; i++ {
		var err error
		who := []string{"x@a", "y@a"}[i%2]
		if rev, err = s.SaveDraft(ctx, "a", 2025, []byte(`{}`), rev, who, "ip"); err != nil {
			t.Fatal(err)
		}
	}
	out, err := st.DynamoDB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"PK": &types.AttributeValueMemberS{Value: "AGENCY#a"}, "SK": &types.AttributeValueMemberS{Value: "YEAR#2025"}}})
	if err != nil {
		t.Fatal(err)
	}
	if l, ok := out.Item["saves"].(*types.AttributeValueMemberL); !ok || len(l.Value) > 20 {
		t.Errorf("the report item holds %v runs of saves", out.Item["saves"])
	}
	tl, err := s.Timeline(ctx, "a", 2025)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl) != turns {
		t.Fatalf("%d timeline lines for %d turns", len(tl), turns)
	}
	for i, e := range tl {
		if want := []string{"x@a", "y@a"}[i%2]; e.Actor != want || e.Action != store.ActionSave || e.Count != 1 {
			t.Errorf("line %d: %+v", i, e)
		}
	}
}
