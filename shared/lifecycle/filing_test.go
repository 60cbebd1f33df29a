package lifecycle

import (
	"testing"

	"nianbao/shared/store"
)

func TestMayFile(t *testing.T) {
	v := &store.Version{Agency: "a", Chain: []store.Level{{Name: "股室", Approvers: []string{"Section@a.local"}}, {Name: "局长", Approvers: []string{"boss@a.local"}}}}
	for _, c := range []struct {
		u    *store.User
		want bool
	}{
		{&store.User{Email: "d@a.local", Agency: "a", Roles: []string{store.RoleDrafter}}, true},
		{&store.User{Email: "admin@a.local", Agency: "a", Roles: []string{store.RoleAdmin}}, true},
		{&store.User{Email: "section@a.local"}, true}, // an approver of the chain, whatever the case of the address
		{&store.User{Email: "boss@a.local", Agency: "b", Roles: []string{store.RoleApprover}}, true},
		{&store.User{Email: "d@b.local", Agency: "b", Roles: []string{store.RoleDrafter}}, false},  // another agency's drafter
		{&store.User{Email: "x@a.local", Agency: "a", Roles: []string{store.RoleApprover}}, false}, // of the agency, not of this chain
		{&store.User{Email: ""}, false},
		{&store.User{Email: "sup@gov.local", Agency: "gov", Roles: []string{store.RoleSupervisor}}, true},   // a supervisor above the agency
		{&store.User{Email: "sup@city.local", Agency: "city", Roles: []string{store.RoleSupervisor}}, true}, // and above that
		{&store.User{Email: "sup@other.local", Agency: "other", Roles: []string{store.RoleSupervisor}}, false},
		{&store.User{Email: "d@gov.local", Agency: "gov", Roles: []string{store.RoleDrafter}}, false}, // of the government, not its supervisor
		{nil, false},
	} {
		if got := MayFile(c.u, v, []string{"gov", "city"}); got != c.want {
			t.Errorf("MayFile(%+v) = %v, want %v", c.u, got, c.want)
		}
	}
	if MayFile(&store.User{Email: "d@a.local", Agency: "a", Roles: []string{store.RoleDrafter}}, nil, nil) {
		t.Error("no version, yet allowed")
	}
}
