package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	sfntypes "github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"nianbao/shared/report"
	"nianbao/shared/store"
)

var ctx = context.Background()

func sampleDoc(t *testing.T) *report.Document {
	t.Helper()
	b, err := os.ReadFile("../report/testdata/sample-2021.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := report.DecodeBytes(b)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func sampleBytes(t *testing.T) []byte {
	b, err := json.Marshal(sampleDoc(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func agency(levels int) *store.Agency {
	ag := &store.Agency{ID: "demo", Name: "示例市示例区应急管理局"}
	for i := 0; i < levels; i++ {
		ag.Chain = append(ag.Chain, store.Level{Name: fmt.Sprintf("第%d级", i+1), Approvers: []string{fmt.Sprintf("a%d@demo.local", i)}})
	}
	return ag
}

func newLife() (*Lifecycle, *fakeStore, *fakeWorkflow) {
	st, wf := newFakeStore(), newFakeWorkflow()
	return &Lifecycle{Store: st, Workflow: wf, Log: slog.New(slog.DiscardHandler)}, st, wf
}

// noPrevious answers "no report last year" and the report of the year asked from cur.
func reports(cur *store.Report) func(string, int) (*store.Report, error) {
	return func(_ string, year int) (*store.Report, error) {
		if cur != nil && year == cur.Year {
			c := *cur
			return &c, nil
		}
		return nil, store.ErrNotFound
	}
}

func wantCode(t *testing.T, err error, code Code, msg string) *Error {
	t.Helper()
	if code == CodeInternal {
		if ErrorCode(err) != CodeInternal {
			t.Fatalf("err = %v, want an internal error", err)
		}
		return &Error{}
	}
	e, ok := AsError(err)
	if !ok || e.Code != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
	if msg != "" && !strings.Contains(e.Message, msg) {
		t.Fatalf("message %q does not say %q", e.Message, msg)
	}
	return e
}

func TestSaveDraft(t *testing.T) {
	t.Run("fills agency and year, returns the revision and findings", func(t *testing.T) {
		l, st, _ := newLife()
		st.GetReportFn = reports(nil)
		var saved []byte
		st.SaveDraftFn = func(agency string, year int, doc []byte, expect int, actor, ip string) (int, error) {
			if agency != "demo" || year != 2025 || expect != 3 || actor != "d@demo.local" || ip != "127.0.0.1" {
				t.Errorf("SaveDraft(%s, %d, expect %d, %s, %s)", agency, year, expect, actor, ip)
			}
			saved = doc
			return 4, nil
		}
		doc := sampleDoc(t)
		doc.Agency, doc.Year = "", 0
		got, err := l.SaveDraft(ctx, SaveInput{Agency: agency(1), Year: 2025, Doc: doc, ExpectRev: 3, Actor: "d@demo.local", IP: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Rev != 4 {
			t.Errorf("rev %d", got.Rev)
		}
		back, err := report.DecodeBytes(saved)
		if err != nil || back.Agency != "示例市示例区应急管理局" || back.Year != 2025 {
			t.Errorf("stored %v %+v", err, back)
		}
	})
	refused := []struct {
		name  string
		edit  func(*report.Document)
		code  Code
		path  string
		words string
	}{
		{"another agency's name", func(d *report.Document) { d.Agency = "别的局" }, CodeUnprocessable, "agency", "不一致"},
		{"another year", func(d *report.Document) { d.Year = 2024 }, CodeUnprocessable, "year", "2024"},
		{"too large to store", func(d *report.Document) {
			d.Sections.Overview = strings.Repeat("长", MaxStoredDocument/3+1)
		}, CodeTooLarge, "", "上限 300 KiB"},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			l, st, _ := newLife()
			doc := sampleDoc(t)
			tt.edit(doc)
			_, err := l.SaveDraft(ctx, SaveInput{Agency: agency(1), Year: 2025, Doc: doc, ExpectRev: 1})
			e := wantCode(t, err, tt.code, tt.words)
			if e.Path != tt.path {
				t.Errorf("path %q, want %q", e.Path, tt.path)
			}
			if st.calls["SaveDraft"] != 0 {
				t.Error("a refused draft was written")
			}
		})
	}
	t.Run("an If-Match for a report that does not exist", func(t *testing.T) {
		l, st, _ := newLife()
		st.GetReportFn = reports(nil)
		st.SaveDraftFn = func(string, int, []byte, int, string, string) (int, error) { return 0, store.ErrConflict }
		_, err := l.SaveDraft(ctx, SaveInput{Agency: agency(1), Year: 2025, Doc: sampleDoc(t), ExpectRev: 3})
		wantCode(t, err, CodeNotFound, "还没有 2025 年度的报告")
	})
	for _, tt := range []struct {
		name   string
		status store.Status
		code   Code
	}{
		{"lost race: stale, with the draft as it stands", store.StatusDraft, CodeStale},
		{"in review: conflict", store.StatusInReview, CodeConflict},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, st, _ := newLife()
			cur := &store.Report{Agency: "demo", Year: 2025, Status: tt.status, Rev: 7, UpdatedBy: "other@demo.local", Updated: st.now}
			st.GetReportFn = reports(cur)
			st.SaveDraftFn = func(string, int, []byte, int, string, string) (int, error) { return 0, store.ErrConflict }
			_, err := l.SaveDraft(ctx, SaveInput{Agency: agency(1), Year: 2025, Doc: sampleDoc(t), ExpectRev: 3})
			e := wantCode(t, err, tt.code, "")
			if tt.code == CodeStale && (e.Current == nil || e.Current.Rev != 7 || !strings.Contains(e.Message, "other@demo.local")) {
				t.Errorf("stale error %+v", e)
			}
		})
	}
}

// submittable is a report whose draft is the sample, at revision 5.
func submittable(t *testing.T, published int) *store.Report {
	return &store.Report{Agency: "demo", Year: 2025, Status: store.StatusDraft, Rev: 5, Version: 1, PublishedVersion: published,
		Draft: sampleBytes(t)}
}

func TestSubmit(t *testing.T) {
	t.Run("writes the version and starts its execution at level 0", func(t *testing.T) {
		l, st, wf := newLife()
		st.GetReportFn = reports(submittable(t, 0))
		var sub store.Submission
		st.SubmitFn = func(s store.Submission) error { sub = s; return nil }
		var started Execution
		wf.StartFn = func(name string, in Execution) (string, error) {
			if name != "demo-2025-v2" {
				t.Errorf("execution name %q", name)
			}
			started = in
			return wf.ExecutionARN(name), nil
		}
		var arn string
		st.SetExecutionFn = func(_ string, _ int, v int, a string) error { arn = a; return nil }
		got, err := l.Submit(ctx, SubmitInput{Agency: agency(3), Year: 2025, CheckRev: true, Rev: 5, CorrectionReason: "ignored", Actor: "d@demo.local"})
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.Level != "第1级" {
			t.Errorf("submitted %+v", got)
		}
		if sub.Version.Number != 2 || sub.Rev != 5 || sub.Version.CorrectionReason != "" || len(sub.Version.Chain) != 3 ||
			sub.Version.Settings.ReminderSeconds != store.DefaultReminderSeconds || sub.Version.Settings.MaxReminders != store.DefaultMaxReminders {
			t.Errorf("submission %+v", sub)
		}
		if started != (Execution{Agency: "demo", Year: 2025, Version: 2, Level: 0, LevelCount: 3,
			ReminderSeconds: store.DefaultReminderSeconds, MaxReminders: store.DefaultMaxReminders}) {
			t.Errorf("execution input %+v", started)
		}
		if !strings.HasSuffix(arn, ":demo-2025-v2") {
			t.Errorf("recorded execution %q", arn)
		}
	})
	refusals := []struct {
		name    string
		report  func(t *testing.T) *store.Report
		agency  *store.Agency
		in      SubmitInput
		code    Code
		words   string
		submits bool
	}{
		{"a reason too long", nil, agency(1), SubmitInput{CorrectionReason: strings.Repeat("长", MaxReasonLen+1)}, CodeUnprocessable, "不能超过 500 字", false},
		{"no report", func(*testing.T) *store.Report { return nil }, agency(1), SubmitInput{}, CodeNotFound, "请先保存草稿", false},
		{"already in review", func(t *testing.T) *store.Report {
			r := submittable(t, 0)
			r.Status = store.StatusInReview
			return r
		}, agency(1), SubmitInput{}, CodeConflict, "第 1 版已在审批中", false},
		{"a draft saved since", func(t *testing.T) *store.Report { return submittable(t, 0) }, agency(1), SubmitInput{CheckRev: true, Rev: 4}, CodeStale, "", false},
		{"a correction without its reason", func(t *testing.T) *store.Report { return submittable(t, 1) }, agency(1), SubmitInput{CorrectionReason: "  "}, CodeUnprocessable, "更正原因", false},
		{"no chain", func(t *testing.T) *store.Report { return submittable(t, 0) }, agency(0), SubmitInput{}, CodeConflict, "1 至 5 级", false},
		{"a chain too long", func(t *testing.T) *store.Report { return submittable(t, 0) }, agency(6), SubmitInput{}, CodeConflict, "审批流程未配置", false},
		{"a draft with errors", func(t *testing.T) *store.Report {
			r := submittable(t, 0)
			doc := sampleDoc(t)
			doc.Year = 1999
			r.Draft, _ = json.Marshal(doc)
			return r
		}, agency(1), SubmitInput{}, CodeUnprocessable, "报告有错误", false},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			l, st, wf := newLife()
			if tt.report != nil {
				st.GetReportFn = reports(tt.report(t))
			}
			in := tt.in
			in.Agency, in.Year = tt.agency, 2025
			_, err := l.Submit(ctx, in)
			e := wantCode(t, err, tt.code, tt.words)
			if tt.code == CodeStale && (e.Current == nil || e.Current.Rev != 5) {
				t.Errorf("stale without the current draft: %+v", e)
			}
			if tt.words == "报告有错误" && !report.HasErrors(e.Findings) {
				t.Errorf("no findings in %+v", e)
			}
			if st.calls["Submit"] != 0 || wf.calls["Start"] != 0 {
				t.Errorf("a refused submission wrote or started: %v %v", st.calls, wf.calls)
			}
		})
	}
	t.Run("a second submission loses", func(t *testing.T) {
		l, st, wf := newLife()
		st.GetReportFn = reports(submittable(t, 0))
		st.SubmitFn = func(store.Submission) error { return fmt.Errorf("x: %w", store.ErrConflict) }
		_, err := l.Submit(ctx, SubmitInput{Agency: agency(1), Year: 2025})
		wantCode(t, err, CodeConflict, "刚刚被修改或已提交")
		if wf.calls["Start"] != 0 {
			t.Error("started an execution for a lost submission")
		}
	})
	for _, tt := range []struct {
		name     string
		exists   bool
		undoErr  error
		code     Code
		undone   bool
		recorded bool
	}{
		{"the execution did not start: taken back", false, nil, CodeUnavailable, true, false},
		{"it started after all: kept", true, nil, "", false, true},
		{"the undo fails too: internal", false, errors.New("table down"), CodeInternal, true, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, st, wf := newLife()
			st.GetReportFn = reports(submittable(t, 0))
			st.SubmitFn = func(store.Submission) error { return nil }
			wf.StartFn = func(string, Execution) (string, error) { return "", errors.New("timeout") }
			wf.ExistsFn = func(string) bool { return tt.exists }
			var undone store.Status
			st.UndoSubmitFn = func(_ string, _ int, v int, prev store.Status) error {
				if v != 2 {
					t.Errorf("undo of v%d", v)
				}
				undone = prev
				return tt.undoErr
			}
			st.SetExecutionFn = func(string, int, int, string) error { return nil }
			got, err := l.Submit(ctx, SubmitInput{Agency: agency(1), Year: 2025})
			if tt.code == "" {
				if err != nil || got.Version != 2 {
					t.Fatalf("%+v, %v", got, err)
				}
			} else {
				wantCode(t, err, tt.code, "")
			}
			if (st.calls["UndoSubmit"] == 1) != tt.undone || (tt.undone && undone != store.StatusDraft) {
				t.Errorf("undo calls %d (to %q), want undone %v", st.calls["UndoSubmit"], undone, tt.undone)
			}
			if (st.calls["SetExecution"] == 1) != tt.recorded {
				t.Errorf("SetExecution calls %d", st.calls["SetExecution"])
			}
		})
	}
}

