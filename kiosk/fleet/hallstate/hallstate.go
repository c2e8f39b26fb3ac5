// Package hallstate names the states the hall shows of its fleet: whether
// it hears from a kiosk (Presence) and how far a profile rollout has got
// (Stage), and what the hall's operators may do (Role, Permission). It
// holds no words and does no I/O, so the UI's text package can
// word the states and the hall server (kiosk/fleet/hall) can use them
// without either linking the other.
package hallstate

// Presence is whether the hall hears from a kiosk. In JSON it is the bare
// word ("online", "offline", "stale").
type Presence string

// Presences of a kiosk.
const (
	Online  Presence = "online"  // its retained state says online, and it was heard from lately
	Offline Presence = "offline" // it said offline, or the broker sent its last will
	Stale   Presence = "stale"   // online, but silent longer than the hall waits
)

// Presences lists every presence.
func Presences() []Presence { return []Presence{Online, Offline, Stale} }

// Stage is how far a profile rollout has got. In JSON it is the bare word
// ("canary", "rolling", "done", "failed").
type Stage string

// Stages of a rollout.
const (
	StageCanary  Stage = "canary"  // the canary has the profile; waiting for it to stay healthy
	StageRolling Stage = "rolling" // the rest are getting it
	StageDone    Stage = "done"    // every target got it
	StageFailed  Stage = "failed"  // the canary refused it, rolled back or went silent: the rest were spared
)

// Stages lists every stage.
func Stages() []Stage { return []Stage{StageCanary, StageRolling, StageDone, StageFailed} }

// Role is what an operator of the hall server is for; it decides what the
// operator may do (Can). In JSON and in the hall's store it is the bare
// word ("viewer", "window", "ops", "admin"); ui/text names it (查看,
// 窗口人员, 运维, 配置管理员).
type Role string

// Roles of operators.
const (
	RoleViewer Role = "viewer" // 查看: sees the kiosks, their health and the rollouts; changes nothing
	RoleWindow Role = "window" // 窗口人员: what a viewer may, and answers citizens' help requests and confirms identities at a kiosk
	RoleOps    Role = "ops"    // 运维: what a viewer may, and sends commands (self-test, log tail, reload, restart)
	RoleAdmin  Role = "admin"  // 配置管理员: what ops may, and pushes profiles, enrols kiosks and manages operators
)

// Roles lists every role, least powerful first.
func Roles() []Role { return []Role{RoleViewer, RoleWindow, RoleOps, RoleAdmin} }

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	_, ok := rolePermissions[r]
	return ok
}

// Permission is one thing an operator may do on the hall server.
type Permission string

// Permissions the roles are made of.
const (
	PermView      Permission = "view"      // read the kiosks, their health, the rollouts
	PermAssist    Permission = "assist"    // answer a citizen's help request, confirm an identity at a kiosk
	PermCommand   Permission = "command"   // self_test, log_tail, reload, restart
	PermPush      Permission = "push"      // push a profile layer
	PermEnrol     Permission = "enrol"     // enrol and remove kiosks
	PermOperators Permission = "operators" // add, remove, list operators and reset their passwords; read the hall's audit log
)

// rolePermissions is the one table of who may do what. Assisting citizens
// is the window staff's alone: a configuration administrator who may
// repoint a kiosk does not also confirm the identities it reads.
var rolePermissions = map[Role][]Permission{
	RoleViewer: {PermView},
	RoleWindow: {PermView, PermAssist},
	RoleOps:    {PermView, PermCommand},
	RoleAdmin:  {PermView, PermCommand, PermPush, PermEnrol, PermOperators},
}

// Can reports whether an operator with role r may do p. An unknown role
// may do nothing.
func (r Role) Can(p Permission) bool {
	for _, q := range rolePermissions[r] {
		if q == p {
			return true
		}
	}
	return false
}

// Permissions lists what r may do.
func (r Role) Permissions() []Permission {
	return append([]Permission(nil), rolePermissions[r]...)
}
