package local_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"nianbao/infra/local"
	"nianbao/shared/app"
	"nianbao/shared/approval"
	"nianbao/shared/lifecycle"
	"nianbao/shared/store"
)

// meter counts what the Publish step asks of DynamoDB and S3: requests, items read, and
// read and write units by DynamoDB's rule (moto reports none): a strongly consistent read
// is one unit per 4 KB read (a Query's items summed), a write one per 1 KB written (twice
// in a transaction).
type meter struct {
	mu                    sync.Mutex
	requests, itemsRead   int
	readUnits, writeUnits int
	s3Puts, s3Bytes       int
	keys                  []string
}

func (m *meter) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests, m.itemsRead, m.readUnits, m.writeUnits, m.s3Puts, m.s3Bytes, m.keys = 0, 0, 0, 0, 0, 0, nil
}

func units(bytes, per int) int { return max(1, (bytes+per-1)/per) }

func itemSize(it map[string]types.AttributeValue) int {
	n := 0
	for k, v := range it {
		n += len(k) + valueSize(v)
	}
	return n
}

func valueSize(v types.AttributeValue) int {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return len(v.Value)
	case *types.AttributeValueMemberN:
		return len(v.Value)/2 + 1
	case *types.AttributeValueMemberB:
		return len(v.Value)
	case *types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL:
		return 1
	case *types.AttributeValueMemberSS:
		n := 0
		for _, s := range v.Value {
			n += len(s)
		}
		return n
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

type meteredDB struct {
	db *dynamodb.Client
	m  *meter
}

func (d meteredDB) GetItem(ctx context.Context, in *dynamodb.GetItemInput, o ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	out, err := d.db.GetItem(ctx, in, o...)
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	d.m.requests++
	if err == nil {
		d.m.readUnits += units(itemSize(out.Item), 4096)
		if out.Item != nil {
			d.m.itemsRead++
		}
	}
	return out, err
}

func (d meteredDB) Query(ctx context.Context, in *dynamodb.QueryInput, o ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, err := d.db.Query(ctx, in, o...)
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	d.m.requests++
	if err == nil {
		size := 0
		for _, it := range out.Items {
			size += itemSize(it)
		}
		d.m.itemsRead += len(out.Items)
		d.m.readUnits += units(size, 4096)
	}
	return out, err
}

func (d meteredDB) write(size, factor int) {
	d.m.mu.Lock()
	defer d.m.mu.Unlock()
	d.m.requests++
	d.m.writeUnits += factor * units(size, 1024)
}

func (d meteredDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, o ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	d.write(itemSize(in.Item), 1)
	return d.db.PutItem(ctx, in, o...)
}

func (d meteredDB) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, o ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	d.write(itemSize(in.Key)+itemSize(in.ExpressionAttributeValues), 1)
	return d.db.UpdateItem(ctx, in, o...)
}

func (d meteredDB) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, o ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	d.write(itemSize(in.Key), 1)
	return d.db.DeleteItem(ctx, in, o...)
}

func (d meteredDB) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, o ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	size := 0
	for _, it := range in.TransactItems {
		switch {
		case it.Put != nil:
			size += itemSize(it.Put.Item)
		case it.Update != nil:
			size += itemSize(it.Update.Key) + itemSize(it.Update.ExpressionAttributeValues)
		case it.Delete != nil:
			size += itemSize(it.Delete.Key)
		}
	}
	d.write(size, 2)
	return d.db.TransactWriteItems(ctx, in, o...)
}

type meteredS3 struct {
	s3 approval.S3API
	m  *meter
}

func (s meteredS3) PutObject(ctx context.Context, in *s3.PutObjectInput, o ...func(*s3.Options)) (*s3.PutObjectOutput, error) {
	body, _ := in.Body.(interface{ Len() int })
	s.m.mu.Lock()
	s.m.s3Puts++
	if body != nil {
		s.m.s3Bytes += body.Len()
	}
	s.m.keys = append(s.m.keys, aws.ToString(in.Key))
	s.m.mu.Unlock()
	return s.s3.PutObject(ctx, in, o...)
}