func TestWithdraw(t *testing.T) {
	inReview := &store.Report{Agency: "demo", Year: 2025, Status: store.StatusInReview, Version: 2}
	t.Run("stops the execution and closes every level's wait", func(t *testing.T) {
		for _, recorded := range []string{"arn:recorded", ""} {
			l, st, wf := newLife()
			st.GetReportFn = reports(inReview)
			st.WithdrawFn = func(string, int, int, string, string) (*store.Report, error) {
				return &store.Report{ExecutionARN: recorded}, nil
			}
			var stopped string
			wf.StopFn = func(arn, cause string) error { stopped = arn; return errors.New("already ended") }
			st.GetVersionFn = func(string, int, int) (*store.Version, error) { return &store.Version{Chain: agency(3).Chain}, nil }
			st.FindApprovalFn = func(_ string, _ int, _ int, level store.LevelIndex) (*store.Approval, error) {
				switch level {
				case 0:
					return &store.Approval{ID: "l0", State: store.ApprovalDecided}, nil
				case 1:
					return &store.Approval{ID: "l1", State: store.ApprovalPending}, nil
				}
				return nil, store.ErrNotFound
			}
			var closed []string
			st.CloseApprovalFn = func(id string, reason store.ClosedReason) (*store.Approval, error) {
				closed = append(closed, id+":"+string(reason))
				return nil, nil
			}
			v, err := l.Withdraw(ctx, "demo", 2025, "d@demo.local", "")
			if err != nil || v != 2 {
				t.Fatalf("withdraw = %d, %v", v, err)
			}
			want := recorded
			if want == "" {
				want = wf.ExecutionARN("demo-2025-v2")
			}
			if stopped != want {
				t.Errorf("stopped %q, want %q", stopped, want)
			}
			if strings.Join(closed, ",") != "l1:withdrawn" || st.calls["FindApproval"] != 3 {
				t.Errorf("closed %v after %d look-ups", closed, st.calls["FindApproval"])
			}
		}
	})
	t.Run("not in review", func(t *testing.T) {
		l, st, _ := newLife()
		st.GetReportFn = reports(&store.Report{Year: 2025, Status: store.StatusReturned})
		_, err := l.Withdraw(ctx, "demo", 2025, "d", "")
		wantCode(t, err, CodeConflict, "「已退回」，不在审批中")
	})
	t.Run("moved meanwhile", func(t *testing.T) {
		l, st, wf := newLife()
		st.GetReportFn = reports(inReview)
		st.WithdrawFn = func(string, int, int, string, string) (*store.Report, error) { return nil, store.ErrConflict }
		_, err := l.Withdraw(ctx, "demo", 2025, "d", "")
		wantCode(t, err, CodeConflict, "刚刚发生变化")
		if wf.calls["Stop"] != 0 {
			t.Error("stopped an execution it did not withdraw")
		}
	})
	t.Run("no report", func(t *testing.T) {
		l, st, _ := newLife()
		st.GetReportFn = reports(nil)
		_, err := l.Withdraw(ctx, "demo", 2025, "d", "")
		wantCode(t, err, CodeNotFound, "还没有 2025 年度的报告")
	})
}

