package local

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"nianbao/infra/stack"
	"nianbao/shared/app"
	"nianbao/shared/approval"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

//go:embed demo-report.json
var demoReport []byte

// DemoYear is the year the demo's reports are of: the last year, whose reports are due
// from January (and late after their deadlines), so the console opens on it.
func DemoYear(now time.Time) int { return now.In(render.Beijing()).Year() - 1 }

// DemoReport is the demo's full report document for an agency and a year.
func DemoReport(agency string, year int) (*report.Document, error) {
	var m map[string]any
	if err := json.Unmarshal(demoReport, &m); err != nil {
		return nil, err
	}
	m["agency"], m["year"] = agency, year
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return report.DecodeBytes(b)
}

// SeedDemoReports gives the demo units' reports of a year their states, writing through
// the store and the Publish step as the workflow would: 示例区应急管理局 not started (its
// drafter starts from the form), 示例区财政局 a draft with errors, 示例区教育局 in review at
// its 办公室 (its section 五 as last year's: 年年雷同), 示例区卫生健康委员会 published, 示例镇人民政府 a draft (late once its 1月15日 passes).
func SeedDemoReports(ctx context.Context, st *stack.Stack, year int) error {
	a, err := app.New(ctx, st.Getenv("PublishFunction"), app.WithS3)
	if err != nil {
		return err
	}
	s := a.Store
	draft := func(agency, name string, broken bool) (*report.Document, int, error) {
		doc, err := DemoReport(name, year)
		if err != nil {
			return nil, 0, err
		}
		if broken { // 本年新收 no longer adds up: requests.row_total
			n, _ := doc.Requests.Get("new", "natural_person").Int()
			doc.Requests.Set("new", "natural_person", report.Int(n+7))
		}
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, 0, err
		}
		if _, err := s.GetReport(ctx, agency, year); err == nil {
			return nil, 0, nil // seeded before: leave it as it is
		}
		rev, err := s.SaveDraft(ctx, agency, year, b, 0, "drafter@"+agency+".local", "")
		return doc, rev, err
	}
	submit := func(agency string, doc *report.Document, rev int) (*store.Agency, error) {
		ag, err := s.GetAgency(ctx, agency)
		if err != nil {
			return nil, err
		}
		b, _ := json.Marshal(doc)
		return ag, s.Submit(ctx, store.Submission{Rev: rev, Version: store.Version{Agency: agency, Year: year, Number: 1,
			Document: b, SubmittedBy: "drafter@" + agency + ".local", Chain: ag.Chain, Settings: ag.Settings}})
	}
	if _, _, err := draft("demo-finance", "示例区财政局", true); err != nil {
		return fmt.Errorf("seed demo-finance: %w", err)
	}
	if _, _, err := draft("demo-town", "示例镇人民政府", false); err != nil {
		return fmt.Errorf("seed demo-town: %w", err)
	}
	// 示例区教育局 published last year's report with the same section 五: 年年雷同.
	if err := publishLastYear(ctx, a, "demo-edu", "示例区教育局", year-1); err != nil {
		return fmt.Errorf("seed demo-edu %d: %w", year-1, err)
	}
	if doc, rev, err := draft("demo-edu", "示例区教育局", false); err != nil {
		return fmt.Errorf("seed demo-edu: %w", err)
	} else if doc != nil {
		ag, err := submit("demo-edu", doc, rev)
		if err != nil {
			return fmt.Errorf("seed demo-edu: %w", err)
		}
		if err := s.UpdateStatus(ctx, "demo-edu", year, 1, store.ReportChange{Status: store.StatusInReview, Level: 1, LevelName: ag.Chain[1].Name}, "section@demo-edu.local"); err != nil {
			return fmt.Errorf("seed demo-edu: %w", err)
		}
	}
	if doc, rev, err := draft("demo-health", "示例区卫生健康委员会", false); err != nil {
		return fmt.Errorf("seed demo-health: %w", err)
	} else if doc != nil {
		ag, err := submit("demo-health", doc, rev)
		if err != nil {
			return fmt.Errorf("seed demo-health: %w", err)
		}
		if _, err := a.Steps().Publish(ctx, approval.Input{Agency: "demo-health", Year: year, Version: 1, Level: store.LevelIndex(len(ag.Chain) - 1), LevelCount: len(ag.Chain)}); err != nil {
			return fmt.Errorf("seed demo-health: publish: %w", err)
		}
	}
	return nil
}

// publishLastYear publishes an agency's demo report of a year, unless it has one.
func publishLastYear(ctx context.Context, a *app.App, agency, name string, year int) error {
	s := a.Store
	if _, err := s.GetReport(ctx, agency, year); err == nil {
		return nil
	}
	doc, err := DemoReport(name, year)
	if err != nil {
		return err
	}
	b, err := json.Marshal(doc)
	if err != nil {
		return err
	}
	rev, err := s.SaveDraft(ctx, agency, year, b, 0, "drafter@"+agency+".local", "")
	if err != nil {
		return err
	}
	ag, err := s.GetAgency(ctx, agency)
	if err != nil {
		return err
	}
	if err := s.Submit(ctx, store.Submission{Rev: rev, Version: store.Version{Agency: agency, Year: year, Number: 1,
		Document: b, SubmittedBy: "drafter@" + agency + ".local", Chain: ag.Chain, Settings: ag.Settings}}); err != nil {
		return err
	}
	_, err = a.Steps().Publish(ctx, approval.Input{Agency: agency, Year: year, Version: 1, Level: store.LevelIndex(len(ag.Chain) - 1), LevelCount: len(ag.Chain)})
	return err
}
