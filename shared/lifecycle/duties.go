package lifecycle

import (
	"context"
	"strings"

	"nianbao/shared/store"
)

// Separation of duties: the submitter of a version decides no level of it, and no one
// decides two levels of the same version. Small agencies exist where one person drafts
// and sits in the chain; they may, as long as someone else decides each level of what
// they submitted.

// MayDecide says whether approver may decide approval a; a *Error (CodeForbidden) whose
// message the review page shows instead of the buttons, and the POST answers.
func (l *Lifecycle) MayDecide(ctx context.Context, a *store.Approval, approver string) error {
	v, err := l.Store.GetVersion(ctx, a.Agency, a.Year, a.Version)
	if err != nil {
		return err
	}
	if same(v.SubmittedBy, approver) {
		return Errorf(CodeForbidden, "本版报告由您提交，您不能审批本版的任何一级：起草与审批须由不同的人完成。本级的其他审批人可以审批。")
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
		if same(other.DecidedBy, approver) {
			return Errorf(CodeForbidden, "您已审批本版报告的「%s」，同一人不能审批同一版本的两级。本级的其他审批人可以审批。", other.LevelName)
		}
		used[key(other.DecidedBy)] = true
	}
	// Look ahead: deciding here must leave every other open level someone to decide it.
	used[key(approver)] = true
	for n := 1; n <= len(open); n++ {
		if !staffable(open[:n], used) {
			return Errorf(CodeForbidden, "如果由您审批本级，「%s」将没有可以审批的人（同一人不能审批同一版本的两级）。请由本级的其他审批人审批。", open[n-1].Name)
		}
	}
	return nil
}

func key(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// Unstaffed is the first level of a chain that no one may decide when submitter submits:
// each level needs an approver who is not the submitter and has no other level to
// decide. It returns NoLevel when every level can be decided.
func Unstaffed(chain []store.Level, submitter string) store.LevelIndex {
	// The shortest start of the chain that cannot be staffed ends at the level to name.
	for n := 1; n <= len(chain); n++ {
		if !staffable(chain[:n], map[string]bool{key(submitter): true}) {
			return store.LevelIndex(n - 1)
		}
	}
	return store.NoLevel
}

// staffable reports whether every level of chain can get its own approver, none of them
// excluded (the submitter, who decided other levels): a matching, found by trying each
// in turn (chains have at most five levels).
func staffable(chain []store.Level, excluded map[string]bool) bool {
	taken := map[string]bool{}
	var try func(i int) bool
	try = func(i int) bool {
		if i == len(chain) {
			return true
		}
		for _, a := range chain[i].Approvers {
			k := key(a)
			if excluded[k] || taken[k] {
				continue
			}
			taken[k] = true
			if try(i + 1) {
				return true
			}
			taken[k] = false
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