func TestDecisionNeedsWhatTheLevelRequires(t *testing.T) {
	tests := []struct {
		name string
		in   DecideInput
		want string
	}{
		{"approve without the attestation", DecideInput{Decision: store.DecisionApprove}, "保密审查"},
		{"return without a comment", DecideInput{Decision: store.DecisionReturn, Comment: "  "}, "退回意见"},
		{"no decision", DecideInput{Decision: "maybe"}, "同意"},
		{"a comment too long", DecideInput{Decision: store.DecisionReturn, Comment: strings.Repeat("长", MaxCommentLen+1)}, "不能超过"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, st, wf := newLife()
			office := &store.Approval{ID: "a", LevelName: "办公室", ConfidentialityReview: true, State: store.ApprovalPending, Expires: st.now.Add(time.Hour)}
			_, err := l.Decide(ctx, office, tt.in)
			wantCode(t, err, CodeUnprocessable, tt.want)
			// A refused decision touches nothing: no field of the fake is set.
			if st.calls["Decide"] != 0 || wf.calls["Deliver"] != 0 {
				t.Errorf("calls %v %v", st.calls, wf.calls)
			}
		})
	}
}

func TestDecide(t *testing.T) {
	pending := func(st *fakeStore) *store.Approval {
		st.GetVersionFn = func(string, int, int) (*store.Version, error) {
			return &store.Version{SubmittedBy: "d@demo.local", Chain: agency(3).Chain}, nil
		}
		st.FindApprovalFn = func(string, int, int, store.LevelIndex) (*store.Approval, error) { return nil, store.ErrNotFound }
		return &store.Approval{ID: "a", Version: 2, LevelName: "办公室", ConfidentialityReview: true, State: store.ApprovalPending,
			TaskToken: "tok", Expires: st.now.Add(time.Hour)}
	}
	t.Run("an approval with its attestation is recorded and delivered", func(t *testing.T) {
		l, st, wf := newLife()
		var rec store.Decision
		st.DecideFn = func(a *store.Approval, d store.Decision) (*store.Approval, error) {
			rec = d
			out := *a
			out.State, out.Decision, out.DecidedBy, out.Comment = store.ApprovalDecided, d.Decision, d.By, d.Comment
			return &out, nil
		}
		var delivered DecisionMessage
		wf.DeliverFn = func(token, output string) error {
			if token != "tok" {
				t.Errorf("token %q", token)
			}
			return json.Unmarshal([]byte(output), &delivered)
		}
		st.MarkDeliveredFn = func(id string) error { return nil }
		_, err := l.Decide(ctx, pending(st), DecideInput{Approver: "o@demo.local", Decision: store.DecisionApprove, Comment: " 同意 ", Attested: true, IP: "1.2.3.4"})
		if err != nil {
			t.Fatal(err)
		}
		if !rec.Attested || rec.Comment != "同意" || len(rec.Audit) != 2 || rec.Audit[1].Action != store.ActionAttest || rec.Audit[1].Comment != Attestation {
			t.Errorf("recorded %+v", rec)
		}
		if delivered != (DecisionMessage{Decision: "approve", By: "o@demo.local", Comment: "同意", ApprovalID: "a"}) {
			t.Errorf("delivered %+v", delivered)
		}
		if st.calls["MarkDelivered"] != 1 {
			t.Error("not marked delivered")
		}
	})
	t.Run("a closed wait: recorded, delivered at the next reminder", func(t *testing.T) {
		l, st, wf := newLife()
		st.DecideFn = func(a *store.Approval, d store.Decision) (*store.Approval, error) { return a, nil }
		wf.DeliverFn = func(string, string) error { return fmt.Errorf("%w: gone", ErrTaskClosed) }
		if _, err := l.Decide(ctx, pending(st), DecideInput{Decision: store.DecisionReturn, Comment: "改"}); err != nil {
			t.Fatal(err)
		}
		if st.calls["MarkDelivered"] != 0 {
			t.Error("marked delivered though the wait was closed")
		}
	})
	t.Run("delivery fails: the decision comes back with the error", func(t *testing.T) {
		l, st, wf := newLife()
		st.DecideFn = func(a *store.Approval, d store.Decision) (*store.Approval, error) { return a, nil }
		wf.DeliverFn = func(string, string) error { return errors.New("throttled") }
		got, err := l.Decide(ctx, pending(st), DecideInput{Decision: store.DecisionReturn, Comment: "改"})
		if got == nil || err == nil {
			t.Fatalf("%v, %v", got, err)
		}
	})
	t.Run("the second decision loses", func(t *testing.T) {
		l, st, _ := newLife()
		st.DecideFn = func(*store.Approval, store.Decision) (*store.Approval, error) { return nil, store.ErrConflict }
		_, err := l.Decide(ctx, pending(st), DecideInput{Decision: store.DecisionReturn, Comment: "改"})
		wantCode(t, err, CodeConflict, "")
	})
	for _, tt := range []struct {
		name string
		edit func(*store.Approval)
		want string
	}{
		{"decided", func(a *store.Approval) {
			a.State, a.Decision, a.DecidedBy = store.ApprovalDecided, store.DecisionReturn, "x@demo.local"
		}, "x@demo.local"},
		{"withdrawn", func(a *store.Approval) { a.State, a.ClosedReason = store.ApprovalClosed, store.ClosedWithdrawn }, "撤回"},
		{"overdue", func(a *store.Approval) { a.State, a.ClosedReason = store.ApprovalClosed, store.ClosedOverdue }, "逾期"},
		{"ended", func(a *store.Approval) { a.State, a.ClosedReason = store.ApprovalClosed, store.ClosedEnded }, "已经结束"},
		{"expired", func(a *store.Approval) { a.Expires = a.Created }, "过期"},
	} {
		t.Run("closed: "+tt.name, func(t *testing.T) {
			l, st, _ := newLife()
			a := pending(st)
			tt.edit(a)
			_, err := l.Decide(ctx, a, DecideInput{Decision: store.DecisionApprove, Attested: true})
			wantCode(t, err, CodeConflict, tt.want)
			if st.calls["Decide"] != 0 {
				t.Error("a closed approval was decided")
			}
		})
	}
}

