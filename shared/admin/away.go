package admin

import (
	"context"
	"fmt"
	"strings"

	"nianbao/shared/lifecycle"
	"nianbao/shared/store"
)

// checkAway checks the escalation addresses and the substitutes (代理): each names two
// users of the file from the same agency, with 北京时间 dates, and no loop among them.
func (f *File) checkAway() []error {
	var errs []error
	for i, a := range f.Agencies {
		for j, l := range a.Chain {
			if l.EscalateTo != "" && !validEmail(l.EscalateTo) {
				errs = append(errs, fmt.Errorf("agencies[%d]（%s） chain[%d]（%s）：escalate_to %q 不是有效的邮箱", i, a.ID, j, l.Name, l.EscalateTo))
			}
		}
	}
	users := map[string]*store.User{}
	for _, u := range f.Users {
		users[strings.ToLower(u.Email)] = &store.User{Email: u.Email, Agency: u.Agency, Roles: u.Roles}
	}
	f.placeSubstitutes()
	seen := map[string]bool{}
	for i, s := range f.Substitutes {
		where := fmt.Sprintf("substitutes[%d]（%s）", i, s.Approver)
		if seen[s.Approver] {
			errs = append(errs, fmt.Errorf("%s：同一审批人只能有一条代理", where))
		}
		seen[s.Approver] = true
		others := make([]store.Substitute, 0, len(f.Substitutes))
		for j, o := range f.Substitutes {
			if j != i {
				others = append(others, o)
			}
		}
		if err := lifecycle.CheckSubstitute(others, s, users[s.Approver], users[s.Substitute]); err != nil {
			msg := err.Error()
			if e, ok := lifecycle.AsError(err); ok {
				msg = e.Message
			}
			errs = append(errs, fmt.Errorf("%s：%s", where, msg))
		}
	}
	return errs
}

// placeSubstitutes normalises the substitutes' addresses and gives each its approver's
// agency (as the file's users say).
func (f *File) placeSubstitutes() {
	agencyOf := map[string]string{}
	for _, u := range f.Users {
		agencyOf[strings.ToLower(u.Email)] = u.Agency
	}
	for i := range f.Substitutes {
		s := &f.Substitutes[i]
		s.Approver, s.Substitute = strings.ToLower(strings.TrimSpace(s.Approver)), strings.ToLower(strings.TrimSpace(s.Substitute))
		s.From, s.To = strings.TrimSpace(s.From), strings.TrimSpace(s.To)
		s.Agency = agencyOf[s.Approver]
	}
}

// importSubstitutes writes the file's substitutions (each replaces its approver's) and
// says how many it wrote.
func (f *File) importSubstitutes(ctx context.Context, st *store.Store) (int, error) {
	f.placeSubstitutes()
	for i, s := range f.Substitutes {
		s.SetBy = "admin import"
		if err := st.PutSubstitute(ctx, s); err != nil {
			return i, err
		}
	}
	return len(f.Substitutes), nil
}

// awayWarnings: a drafter named someone's substitute does not decide, through that
// link, a version they submitted.
func (f *File) awayWarnings(drafters map[string]string) []string {
	var out []string
	for _, s := range f.Substitutes {
		sub := strings.ToLower(strings.TrimSpace(s.Substitute))
		if ag, ok := drafters[sub]; ok {
			out = append(out, fmt.Sprintf("机关 %s：起草人 %s 是 %s 的代理人（%s 至 %s）。起草人不能代理审批自己提交的版本。", ag, sub, s.Approver, s.From, s.To))
		}
	}
	return out
}
