// Package supervise is the supervisor's console: the units a government unit
// supervises (transitively), their reports' states against their deadlines, the
// quality flags the validator gives, and the 汇总 of their published numbers. It reads
// the table; the web answers with what it computes.
package supervise

import (
	"context"
	"fmt"
	"slices"
	"time"

	"nianbao/shared/lifecycle"
	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// Store names the table's methods the console reads (*store.Store has them all).
type Store interface {
	GetAgency(ctx context.Context, id string) (*store.Agency, error)
	Units(ctx context.Context, parent string) ([]store.Unit, error)
	GetReport(ctx context.Context, agency string, year int) (*store.Report, error)
	GetVersion(ctx context.Context, agency string, year, n int) (*store.Version, error)
	LastUrge(ctx context.Context, agency string, year int) (time.Time, error)
}

// maxDepth bounds a walk of the hierarchy: admin import refuses cycles, and no
// administration has this many tiers.
const maxDepth = 16

// Below lists the units gov supervises, transitively, in the order of a walk from the
// top (each government's units by id, then the units below each of them).
func Below(ctx context.Context, st Store, gov string) ([]store.Unit, error) {
	var out []store.Unit
	seen := map[string]bool{gov: true}
	level := []string{gov}
	for depth := 0; len(level) > 0 && depth < maxDepth; depth++ {
		var next []string
		for _, p := range level {
			us, err := st.Units(ctx, p)
			if err != nil {
				return nil, err
			}
			for _, u := range us {
				if seen[u.ID] {
					continue
				}
				seen[u.ID] = true
				out = append(out, u)
				if u.Kind == store.KindGovernment {
					next = append(next, u.ID)
				}
			}
		}
		level = next
	}
	return out, nil
}

// Supervises reports whether gov is agency itself or one of its ancestors.
func Supervises(ctx context.Context, st Store, gov, agency string) (bool, error) {
	id := agency
	for depth := 0; id != "" && depth <= maxDepth; depth++ {
		if id == gov {
			return true, nil
		}
		a, err := st.GetAgency(ctx, id)
		if store.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		id = a.Parent
	}
	return false, nil
}

// Ancestors are the government units above agency, nearest first.
func Ancestors(ctx context.Context, st Store, agency string) ([]string, error) {
	var out []string
	a, err := st.GetAgency(ctx, agency)
	for depth := 0; err == nil && a.Parent != "" && depth < maxDepth; depth++ {
		if slices.Contains(out, a.Parent) {
			break
		}
		out = append(out, a.Parent)
		a, err = st.GetAgency(ctx, a.Parent)
	}
	if err != nil && !store.IsNotFound(err) {
		return nil, err
	}
	return out, nil
}

// MaySupervise checks that u may use the console of unit: a supervisor of unit or of a
// government above it. The error is a *lifecycle.Error (forbidden, not found) or the
// table's.
func MaySupervise(ctx context.Context, st Store, u *store.User, unit string) (*store.Agency, error) {
	if u == nil || !u.Has(store.RoleSupervisor) {
		return nil, lifecycle.Errorf(lifecycle.CodeForbidden, "您没有督导权限。")
	}
	ok, err := Supervises(ctx, st, u.Agency, unit)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, lifecycle.Errorf(lifecycle.CodeForbidden, "您没有查看该单位的权限。")
	}
	a, err := st.GetAgency(ctx, unit)
	if store.IsNotFound(err) {
		return nil, lifecycle.Errorf(lifecycle.CodeNotFound, "没有这个单位。")
	}
	if err != nil {
		return nil, err
	}
	if a.UnitKind() != store.KindGovernment {
		return nil, lifecycle.Errorf(lifecycle.CodeNotFound, "%s 不是政府单位，没有下属单位。", a.Name)
	}
	return a, nil
}

// Statutory deadlines (条例第四十九条, 第五十条): units file with the government's office
// by 1月31日 of the next year, the government's own report follows by 3月31日.
const (
	statuteUnit       = "01-31"
	statuteGovernment = "03-31"
)

// Deadlines are the due date of a unit's report of a year and the date by when it
// must be published (the same, unless the government's rule separates them).
type Deadlines struct {
	Due, Publish time.Time // the last day, 00:00 北京时间
}

