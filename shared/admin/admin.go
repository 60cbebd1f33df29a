// Package admin creates and updates agencies, their approval chains and their users
// from a YAML file (`nianbao admin import agencies.yaml`), idempotently: importing the
// same file twice leaves the table as importing it once.
package admin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"nianbao/shared/render"
	"nianbao/shared/report"
	"nianbao/shared/store"
)

// File is the import file.
type File struct {
	Agencies []Agency `yaml:"agencies"`
	Users    []User   `yaml:"users"`
	// Substitutes (代理) name who stands in for an approver, and when (away.go).
	Substitutes []store.Substitute `yaml:"substitutes"`
}

// Agency is one agency in the file.
type Agency struct {
	ID              string  `yaml:"id"`
	Name            string  `yaml:"name"`
	OfficeEmail     string  `yaml:"office_email"`
	ReminderSeconds int     `yaml:"reminder_seconds"`
	MaxReminders    int     `yaml:"max_reminders"`
	Chain           []Level `yaml:"chain"`
	// Kind is department (the default), township or government.
	Kind string `yaml:"kind"`
	// Parent is the id of the government unit that supervises this one.
	Parent string `yaml:"parent"`
	// Due, on a government unit, overrides the statutory deadlines of its units.
	Due *store.Due `yaml:"due"`
}

// Level is one approval level in the file. ConfidentialityReview is on by default for a
// level whose name contains 办公室 (the office does the 保密审查).
type Level struct {
	Name                  string   `yaml:"name"`
	Approvers             []string `yaml:"approvers"`
	ConfidentialityReview *bool    `yaml:"confidentiality_review"`
	// EscalateTo is offered the level's approval after its last reminder.
	EscalateTo string `yaml:"escalate_to"`
}

// User is one user in the file.
type User struct {
	Email  string   `yaml:"email"`
	Name   string   `yaml:"name"`
	Agency string   `yaml:"agency"`
	Roles  []string `yaml:"roles"`
}

// Parse reads an import file strictly (unknown keys are errors) and checks it whole,
// so that nothing is written from a file with a mistake in it.
func Parse(data []byte) (*File, error) {
	var f File
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("导入文件格式错误：%w", err)
	}
	if err := f.check(); err != nil {
		return nil, err
	}
	return &f, nil
}