func TestWorkflowMoves(t *testing.T) {
	e := Execution{Agency: "demo", Year: 2025, Version: 2, Level: 1}
	t.Run("a superseded version is not sent back", func(t *testing.T) {
		l, st, _ := newLife()
		st.UpdateStatusFn = func(string, int, int, store.ReportChange, string) error { return store.ErrConflict }
		ok, err := l.SendBack(ctx, e, Return{Status: store.StatusReturned, Record: true, Levels: 3})
		if ok || err != nil || st.calls["FindApproval"] != 0 || st.calls["Audit"] != 0 {
			t.Errorf("ok %v err %v calls %v", ok, err, st.calls)
		}
	})
	t.Run("sent back: status, waits closed as ended, one record line", func(t *testing.T) {
		l, st, _ := newLife()
		var change store.ReportChange
		st.UpdateStatusFn = func(_ string, _ int, _ int, c store.ReportChange, _ string) error { change = c; return nil }
		st.FindApprovalFn = func(_ string, _ int, _ int, level store.LevelIndex) (*store.Approval, error) {
			return &store.Approval{ID: fmt.Sprint(level), State: store.ApprovalPending}, nil
		}
		var reasons []store.ClosedReason
		st.CloseApprovalFn = func(_ string, r store.ClosedReason) (*store.Approval, error) {
			reasons = append(reasons, r)
			return nil, nil
		}
		var lines []store.AuditEntry
		st.AuditFn = func(_ string, _ int, a store.AuditEntry) error { lines = append(lines, a); return nil }
		ok, err := l.SendBack(ctx, e, Return{Status: store.StatusOverdue, Comment: "逾期", Actor: Actor, Action: store.ActionOverdue, Record: true, Levels: 2})
		if !ok || err != nil {
			t.Fatal(ok, err)
		}
		if change.Status != store.StatusOverdue || change.Level != store.NoLevel || len(reasons) != 2 || reasons[0] != store.ClosedEnded || len(lines) != 1 || lines[0].Action != store.ActionOverdue {
			t.Errorf("change %+v reasons %v lines %+v", change, reasons, lines)
		}
	})
	t.Run("a failed notice leaves the report published", func(t *testing.T) {
		l, st, _ := newLife()
		st.AuditFn = func(string, int, store.AuditEntry) error { return nil }
		st.FindApprovalFn = func(string, int, int, store.LevelIndex) (*store.Approval, error) { return nil, store.ErrNotFound }
		if err := l.Fail(ctx, e, "Notify", "「通知」步骤失败", true, 2); err != nil {
			t.Fatal(err)
		}
		if st.calls["UpdateStatus"] != 0 {
			t.Error("the status of a published report was changed")
		}
	})
	t.Run("a failure is recorded once", func(t *testing.T) {
		l, st, _ := newLife()
		failed := false
		st.UpdateStatusFn = func(_ string, _ int, _ int, c store.ReportChange, _ string) error {
			if failed {
				return store.ErrConflict
			}
			if c.Status != store.StatusFailed || c.FailedStep != "RequestApproval" {
				t.Errorf("change %+v", c)
			}
			failed = true
			return nil
		}
		st.FindApprovalFn = func(string, int, int, store.LevelIndex) (*store.Approval, error) { return nil, store.ErrNotFound }
		st.AuditFn = func(string, int, store.AuditEntry) error { return nil }
		for i := 0; i < 3; i++ {
			if err := l.Fail(ctx, e, "RequestApproval", "「审批」步骤失败", false, 2); err != nil {
				t.Fatal(err)
			}
		}
		if st.calls["Audit"] != 1 {
			t.Errorf("%d fail lines for one failure", st.calls["Audit"])
		}
	})
	t.Run("a version withdrawn before its publication is not claimed", func(t *testing.T) {
		l, st, _ := newLife()
		st.ClaimPublicationFn = func(string, int, int) error { return store.ErrConflict }
		if ok, err := l.ClaimPublication(ctx, e); ok || err != nil {
			t.Errorf("claimed %v, %v", ok, err)
		}
	})
	t.Run("a retried publication finds it published", func(t *testing.T) {
		l, st, _ := newLife()
		st.UpdateStatusFn = func(string, int, int, store.ReportChange, string) error { return store.ErrConflict }
		st.AuditFn = func(string, int, store.AuditEntry) error { return nil }
		if err := l.Published(ctx, e, "http://x/"); err != nil {
			t.Fatal(err)
		}
		if st.calls["Audit"] != 0 {
			t.Error("a retried publication recorded it again")
		}
	})
	t.Run("rearm delivers a decision taken while no wait was live", func(t *testing.T) {
		l, st, wf := newLife()
		st.SetTaskTokenFn = func(id, token string) (*store.Approval, error) {
			return &store.Approval{ID: id, TaskToken: token, State: store.ApprovalDecided, Decision: store.DecisionApprove}, nil
		}
		wf.DeliverFn = func(token, _ string) error {
			if token != "new" {
				t.Errorf("delivered on %q", token)
			}
			return nil
		}
		st.MarkDeliveredFn = func(string) error { return nil }
		if err := l.Rearm(ctx, &store.Approval{ID: "a"}, "new"); err != nil || wf.calls["Deliver"] != 1 {
			t.Errorf("%v, deliveries %d", err, wf.calls["Deliver"])
		}
	})
}