// DeadlinesOf are the deadlines of a report of a year of a unit of a kind, under the
// overrides of its parent government (zero Due when it has none).
func DeadlinesOf(year int, kind string, parent store.Due) Deadlines {
	md := statuteUnit
	switch kind {
	case store.KindGovernment:
		md = or(parent.Government, statuteGovernment)
	case store.KindTownship:
		md = or(parent.Township, statuteUnit)
	default:
		md = or(parent.Department, statuteUnit)
	}
	d := Deadlines{Due: day(year+1, md)}
	d.Publish = d.Due
	if parent.Publish != "" && kind != store.KindGovernment {
		if p := day(year+1, parent.Publish); p.After(d.Due) {
			d.Publish = p
		}
	}
	return d
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func day(year int, md string) time.Time {
	t, err := time.ParseInLocation("2006-01-02", fmt.Sprintf("%04d-%s", year, md), render.Beijing())
	if err != nil { // admin import checks every override
		t, _ = time.ParseInLocation("2006-01-02", fmt.Sprintf("%04d-01-31", year), render.Beijing())
	}
	return t
}

// dayOf is the date of t in Beijing, at 00:00.
func dayOf(t time.Time) time.Time {
	y, m, d := t.In(render.Beijing()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, render.Beijing())
}

// DaysLeft is how many days from now's date to the deadline: 0 on the day itself,
// negative when past.
func DaysLeft(now, deadline time.Time) int {
	return int(deadline.Sub(dayOf(now)).Round(time.Hour).Hours() / 24)
}

// DefaultYear is the year a board opens on: the year whose reports are due next, or
// the last year still in work. A year's reports are due from the start of the next year
// until the last of its deadlines (the government's own, 3月31日, or an override); after
// that the year is still in work while stillInWork says some unit has not published it.
func DefaultYear(now time.Time, due store.Due, stillInWork func(year int) (bool, error)) (int, error) {
	y := now.In(render.Beijing()).Year()
	last := DeadlinesOf(y-1, store.KindGovernment, due).Due
	for _, k := range []string{store.KindDepartment, store.KindTownship} {
		if d := DeadlinesOf(y-1, k, due); d.Publish.After(last) {
			last = d.Publish
		}
	}
	if DaysLeft(now, last) >= 0 {
		return y - 1, nil
	}
	if stillInWork != nil {
		busy, err := stillInWork(y - 1)
		if err != nil {
			return 0, err
		}
		if busy {
			return y - 1, nil
		}
	}
	return y, nil
}

// DefaultYearOf is DefaultYear for the units below gov: the last year is still in work
// while one of them has not published it.
func DefaultYearOf(ctx context.Context, st Store, gov *store.Agency, now time.Time) (int, error) {
	return DefaultYear(now, gov.Due, func(year int) (bool, error) {
		units, err := Below(ctx, st, gov.ID)
		if err != nil {
			return false, err
		}
		for _, u := range units {
			rp, err := st.GetReport(ctx, u.ID, year)
			if store.IsNotFound(err) {
				return true, nil
			}
			if err != nil {
				return false, err
			}
			if rp.PublishedVersion == 0 {
				return true, nil
			}
		}
		return false, nil
	})
}

// States beyond the report's own status.
const (
	StateNotStarted = "not_started"
	StateLate       = "late" // past due and not yet published: 逾期未报
)

// StateLabel is a state in Chinese.
func StateLabel(state string) string {
	switch state {
	case StateNotStarted:
		return "未开始"
	case StateLate:
		return "逾期未报"
	}
	return store.Status(state).Label()
}

// Flag is one quality flag on a unit's current version.
type Flag struct {
	Rule    string `json:"rule"`
	Message string `json:"message"`
}

// qualityRules are the validator's rules that are quality flags on the board (besides
// the counts of errors and warnings): 总体情况 too long, numbers in it that disagree with
// the tables, section 五 as last year's (年年雷同), last year's balance broken.
var qualityRules = []string{report.RuleOverviewLength, report.RuleOverviewNumbers, report.RuleRepeated,
	report.RuleCrossCarriedOver, report.RuleCrossInForce}

// Activity is the last change to a report and who made it.
type Activity struct {
	At string `json:"at"`
	By string `json:"by"`
}

// Row is one unit on the board.
type Row struct {
	Agency       string    `json:"agency"`
	Name         string    `json:"name"`
	Kind         string    `json:"kind"`
	Parent       string    `json:"parent"`
	State        string    `json:"state"`
	StateLabel   string    `json:"state_label"`
	Late         bool      `json:"late"`
	Level        string    `json:"level"`
	Due          string    `json:"due"`
	PublishDue   string    `json:"publish_due,omitempty"`
	DaysLeft     int       `json:"days_left"`
	LastActivity *Activity `json:"last_activity"`
	PublishedURL string    `json:"published_url"`
	Errors       int       `json:"errors"`
	Warnings     int       `json:"warnings"`
	Flags        []Flag    `json:"flags"`
	Reminded     string    `json:"reminded,omitempty"` // the last 催报, 北京时间
	Correction   string    `json:"correction,omitempty"`

	due time.Time
	pub int
}

// Board is the console's view of one year.
type Board struct {
	Unit     string         `json:"unit"`
	UnitName string         `json:"unit_name"`
	Year     int            `json:"year"`
	Counts   map[string]int `json:"counts"`
	Units    []Row          `json:"units"`
}

// Options are what a board is built with beside the table.
type Options struct {
	Now     time.Time
	SiteURL string
	// ReportURL is the public address of a unit's report of a year.
	ReportURL func(agency string, year int) string
}

// BuildBoard reads the state of every unit below gov for a year.
func BuildBoard(ctx context.Context, st Store, gov *store.Agency, year int, o Options) (*Board, error) {
	units, err := Below(ctx, st, gov.ID)
	if err != nil {
		return nil, err
	}
	parents := map[string]*store.Agency{gov.ID: gov}
	b := &Board{Unit: gov.ID, UnitName: gov.Name, Year: year, Counts: map[string]int{}, Units: []Row{}}
	for _, u := range units {
		p := parents[u.Parent]
		if p == nil {
			if p, err = st.GetAgency(ctx, u.Parent); err != nil {
				return nil, err
			}
			parents[u.Parent] = p
		}
		row, err := buildRow(ctx, st, u, p.Due, year, o)
		if err != nil {
			return nil, err
		}
		b.Counts[row.State]++
		if row.Late {
			b.Counts[StateLate]++
		}
		b.Units = append(b.Units, *row)
	}
	return b, nil
}

func buildRow(ctx context.Context, st Store, u store.Unit, due store.Due, year int, o Options) (*Row, error) {
	dl := DeadlinesOf(year, u.Kind, due)
	row := &Row{Agency: u.ID, Name: u.Name, Kind: u.Kind, Parent: u.Parent, State: StateNotStarted,
		Due: dl.Due.Format("2006-01-02"), Flags: []Flag{}, due: dl.Due}
	if !dl.Publish.Equal(dl.Due) {
		row.PublishDue = dl.Publish.Format("2006-01-02")
	}
	rp, err := st.GetReport(ctx, u.ID, year)
	switch {
	case store.IsNotFound(err):
	case err != nil:
		return nil, err
	default:
		row.State = string(rp.Status)
		row.pub = rp.PublishedVersion
		if rp.Status == store.StatusInReview {
			row.Level = rp.LevelName
		}
		if !rp.Updated.IsZero() {
			row.LastActivity = &Activity{At: rp.Updated.In(render.Beijing()).Format(time.RFC3339), By: rp.UpdatedBy}
		}
		if rp.PublishedVersion > 0 && o.ReportURL != nil {
			row.PublishedURL = o.ReportURL(u.ID, year)
		}
		if c := rp.OpenCorrection(); c != nil {
			row.Correction = c.Comment
		}
		if doc, err := report.DecodeBytes(rp.Draft); err == nil {
			fs := report.Validate(doc, lifecycle.PreviousYear(ctx, st, u.ID, year))
			seen := map[string]bool{}
			for _, f := range fs {
				if f.Severity == report.SeverityError {
					row.Errors++
				} else {
					row.Warnings++
				}
				if slices.Contains(qualityRules, f.Rule) && !seen[f.Rule] {
					seen[f.Rule] = true
					row.Flags = append(row.Flags, Flag{Rule: f.Rule, Message: f.Message})
				}
			}
		}
	}
	deadline := dl.Publish
	row.DaysLeft = DaysLeft(o.Now, deadline)
	row.Late = row.pub == 0 && row.DaysLeft < 0
	row.StateLabel = StateLabel(row.State)
	if last, err := st.LastUrge(ctx, u.ID, year); err != nil {
		return nil, err
	} else if !last.IsZero() {
		row.Reminded = last.In(render.Beijing()).Format(time.RFC3339)
	}
	return row, nil
}

// Filter keeps the rows of a state (StateLate: the late ones) and a kind; "" keeps all.
func (b *Board) Filter(state, kind string) []Row {
	var out []Row
	for _, r := range b.Units {
		if state != "" && !(state == StateLate && r.Late) && r.State != state {
			continue
		}
		if kind != "" && r.Kind != kind {
			continue
		}
		out = append(out, r)
	}
	return out
}

// SortKeys are the columns a board can be sorted by.
var SortKeys = []string{"agency", "name", "kind", "state", "due", "days_left", "last_activity", "errors", "warnings"}

// Sort orders rows by a column, descending when desc; ties by agency id.
func Sort(rows []Row, by string, desc bool) {
	cmpOf := func(a, b *Row) int {
		switch by {
		case "name":
			return cmpStr(a.Name, b.Name)
		case "kind":
			return cmpStr(a.Kind, b.Kind)
		case "state":
			return cmpStr(a.State, b.State)
		case "due":
			return a.due.Compare(b.due)
		case "days_left":
			return a.DaysLeft - b.DaysLeft
		case "last_activity":
			return cmpStr(activityAt(a), activityAt(b))
		case "errors":
			return a.Errors - b.Errors
		case "warnings":
			return a.Warnings - b.Warnings
		}
		return 0
	}
	slices.SortStableFunc(rows, func(a, b Row) int {
		c := cmpOf(&a, &b)
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmpStr(a.Agency, b.Agency)
		}
		return c
	})
}

func activityAt(r *Row) string {
	if r.LastActivity == nil {
		return ""
	}
	return r.LastActivity.At
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