// meteredSteps is the Publish step of the running stack, on clients that count.
func meteredSteps(t testing.TB) (*approval.Steps, *store.Store, *meter) {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, st.Getenv("PublishFunction"), app.WithS3)
	if err != nil {
		t.Fatal(err)
	}
	m := &meter{}
	s := store.New(meteredDB{db: dynamodb.NewFromConfig(a.AWS), m: m}, a.Config.TableName)
	steps := a.Steps()
	steps.Store = s
	steps.Life = &lifecycle.Lifecycle{Store: s}
	steps.Publisher.S3 = meteredS3{s3: a.S3, m: m}
	return steps, a.Store, m
}

// submitted writes version n of an agency's demo report for a year, in review.
func submitted(t testing.TB, s *store.Store, ag *store.Agency, year, n int) {
	t.Helper()
	ctx := context.Background()
	doc, err := local.DemoReport(ag.Name, year)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	rev, err := s.SaveDraft(ctx, ag.ID, year, b, 0, "drafter@x.local", "")
	if store.IsConflict(err) {
		rp, _ := s.GetReport(ctx, ag.ID, year)
		rev, err = s.SaveDraft(ctx, ag.ID, year, b, rp.Rev, "drafter@x.local", "")
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Submit(ctx, store.Submission{Rev: rev, Version: store.Version{Agency: ag.ID, Year: year, Number: n, Document: b,
		SubmittedBy: "drafter@x.local", Chain: ag.Chain, Settings: ag.Settings}}); err != nil {
		t.Fatal(err)
	}
}

// hierarchyYAML is a government with n departments.
func hierarchyYAML(gov string, n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "agencies:\n  - { id: %s, name: %s人民政府, kind: government, chain: [{ name: 办公室, approvers: [office@%s.local] }] }\n", gov, gov, gov)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "  - { id: %s-d%02d, name: %s第%d局, parent: %s, chain: [{ name: 办公室, approvers: [office@%s.local] }] }\n", gov, i, gov, i, gov, gov)
	}
	return b.String()
}

// Thirty agencies of a government publishing at once all appear in its index of units,
// and the site index lists the government once with its thirty units.
func TestThirtyAgenciesPublishAtOnce(t *testing.T) {
	s := fresh(t, hierarchyYAML("qu", 30))
	ctx := context.Background()
	steps, _, m := meteredSteps(t)
	var ags []*store.Agency
	for i := 0; i < 30; i++ {
		ag, err := s.GetAgency(ctx, fmt.Sprintf("qu-d%02d", i))
		if err != nil {
			t.Fatal(err)
		}
		submitted(t, s, ag, 2025, 1)
		ags = append(ags, ag)
	}
	errs := make(chan error, len(ags))
	for _, ag := range ags {
		go func() {
			errs <- publishRetrying(ctx, steps, approval.Input{Agency: ag.ID, Year: 2025, Version: 1, Level: 0, LevelCount: 1})
		}()
	}
	for range ags {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	page, _, _ := siteObject(t, "reports/qu/units/index.html")
	for _, ag := range ags {
		if !strings.Contains(string(page), ">"+ag.Name+"<") || !strings.Contains(string(page), "../../"+ag.ID+"/2025/index.html") {
			t.Errorf("the government's index lacks %s", ag.Name)
		}
	}
	index, _, _ := siteObject(t, "reports/index.html")
	if !strings.Contains(string(index), "./qu/units/index.html") || !strings.Contains(string(index), "30 个单位已发布") {
		t.Errorf("the site index:\n%s", index)
	}
	// One more year of one of them: its agency page and its government's page are
	// rewritten, the site index is not.
	submitted(t, s, ags[0], 2026, 1)
	m.reset()
	if _, err := steps.Publish(ctx, approval.Input{Agency: ags[0].ID, Year: 2026, Version: 1, Level: 0, LevelCount: 1}); err != nil {
		t.Fatal(err)
	}
	for _, k := range m.keys {
		if k == "reports/index.html" || (strings.HasPrefix(k, "reports/qu-d") && !strings.HasPrefix(k, "reports/qu-d00/") && !strings.HasPrefix(k, "reports/assets/")) {
			t.Errorf("a second year's publish wrote %s", k)
		}
	}
	if !slicesContains(m.keys, "reports/qu/units/index.html") || !slicesContains(m.keys, "reports/qu-d00/index.html") {
		t.Errorf("a second year's publish wrote %v", m.keys)
	}
	// The government's own report heads its page; its site entry stays a government's.
	gov, err := s.GetAgency(ctx, "qu")
	if err != nil {
		t.Fatal(err)
	}
	submitted(t, s, gov, 2025, 1)
	if err := publishRetrying(ctx, steps, approval.Input{Agency: "qu", Year: 2025, Version: 1, Level: 0, LevelCount: 1}); err != nil {
		t.Fatal(err)
	}
	page, _, _ = siteObject(t, "reports/qu/units/index.html")
	if g, d := strings.Index(string(page), ">qu人民政府<"), strings.Index(string(page), ">"+ags[0].Name+"<"); g < 0 || d < g {
		t.Errorf("the government's own report is not first on its page (%d, %d)", g, d)
	}
	index, _, _ = siteObject(t, "reports/index.html")
	if !strings.Contains(string(index), "./qu/units/index.html") || !strings.Contains(string(index), "31 个单位已发布") {
		t.Errorf("the site index after the government's own report:\n%s", index)
	}
}

// publishRetrying runs the Publish step as the state machine does: a transient error
// (moto's S3 answers some of thirty writes at once with a 500) is retried after a pause.
func publishRetrying(ctx context.Context, steps *approval.Steps, in approval.Input) error {
	var err error
	for attempt, pause := 0, 200*time.Millisecond; attempt < 6; attempt, pause = attempt+1, pause*2 {
		if _, err = steps.Publish(ctx, in); err == nil {
			return nil
		}
		var te *approval.TransientError
		if !errors.As(err, &te) {
			return err
		}
		time.Sleep(pause)
	}
	return err
}

func slicesContains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// batchPut writes items 25 at a time, straight to the table, for the benchmark's seed.
func batchPut(b testing.TB, db *dynamodb.Client, table string, items []map[string]types.AttributeValue) {
	ctx := context.Background()
	for i := 0; i < len(items); i += 25 {
		var reqs []types.WriteRequest
		for _, it := range items[i:min(i+25, len(items))] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		}
		pending := map[string][]types.WriteRequest{table: reqs}
		for len(pending[table]) > 0 {
			out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
			if err != nil {
				b.Fatal(err)
			}
			pending = out.UnprocessedItems
		}
	}
}