func TestMayDraft(t *testing.T) {
	for _, tt := range []struct {
		u    *store.User
		want bool
	}{
		{&store.User{Agency: "demo", Roles: []string{store.RoleDrafter}}, true},
		{&store.User{Agency: "demo", Roles: []string{store.RoleAdmin}}, true},
		{&store.User{Agency: "demo", Roles: []string{store.RoleApprover}}, false},
		{&store.User{Agency: "other", Roles: []string{store.RoleDrafter}}, false},
		{nil, false},
	} {
		if got := MayDraft(tt.u, "demo"); got != tt.want {
			t.Errorf("MayDraft(%+v) = %v", tt.u, got)
		}
	}
}

func TestTaskClosed(t *testing.T) {
	for _, err := range []error{&sfntypes.TaskTimedOut{}, &sfntypes.TaskDoesNotExist{}, fmt.Errorf("send: %w", &sfntypes.InvalidToken{})} {
		if !TaskClosed(err) {
			t.Errorf("TaskClosed(%T) = false", err)
		}
	}
	if TaskClosed(errors.New("throttled")) {
		t.Error("an unrelated error counts as a closed task")
	}
}

func TestExecutionNameIsDeterministic(t *testing.T) {
	if a, b := ExecutionName("demo", 2025, 2), ExecutionName("demo", 2025, 2); a != b || a != "demo-2025-v2" {
		t.Errorf("execution names %q, %q", a, b)
	}
}