func (f *File) check() error {
	var errs []error
	agencies := map[string]bool{}
	for i, a := range f.Agencies {
		where := fmt.Sprintf("agencies[%d]（%s）", i, a.ID)
		if !render.ValidAgencyID(a.ID) {
			//lint:ignore ST1005 the final "." is one of the characters an id may use, not punctuation
			errs = append(errs, fmt.Errorf("%s：id 须为 1 至 64 个英文字母、数字、-、_ 或 .", where))
		}
		if agencies[a.ID] {
			errs = append(errs, fmt.Errorf("%s：id 重复", where))
		}
		agencies[a.ID] = true
		if strings.TrimSpace(a.Name) == "" {
			errs = append(errs, fmt.Errorf("%s：缺少机关名称 name", where))
		}
		if p := report.InvisibleProblem("机关名称 name ", a.Name); p != "" {
			errs = append(errs, fmt.Errorf("%s：%s", where, p))
		}
		if a.OfficeEmail != "" && !validEmail(a.OfficeEmail) {
			errs = append(errs, fmt.Errorf("%s：office_email %q 不是有效的邮箱", where, a.OfficeEmail))
		}
		if a.ReminderSeconds < 0 || a.MaxReminders < 0 {
			errs = append(errs, fmt.Errorf("%s：reminder_seconds 和 max_reminders 不能为负数", where))
		}
		if len(a.Chain) < store.MinLevels || len(a.Chain) > store.MaxLevels {
			errs = append(errs, fmt.Errorf("%s：审批流程 chain 须有 %d 至 %d 级，实有 %d 级", where, store.MinLevels, store.MaxLevels, len(a.Chain)))
		}
		for j, l := range a.Chain {
			lw := fmt.Sprintf("%s chain[%d]", where, j)
			if strings.TrimSpace(l.Name) == "" {
				errs = append(errs, fmt.Errorf("%s：缺少级别名称 name", lw))
			}
			if p := report.InvisibleProblem("级别名称 name ", l.Name); p != "" {
				errs = append(errs, fmt.Errorf("%s：%s", lw, p))
			}
			if len(l.Approvers) == 0 {
				errs = append(errs, fmt.Errorf("%s（%s）：至少要有一位审批人 approvers", lw, l.Name))
			}
			for _, e := range l.Approvers {
				if !validEmail(e) {
					errs = append(errs, fmt.Errorf("%s（%s）：审批人 %q 不是有效的邮箱", lw, l.Name, e))
				}
			}
		}
	}
	errs = append(errs, f.checkHierarchy()...)
	kinds := map[string]string{}
	for _, a := range f.Agencies {
		kinds[a.ID] = kindOf(a.Kind)
	}
	users := map[string]bool{}
	for i, u := range f.Users {
		where := fmt.Sprintf("users[%d]（%s）", i, u.Email)
		if !validEmail(u.Email) {
			errs = append(errs, fmt.Errorf("%s：email 不是有效的邮箱", where))
		}
		if p := report.InvisibleProblem("姓名 name ", u.Name); p != "" {
			errs = append(errs, fmt.Errorf("%s：%s", where, p))
		}
		key := strings.ToLower(u.Email)
		if users[key] {
			errs = append(errs, fmt.Errorf("%s：email 重复", where))
		}
		users[key] = true
		if !agencies[u.Agency] {
			errs = append(errs, fmt.Errorf("%s：机关 %q 不在本文件的 agencies 中", where, u.Agency))
		}
		if len(u.Roles) == 0 {
			errs = append(errs, fmt.Errorf("%s：至少要有一个角色 roles（drafter、approver、admin、supervisor）", where))
		}
		for _, r := range u.Roles {
			switch r {
			case store.RoleDrafter, store.RoleApprover, store.RoleAdmin:
			case store.RoleSupervisor:
				if agencies[u.Agency] && kinds[u.Agency] != store.KindGovernment {
					errs = append(errs, fmt.Errorf("%s：supervisor 角色只能给政府单位（kind: government）的用户，%q 不是", where, u.Agency))
				}
			default:
				errs = append(errs, fmt.Errorf("%s：未知角色 %q（可用：drafter、approver、admin、supervisor）", where, r))
			}
		}
	}
	errs = append(errs, f.checkAway()...)
	return errors.Join(errs...)
}

// kindOf is a unit's kind, department when the file gives none.
func kindOf(k string) string {
	if k == "" {
		return store.KindDepartment
	}
	return k
}

// checkHierarchy checks kinds, parents and deadlines: a parent is a government unit of
// the file, no unit is its own ancestor, and only a government sets deadlines.
func (f *File) checkHierarchy() []error {
	var errs []error
	byID := map[string]*Agency{}
	for i := range f.Agencies {
		byID[f.Agencies[i].ID] = &f.Agencies[i]
	}
	for i, a := range f.Agencies {
		where := fmt.Sprintf("agencies[%d]（%s）", i, a.ID)
		switch a.Kind {
		case "", store.KindDepartment, store.KindTownship, store.KindGovernment:
		default:
			errs = append(errs, fmt.Errorf("%s：未知的单位类型 kind %q（可用：department、township、government）", where, a.Kind))
		}
		if a.Parent != "" {
			p, ok := byID[a.Parent]
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("%s：上级单位 parent %q 不在本文件的 agencies 中", where, a.Parent))
			case kindOf(p.Kind) != store.KindGovernment:
				errs = append(errs, fmt.Errorf("%s：上级单位 parent %q 须为政府单位（kind: government）", where, a.Parent))
			}
		}
		if a.Due != nil {
			if kindOf(a.Kind) != store.KindGovernment {
				errs = append(errs, fmt.Errorf("%s：只有政府单位（kind: government）可以设定报送期限 due", where))
			}
			for _, d := range []struct{ name, v string }{{"department", a.Due.Department}, {"township", a.Due.Township}, {"government", a.Due.Government}, {"publish", a.Due.Publish}} {
				if d.v != "" && !validMonthDay(d.v) {
					errs = append(errs, fmt.Errorf("%s：due.%s %q 不是有效的月-日（如 01-31）", where, d.name, d.v))
				}
			}
		}
	}
	// Cycles: walking up from any unit must end.
	reported := map[string]bool{}
	for _, a := range f.Agencies {
		seen := map[string]bool{}
		for id := a.ID; id != "" && byID[id] != nil; id = byID[id].Parent {
			if seen[id] {
				if !reported[id] {
					errs = append(errs, fmt.Errorf("agencies（%s）：上级单位 parent 构成循环", id))
				}
				reported[id] = true
				break
			}
			seen[id] = true
		}
	}
	return errs
}