func avItem(b testing.TB, pk, sk string, v any) map[string]types.AttributeValue {
	m, err := attributevalue.MarshalMap(v)
	if err != nil {
		b.Fatal(err)
	}
	m["PK"] = &types.AttributeValueMemberS{Value: pk}
	m["SK"] = &types.AttributeValueMemberS{Value: sk}
	return m
}

// seedProvince writes agencies under governments — the first governments of the sizes
// given, the others sharing the rest — with years of publications each, in the table's
// layout: agencies, their publications, each government's list and the site's list. It
// returns the first agency of each government.
func seedProvince(b *testing.B, agencies, governments int, sizes []int, years int) []string {
	ctx := context.Background()
	a, err := app.New(ctx, st.Getenv("PublishFunction"))
	if err != nil {
		b.Fatal(err)
	}
	db := dynamodb.NewFromConfig(a.AWS)
	table := a.Config.TableName
	var items []map[string]types.AttributeValue
	at := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	govOf := func(i int) int {
		for g, n := range sizes {
			if i < n {
				return g
			}
			i -= n
		}
		return len(sizes) + i%(governments-len(sizes))
	}
	counts := make([]int, governments)
	firsts := make([]string, governments)
	for g := 0; g < governments; g++ {
		gov := fmt.Sprintf("g%03d", g)
		items = append(items, avItem(b, "AGENCY#"+gov, "AGENCY", map[string]any{"id": gov, "name": gov + "人民政府", "kind": "government",
			"chain": []map[string]any{{"name": "办公室", "approvers": []string{"o@" + gov}}}}))
	}
	for i := 0; i < agencies; i++ {
		g := govOf(i)
		id, gov := fmt.Sprintf("a%05d", i), fmt.Sprintf("g%03d", g)
		counts[g]++
		name := fmt.Sprintf("第%d局", i)
		items = append(items, avItem(b, "AGENCY#"+id, "AGENCY", map[string]any{"id": id, "name": name, "parent": gov,
			"chain": []map[string]any{{"name": "办公室", "approvers": []string{"o@" + id}}}}),
			avItem(b, "UNITS#"+gov, id, map[string]any{"id": id, "name": name, "kind": "department", "parent": gov}))
		if firsts[g] == "" { // counted in the site index: the benchmark's publishes are not its first
			firsts[g] = id
			items = append(items, avItem(b, "AGENCY#"+id, "SITECOUNTED", map[string]any{"top": gov}))
		}
		for y := 0; y < years; y++ {
			p := map[string]any{"agency_id": id, "agency_name": name, "year": 2018 + y, "version": 1,
				"published_at": at.Format("2006-01-02T15:04:05.000000000Z"), "correction_reason": "", "sha256": strings.Repeat("ab", 32)}
			items = append(items, avItem(b, "AGENCY#"+id, fmt.Sprintf("PUB#%04d#0001", 2018+y), p),
				avItem(b, "GOVINDEX#"+gov, fmt.Sprintf("%s#%04d", id, 2018+y), p))
		}
	}
	for g, n := range counts {
		gov := fmt.Sprintf("g%03d", g)
		items = append(items, avItem(b, "SITEINDEX", gov, map[string]any{"id": gov, "name": gov + "人民政府", "government": true, "units": n}))
	}
	b.Logf("writing %d items", len(items))
	batchPut(b, db, table, items)
	return firsts
}

