package local_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sesv2"
	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"nianbao/infra/local"
)

// TestMailIdentityGone: with the sender identity gone, the approval request cannot be
// mailed. The report ends in a state whose label says what did not happen, the failure
// is recorded once, and once mail works again the drafter resubmits.
func TestMailIdentityGone(t *testing.T) {
	fresh(t, agencyYAML("ag16", "寅区应急管理局", 60, 3))
	ctx := context.Background()
	c := newClient(t, "drafter@ag16.local")
	c.signIn()
	if r := c.save("ag16", 2025, sampleDoc(t, 2025), ""); r.status != http.StatusOK {
		t.Fatalf("save: %d %s", r.status, r.body)
	}
	ids, err := st.SES.ListEmailIdentities(ctx, &sesv2.ListEmailIdentitiesInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids.EmailIdentities {
		if _, err := st.SES.DeleteEmailIdentity(ctx, &sesv2.DeleteEmailIdentityInput{EmailIdentity: id.IdentityName}); err != nil {
			t.Fatal(err)
		}
	}
	if r := c.submit("ag16", 2025, nil); r.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	c.waitStatus("ag16", 2025, "failed", "")
	s, _ := local.Store(ctx, st.Stack)
	rep, err := s.GetReport(ctx, "ag16", 2025)
	if err != nil {
		t.Fatal(err)
	}
	// The execution ends failed (which is what the operator's alarm counts).
	if exec, err := st.WaitExecution(ctx, rep.ExecutionARN); err != nil || exec.Status != sfntypes.ExecutionStatusFailed {
		t.Fatalf("execution %s: %v %v", rep.ExecutionARN, exec.Status, err)
	}
	v := c.report("ag16", 2025)
	if v.StatusLabel != "流程出错：审批通知未能发出" || !strings.Contains(v.Comment, "「审批通知」") {
		t.Errorf("failed report: %q, %q", v.StatusLabel, v.Comment)
	}
	fails := 0
	for _, e := range v.Timeline {
		if e.Action == "fail" {
			fails++
		}
	}
	if fails != 1 {
		t.Errorf("%d fail lines in the record, want 1", fails)
	}
	page := c.do("GET", webURL("/reports/ag16/2025/status"), nil, nil)
	if !strings.Contains(string(page.body), "流程出错：审批通知未能发出") {
		t.Errorf("the status page does not say what happened: %.300s", page.body)
	}

	// Mail works again: the drafter resubmits the same draft.
	if err := st.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	if r := c.submit("ag16", 2025, nil); r.status != http.StatusAccepted {
		t.Fatalf("resubmit: %d %s", r.status, r.body)
	}
	c.waitStatus("ag16", 2025, "in_review", "股室负责人")
	newApprover(t, "section@ag16.local").reviewLink(2)
}
