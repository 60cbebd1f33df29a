package local_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"nianbao/infra/local"
	"nianbao/shared/admin"
)

const signInAgency = `
agencies:
  - id: ag40
    name: 卯区信息公开办
    office_email: office@ag40.local
    reminder_seconds: 60
    max_reminders: 2
    chain:
      - { name: 局长, approvers: [director@ag40.local] }
users:
  - { email: drafter@ag40.local, agency: ag40, roles: [drafter] }
`

// TestSignInRevealsNothing: POST /api/auth/link and the no-script POST /signin answer a
// registered address, an unknown one, and a registered one while mail fails with the
// same status and the same body; the registered address still gets its link when mail
// works.
func TestSignInRevealsNothing(t *testing.T) {
	fresh(t, signInAgency)
	c := newClient(t, "drafter@ag40.local")
	registered, unknown := "drafter@ag40.local", "nobody@ag40.local"

	type answer struct {
		status int
		body   string
	}
	ask := func(email string) (api, form answer) {
		r := c.api("POST", "/api/auth/link", map[string]string{"email": email}, nil)
		api = answer{r.status, string(r.body)}
		r = c.do("POST", webURL("/signin"), []byte("email="+url.QueryEscape(email)),
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		form = answer{r.status, string(r.body)}
		return api, form
	}

	before := len(mailsTo(registered))
	regAPI, regForm := ask(registered)
	if regAPI.status != http.StatusAccepted || regForm.status != http.StatusAccepted {
		t.Fatalf("registered: %+v %+v", regAPI, regForm)
	}
	// Both requests mail a link, after the answer.
	waitMail(t, registered, "/login/", before)
	waitMail(t, registered, "/login/", before+1)

	unkAPI, unkForm := ask(unknown)
	if unkAPI != regAPI || unkForm != regForm {
		t.Errorf("unknown address answered differently:\napi  %+v\nwant %+v\nform %+v\nwant %+v", unkAPI, regAPI, unkForm, regForm)
	}

	// Mail fails: the sender identity is gone.
	ctx := context.Background()
	ids, err := st.SES.ListEmailIdentities(ctx, &sesv2.ListEmailIdentitiesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids.EmailIdentities {
		if _, err := st.SES.DeleteEmailIdentity(ctx, &sesv2.DeleteEmailIdentityInput{EmailIdentity: id.IdentityName}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { st.Bootstrap(context.Background()) })
	sent := len(st.Mailbox())
	failAPI, failForm := ask(registered)
	if failAPI != regAPI || failForm != regForm {
		t.Errorf("registered address while mail fails answered differently:\napi  %+v\nwant %+v\nform %+v\nwant %+v", failAPI, regAPI, failForm, regForm)
	}
	// The failure is the sign-in function's, after the answer: wait for it to have run
	// (its two invocations end) before looking at the mailbox.
	st.WaitAsync()
	if n := len(st.Mailbox()); n != sent {
		t.Errorf("%d mails sent with the identity gone", n-sent)
	}
	// It did run for both: the throttle counted four sign-in mails, two of them failed.
	if n := loginMailsCounted(t, registered); n != 4 {
		t.Errorf("the throttle counted %d sign-in mails to %s, want 4 (2 sent, 2 failed)", n, registered)
	}
}

// loginMailsCounted is the sign-in throttle's count for an address in its window.
func loginMailsCounted(t *testing.T, email string) int {
	t.Helper()
	out, err := st.DynamoDB.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(st.Getenv("SignInFunction")("TABLE_NAME")),
		Key: map[string]ddbtypes.AttributeValue{
			"PK": &ddbtypes.AttributeValueMemberS{Value: "LOGINRATE#" + email},
			"SK": &ddbtypes.AttributeValueMemberS{Value: "RATE"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	n, _ := out.Item["count"].(*ddbtypes.AttributeValueMemberN)
	if n == nil {
		return 0
	}
	c, _ := strconv.Atoi(n.Value)
	return c
}

// BenchmarkSignInLink compares the median time of POST /api/auth/link for a registered
// and an unknown address, from outside over HTTP on the local stack, interleaved so
// that both see the same load. The README gives the figure.
func BenchmarkSignInLink(b *testing.B) {
	st.ResetT(b)
	s, err := local.Store(context.Background(), st.Stack)
	if err != nil {
		b.Fatal(err)
	}
	f, err := admin.Parse([]byte(signInAgency))
	if err != nil {
		b.Fatal(err)
	}
	if _, err := admin.Import(context.Background(), s, f); err != nil {
		b.Fatal(err)
	}
	c := newClient(b, "drafter@ag40.local")
	var reg, unk []time.Duration
	post := func(email string) time.Duration {
		start := time.Now()
		r := c.api("POST", "/api/auth/link", map[string]string{"email": email}, nil)
		d := time.Since(start)
		if r.status != http.StatusAccepted {
			b.Fatalf("%s: %d %s", email, r.status, r.body)
		}
		return d
	}
	for range 5 { // warm up: connections, the link key, the first invocations
		post("drafter@ag40.local")
		post("nobody@ag40.local")
	}
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			reg = append(reg, post("drafter@ag40.local"))
			unk = append(unk, post("nobody@ag40.local"))
		} else {
			unk = append(unk, post("nobody@ag40.local"))
			reg = append(reg, post("drafter@ag40.local"))
		}
	}
	b.StopTimer()
	st.WaitAsync()
	median := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2]) / float64(time.Millisecond)
	}
	mr, mu := median(reg), median(unk)
	b.ReportMetric(mr, "registered-median-ms")
	b.ReportMetric(mu, "unknown-median-ms")
	b.ReportMetric(mr-mu, "difference-ms")
}