func TestErrorCode(t *testing.T) {
	if ErrorCode(nil) != "" || ErrorCode(errors.New("x")) != CodeInternal ||
		ErrorCode(fmt.Errorf("wrapped: %w", Errorf(CodeStale, "旧"))) != CodeStale {
		t.Error("ErrorCode does not find the code through wrapping")
	}
}

func TestSeparationOfDuties(t *testing.T) {
	t.Run("deciding", func(t *testing.T) {
		for _, tt := range []struct {
			name, approver string
			want           string
		}{
			{"the submitter, at any level", "D@demo.local", "由您提交"},
			{"who decided another level", "o@demo.local", "您已审批本版报告的「第1级」"},
			{"someone else", "x@demo.local", ""},
		} {
			t.Run(tt.name, func(t *testing.T) {
				l, st, wf := newLife()
				st.GetVersionFn = func(string, int, int) (*store.Version, error) {
					return &store.Version{SubmittedBy: "d@demo.local", Chain: agency(3).Chain}, nil
				}
				st.FindApprovalFn = func(_ string, _ int, _ int, level store.LevelIndex) (*store.Approval, error) {
					if level == 0 {
						return &store.Approval{LevelName: "第1级", State: store.ApprovalDecided, DecidedBy: "o@demo.local"}, nil
					}
					return nil, store.ErrNotFound
				}
				st.DecideFn = func(a *store.Approval, d store.Decision) (*store.Approval, error) { return a, nil }
				wf.DeliverFn = func(string, string) error { return nil }
				st.MarkDeliveredFn = func(string) error { return nil }
				a := &store.Approval{ID: "a", Level: 1, LevelName: "第2级", State: store.ApprovalPending, Expires: st.now.Add(time.Hour)}
				_, err := l.Decide(ctx, a, DecideInput{Approver: tt.approver, Decision: store.DecisionApprove})
				if tt.want == "" {
					if err != nil {
						t.Fatal(err)
					}
					return
				}
				wantCode(t, err, CodeForbidden, tt.want)
				if st.calls["Decide"] != 0 {
					t.Error("a refused decision was recorded")
				}
				if err := l.MayDecide(ctx, a, tt.approver); ErrorCode(err) != CodeForbidden {
					t.Errorf("MayDecide = %v", err)
				}
			})
		}
	})
	t.Run("deciding a level must leave the others someone to decide them", func(t *testing.T) {
		l, st, _ := newLife()
		// L1 [a, b], L2 [a]: if a decides L1, nobody may decide L2.
		st.GetVersionFn = func(string, int, int) (*store.Version, error) {
			return &store.Version{SubmittedBy: "c@x", Chain: []store.Level{
				{Name: "L1", Approvers: []string{"a@x", "b@x"}}, {Name: "L2", Approvers: []string{"a@x"}}}}, nil
		}
		st.FindApprovalFn = func(string, int, int, store.LevelIndex) (*store.Approval, error) { return nil, store.ErrNotFound }
		l1 := &store.Approval{ID: "1", Level: 0, LevelName: "L1"}
		if err := l.MayDecide(ctx, l1, "a@x"); ErrorCode(err) != CodeForbidden || !strings.Contains(err.Error(), "「L2」将没有可以审批的人") {
			t.Errorf("a at L1: %v", err)
		}
		if err := l.MayDecide(ctx, l1, "b@x"); err != nil {
			t.Errorf("b at L1: %v", err)
		}
	})
	chain := func(levels ...[]string) []store.Level {
		var out []store.Level
		for i, a := range levels {
			out = append(out, store.Level{Name: fmt.Sprintf("L%d", i), Approvers: a})
		}
		return out
	}
	for _, tt := range []struct {
		name      string
		chain     []store.Level
		submitter string
		want      store.LevelIndex
	}{
		{"everyone distinct", chain([]string{"a"}, []string{"b"}, []string{"c"}), "d", store.NoLevel},
		{"the submitter alone at a level", chain([]string{"a"}, []string{"D"}, []string{"c"}), "d", 1},
		{"the submitter and another at a level", chain([]string{"a"}, []string{"d", "e"}, []string{"c"}), "d", store.NoLevel},
		{"one person for two levels", chain([]string{"a"}, []string{"a"}), "d", 1},
		{"two people share two levels", chain([]string{"a", "b"}, []string{"a"}), "d", store.NoLevel},
		{"three levels for two people", chain([]string{"a", "b"}, []string{"a", "b"}, []string{"b", "a"}), "d", 2},
	} {
		t.Run("submitting: "+tt.name, func(t *testing.T) {
			if got := Unstaffed(tt.chain, tt.submitter, nil, "2026-01-10"); got != tt.want {
				t.Errorf("Unstaffed = %d, want %d", got, tt.want)
			}
		})
	}
	t.Run("a submission that would leave a level undecidable is refused, naming it", func(t *testing.T) {
		l, st, wf := newLife()
		st.GetReportFn = reports(submittable(t, 0))
		ag := agency(2)
		ag.Chain[1].Approvers = []string{"D@demo.local"}
		_, err := l.Submit(ctx, SubmitInput{Agency: ag, Year: 2025, Actor: "d@demo.local"})
		wantCode(t, err, CodeUnprocessable, "「第2级」没有可以审批")
		if st.calls["Submit"] != 0 || wf.calls["Start"] != 0 {
			t.Error("a refused submission wrote or started")
		}
	})
}
