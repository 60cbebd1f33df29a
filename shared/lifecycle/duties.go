package lifecycle

import (
	"context"
	"strings"

	"nianbao/shared/store"
)

// Separation of duties: the submitter of a version decides no level of it, and no one
// decides two levels of the same version. Small agencies exist where one person drafts
// and sits in the chain; they may, as long as someone else decides each level of what
// they submitted. The rules hold through substitutes (代理): a decision taken by a
// substitute counts for both the substitute and the approver they stand in for, so
// neither the submitter nor anyone who had a hand in another level decides, as
// themselves or for someone else.

// MayDecide says whether approver may decide approval a (for whom their link names, if
// they are a substitute); a *Error (CodeForbidden) whose message the review page shows
// instead of the buttons, and the POST answers.
func (l *Lifecycle) MayDecide(ctx context.Context, a *store.Approval, approver string) error {
	v, err := l.Store.GetVersion(ctx, a.Agency, a.Year, a.Version)
	if err != nil {
		return err
	}
	var onBehalf string
	if r, ok := a.RecipientNamed(approver); ok {
		onBehalf = r.For
	}
	if same(v.SubmittedBy, approver) {
		return Errorf(CodeForbidden, "本版报告由您提交，您不能审批本版的任何一级：起草与审批须由不同的人完成。本级的其他审批人可以审批。")
	}
	if onBehalf != "" && same(v.SubmittedBy, onBehalf) {
		return Errorf(CodeForbidden, "本版报告由 %s 提交，您不能代其审批：起草与审批须由不同的人完成。本级的其他审批人可以审批。", onBehalf)
	}
	subs, err := l.Store.Substitutes(ctx, a.Agency)
	if err != nil {
		return err
	}
	today := Day(l.Store.Now())
	if onBehalf != "" && !substituting(subs, approver, onBehalf, today) {
		// A substitute decides while their substitution runs, not after.
		return Errorf(CodeForbidden, "您代理 %s 的期间已经结束（或代理已取消），不能再代其审批。%s 或本级的其他审批人可以审批。", onBehalf, onBehalf)
	}
	used := map[string]bool{key(v.SubmittedBy): true}
	var open []store.Level // the other levels not decided yet
	for i, lv := range v.Chain {
		if store.LevelIndex(i) == a.Level {
			continue
		}
		other, err := l.Store.FindApproval(ctx, a.Agency, a.Year, a.Version, store.LevelIndex(i))
		switch {
		case store.IsNotFound(err):
			open = append(open, lv)
			continue
		case err != nil:
			return err
		}
		if other.State != store.ApprovalDecided {
			open = append(open, lv)
			continue
		}
		switch {
		case same(other.DecidedBy, approver) || same(other.DecidedFor, approver):
			return Errorf(CodeForbidden, "您已审批本版报告的「%s」（%s），同一人不能审批同一版本的两级。本级的其他审批人可以审批。", other.LevelName, other.DecidedLabel())
		case onBehalf != "" && (same(other.DecidedBy, onBehalf) || same(other.DecidedFor, onBehalf)):
			return Errorf(CodeForbidden, "%s 已审批本版报告的「%s」（%s），您不能代其再审批一级：同一人不能审批同一版本的两级。本级的其他审批人可以审批。", onBehalf, other.LevelName, other.DecidedLabel())
		}
		used[key(other.DecidedBy)] = true
		if other.DecidedFor != "" {
			used[key(other.DecidedFor)] = true
		}
	}
	// Look ahead: deciding here must leave every other open level someone to decide it.
	used[key(approver)] = true
	if onBehalf != "" {
		used[key(onBehalf)] = true
	}
	for n := 1; n <= len(open); n++ {
		if !staffable(open[:n], used, subs, today) {
			return Errorf(CodeForbidden, "如果由您审批本级，「%s」将没有可以审批的人（同一人不能审批同一版本的两级）。请由本级的其他审批人审批。", open[n-1].Name)
		}
	}
	return nil
}

func key(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Unstaffed is the first level of a chain that no one may decide when submitter submits
// on day (a 北京时间 date): each level needs an approver — in person, through their
// substitute running that day, or the level's escalate_to — who is not the submitter and
// has no other level to decide. It returns NoLevel when every level can be decided.
func Unstaffed(chain []store.Level, submitter string, subs []store.Substitute, day string) store.LevelIndex {
	// The shortest start of the chain that cannot be staffed ends at the level to name.
	for n := 1; n <= len(chain); n++ {
		if !staffable(chain[:n], map[string]bool{key(submitter): true}, subs, day) {
			return store.LevelIndex(n - 1)
		}
	}
	return store.NoLevel
}

// deciders are the ways a level can be decided: each a set of the people the decision
// counts for (an approver; a substitute with the approver; the escalation address).
func deciders(l store.Level, subs []store.Substitute, day string) [][]string {
	var out [][]string
	for _, a := range l.Approvers {
		out = append(out, []string{a})
		for _, s := range subs {
			if s.Active(day) && same(s.Approver, a) {
				out = append(out, []string{s.Substitute, a})
			}
		}
	}
	if l.EscalateTo != "" {
		out = append(out, []string{l.EscalateTo})
	}
	return out
}

// staffable reports whether every level of chain can get its own decider, none of them
// counting for anyone excluded (the submitter, who decided other levels) or for anyone
// of another level: a matching, found by trying each in turn (chains have at most five
// levels).
func staffable(chain []store.Level, excluded map[string]bool, subs []store.Substitute, day string) bool {
	taken := map[string]bool{}
	var try func(i int) bool
	try = func(i int) bool {
		if i == len(chain) {
			return true
		}
	options:
		for _, people := range deciders(chain[i], subs, day) {
			for _, p := range people {
				if excluded[key(p)] || taken[key(p)] {
					continue options
				}
			}
			for _, p := range people {
				taken[key(p)] = true
			}
			if try(i + 1) {
				return true
			}
			for _, p := range people {
				taken[key(p)] = false
			}
		}
		return false
	}
	return try(0)
}

// unstaffedError is Submit's refusal of a chain that would leave a level undecidable.
func unstaffedError(chain []store.Level, i store.LevelIndex) *Error {
	return Errorf(CodeUnprocessable, "「%s」没有可以审批本版报告的人：提交人不能审批自己提交的报告，同一人也不能审批两级。请由其他人提交，或请管理员为「%s」增加审批人。",
		chain[i].Name, chain[i].Name)
}

func same(a, b string) bool { return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b)) }
