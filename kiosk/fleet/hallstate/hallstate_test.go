package hallstate

import "testing"

// Who may do what, permission by permission: the table the hall server
// checks on every endpoint.
func TestRoleCan(t *testing.T) {
	all := []Permission{PermView, PermAssist, PermCommand, PermPush, PermEnrol, PermOperators}
	tests := []struct {
		role Role
		may  []Permission
	}{
		{RoleViewer, []Permission{PermView}},
		{RoleWindow, []Permission{PermView, PermAssist}},
		{RoleOps, []Permission{PermView, PermCommand}},
		{RoleAdmin, []Permission{PermView, PermCommand, PermPush, PermEnrol, PermOperators}},
		{Role("root"), nil},
		{Role(""), nil},
	}
	for _, tc := range tests {
		t.Run(string(tc.role), func(t *testing.T) {
			for _, p := range all {
				want := false
				for _, q := range tc.may {
					want = want || q == p
				}
				if got := tc.role.Can(p); got != want {
					t.Errorf("%q.Can(%s) = %v, want %v", tc.role, p, got, want)
				}
			}
			if got := tc.role.Valid(); got != (tc.may != nil) {
				t.Errorf("%q.Valid() = %v", tc.role, got)
			}
		})
	}
	if len(Roles()) != len(rolePermissions) {
		t.Errorf("Roles() lists %d roles, the table has %d", len(Roles()), len(rolePermissions))
	}
}
