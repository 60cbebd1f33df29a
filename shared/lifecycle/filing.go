package lifecycle

import (
	"slices"
	"strings"

	"nianbao/shared/store"
)

// MayFile reports whether a person may open the filing copies of a submitted version
// (its Word copy and its 审批单): the drafters of its agency and the approvers of its
// chain as it was at submission, and the supervisors of a government unit above it
// (ancestors: the agency's parent, its parent's parent …). It is the one check of every
// route that serves them.
func MayFile(u *store.User, v *store.Version, ancestors []string) bool {
	if u == nil || v == nil {
		return false
	}
	if MayDraft(u, v.Agency) {
		return true
	}
	if u.Has(store.RoleSupervisor) && slices.Contains(ancestors, u.Agency) {
		return true
	}
	email := strings.TrimSpace(u.Email)
	for _, l := range v.Chain {
		for _, a := range l.Approvers {
			if email != "" && strings.EqualFold(strings.TrimSpace(a), email) {
				return true
			}
		}
	}
	return false
}
