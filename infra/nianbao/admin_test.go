package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"nianbao/infra/local"
	"nianbao/infra/stack/stacktest"
)

// `nianbao admin import` writes the demo file into a running stack's table, twice to
// the same effect, and refuses a file with a mistake without writing anything.
func TestAdminImport(t *testing.T) {
	st := stacktest.StartT(t, local.Options())
	env := st.Getenv("ApiFunction")
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		t.Setenv(k, env(k))
	}
	table, err := st.Ref("Table")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "agencies.yaml")
	os.WriteFile(good, local.DemoAgencies(), 0o644)
	for i := 0; i < 2; i++ {
		var out, errb bytes.Buffer
		if code := dispatch(context.Background(), []string{"admin", "import", good, "--table", table}, &out, &errb); code != exitOK {
			t.Fatalf("import %d: exit %d: %s", i, code, errb.String())
		}
		if !strings.Contains(out.String(), "6 个机关、10 个用户") {
			t.Errorf("import %d said %q", i, out.String())
		}
		// The demo's office@ drafts and approves at 办公室: warned, not refused.
		if w := errb.String(); !strings.Contains(w, "警告") || !strings.Contains(w, "office@demo.local") || !strings.Contains(w, "「办公室」") {
			t.Errorf("import %d: no warning about the drafter in the chain: %q", i, w)
		}
	}
	s, err := local.Store(context.Background(), st.Stack)
	if err != nil {
		t.Fatal(err)
	}
	ag, err := s.GetAgency(context.Background(), "demo")
	if err != nil {
		t.Fatal(err)
	}
	if ag.Name != "示例区应急管理局" || len(ag.Chain) != 3 || !ag.Chain[1].ConfidentialityReview || ag.Chain[2].ConfidentialityReview {
		t.Errorf("agency read back: %+v", ag)
	}
	if ag.Settings.ReminderSeconds != 2*24*3600 || ag.Settings.MaxReminders != 3 {
		t.Errorf("default settings: %+v", ag.Settings)
	}

	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte(strings.Replace(string(local.DemoAgencies()), "id: demo", "id: other\n    colour: red", 1)), 0o644)
	var out, errb bytes.Buffer
	if code := dispatch(context.Background(), []string{"admin", "import", bad, "--table", table}, &out, &errb); code != exitFailed {
		t.Fatalf("bad file: exit %d", code)
	}
	if !strings.Contains(errb.String(), "colour") {
		t.Errorf("the error does not name the unknown key: %s", errb.String())
	}
	if _, err := s.GetAgency(context.Background(), "other"); err == nil {
		t.Error("a file with a mistake was partly written")
	}
}
