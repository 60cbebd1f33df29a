package supervise

import (
	"os/exec"
	"strings"
	"testing"
)

// The export's spreadsheet library is the api function's alone: no step function's
// binary links it (nor this package, which brings it).
func TestOnlyTheAPIImportsTheExport(t *testing.T) {
	if testing.Short() {
		t.Skip("go list")
	}
	for _, fn := range []string{"validate", "request-approval", "remind", "return", "publish", "notify", "record-failure", "api"} {
		out, err := exec.Command("go", "list", "-deps", "nianbao/functions/"+fn).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", fn, err, out)
		}
		has := strings.Contains(string(out), "github.com/xuri/excelize/v2\n")
		if has != (fn == "api") {
			t.Errorf("functions/%s links excelize: %v", fn, has)
		}
	}
}