// BenchmarkPublishAtScale measures one Publish — the version's objects, its record, its
// agency's and government's index pages, its report's status — by what it asks of
// DynamoDB and S3: the same with 10 agencies as with 10,000 under 100 governments, for an
// agency of a government of the same size; it grows only with the size of the agency's
// own government. Run: NIANBAO_SCALE=1 go test ./infra/local -run '^$' -bench PublishAtScale -benchtime 1x -timeout 90m
// (moto copies every table for each transaction, so one publish among 160,000 items takes
// minutes locally: the times are moto's, the counts are the step's).
func BenchmarkPublishAtScale(b *testing.B) {
	if os.Getenv("NIANBAO_SCALE") == "" {
		b.Skip("set NIANBAO_SCALE=1: the seed writes 160,000 items")
	}
	for _, c := range []struct {
		name                  string
		agencies, governments int
		sizes                 []int
		publish               []string // sub-benchmark name → the index of the publishing agency's government
	}{
		{"agencies=10", 10, 1, []int{10}, []string{"government=10"}},
		{"agencies=10000", 10000, 100, []int{10, 100}, []string{"government=10", "government=100"}},
	} {
		// Seeded once per case: the benchmark function runs more than once (b.N = 1,
		// then the -benchtime), each publishing further years of the same agency.
		st.ResetT(b)
		start := time.Now()
		firsts := seedProvince(b, c.agencies, c.governments, c.sizes, 7)
		b.Logf("%s: seeded %d agencies under %d governments with 7 years in %.1f s", c.name, c.agencies, c.governments, time.Since(start).Seconds())
		steps, s, m := meteredSteps(b)
		for g, sub := range c.publish {
			ag, err := s.GetAgency(context.Background(), firsts[g])
			if err != nil {
				b.Fatal(err)
			}
			year := 2025
			b.Run(c.name+"/"+sub, func(b *testing.B) {
				var total meter
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					submitted(b, s, ag, year, 1)
					m.reset()
					b.StartTimer()
					if _, err := steps.Publish(context.Background(), approval.Input{Agency: ag.ID, Year: year, Version: 1, Level: 0, LevelCount: 1}); err != nil {
						b.Fatal(err)
					}
					b.StopTimer()
					year++
					total.requests += m.requests
					total.itemsRead += m.itemsRead
					total.readUnits += m.readUnits
					total.writeUnits += m.writeUnits
					total.s3Puts += m.s3Puts
					total.s3Bytes += m.s3Bytes
					b.StartTimer()
				}
				n := float64(b.N)
				b.ReportMetric(float64(total.requests)/n, "ddb-requests/op")
				b.ReportMetric(float64(total.itemsRead)/n, "items-read/op")
				b.ReportMetric(float64(total.readUnits)/n, "RRU/op")
				b.ReportMetric(float64(total.writeUnits)/n, "WRU/op")
				b.ReportMetric(float64(total.s3Puts)/n, "s3-puts/op")
				b.ReportMetric(float64(total.s3Bytes)/n, "s3-bytes/op")
			})
		}
	}
}