// validMonthDay reports whether s is a month-day "MM-DD" of a leap year's calendar.
func validMonthDay(s string) bool {
	t, err := time.Parse("2006-01-02", "2024-"+s)
	return err == nil && len(s) == 5 && t.Format("01-02") == s
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}

// Summary says what an import wrote.
type Summary struct {
	Agencies, Users int
	Substitutes     int // 代理 (away.go)
}

// Import writes the file's agencies and users.
func Import(ctx context.Context, st *store.Store, f *File) (Summary, error) {
	var sum Summary
	for _, a := range f.Agencies {
		ag := store.Agency{
			ID: a.ID, Name: strings.TrimSpace(a.Name),
			Settings: store.Settings{
				ReminderSeconds: a.ReminderSeconds, MaxReminders: a.MaxReminders, OfficeEmail: a.OfficeEmail,
			},
		}
		if ag.Settings.ReminderSeconds == 0 {
			ag.Settings.ReminderSeconds = store.DefaultReminderSeconds
		}
		if ag.Settings.MaxReminders == 0 {
			ag.Settings.MaxReminders = store.DefaultMaxReminders
		}
		ag.Kind, ag.Parent = kindOf(a.Kind), a.Parent
		if a.Due != nil {
			ag.Due = *a.Due
		}
		for _, l := range a.Chain {
			review := strings.Contains(l.Name, "办公室")
			if l.ConfidentialityReview != nil {
				review = *l.ConfidentialityReview
			}
			ag.Chain = append(ag.Chain, store.Level{Name: strings.TrimSpace(l.Name), Approvers: lower(l.Approvers), ConfidentialityReview: review,
				EscalateTo: strings.ToLower(strings.TrimSpace(l.EscalateTo))})
		}
		if err := st.PutAgency(ctx, ag); err != nil {
			return sum, err
		}
		sum.Agencies++
	}
	for _, u := range f.Users {
		if err := st.PutUser(ctx, store.User{Email: u.Email, Name: u.Name, Agency: u.Agency, Roles: u.Roles}); err != nil {
			return sum, err
		}
		sum.Users++
	}
	n, err := f.importSubstitutes(ctx, st)
	sum.Substitutes = n
	if err != nil {
		return sum, err
	}
	return sum, nil
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}

// Warnings are what the file allows but an administrator should know: a drafter who also
// sits in the agency's chain may not decide a version they submit (separation of duties),
// so that level then needs another approver. Small agencies exist; it is not refused.
func (f *File) Warnings() []string {
	drafters := map[string]string{} // address → agency
	for _, u := range f.Users {
		for _, r := range u.Roles {
			if r == store.RoleDrafter || r == store.RoleAdmin {
				drafters[strings.ToLower(u.Email)] = u.Agency
			}
		}
	}
	var out []string
	for _, a := range f.Agencies {
		for _, l := range a.Chain {
			for _, e := range l.Approvers {
				if drafters[strings.ToLower(e)] != a.ID {
					continue
				}
				alone := ""
				if len(l.Approvers) == 1 {
					alone = "；该级只有这一位审批人，由其提交的报告将无法送审"
				}
				out = append(out, fmt.Sprintf("机关 %s：%s 既是起草人，又是「%s」的审批人。起草人不能审批自己提交的版本%s。", a.ID, e, l.Name, alone))
			}
		}
	}
	return append(out, f.awayWarnings(drafters)...)
}
