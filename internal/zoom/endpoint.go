package zoom

// Endpoint is one API call as the rest of zoombulk sees it: what a step
// kind declares it calls, what the credentials check derives the scopes
// from and what the docs' scopes table lists. Method, path and rate
// category are the client's own (the unexported endpoint the call is sent
// with), so a declaration cannot drift from what is sent; the scopes are
// the reference's.
type Endpoint struct {
	Method   string
	Path     string // template with {name} placeholders, as in the reference
	Category Category
	// Scope is the granular scope an app needs for the call.
	Scope string
	// ClassicScope is the classic scope that covers it (for calls with no
	// granular scope, the same as Scope).
	ClassicScope string
}

// Call is the call as the docs and the credentials check name it:
// "GET /users".
func (e Endpoint) Call() string { return e.Method + " " + e.Path }

func (e Endpoint) String() string { return e.Call() }

func scoped(ep endpoint, scope, classic string) Endpoint {
	return Endpoint{Method: ep.method, Path: ep.path, Category: ep.category, Scope: scope, ClassicScope: classic}
}

// The calls step kinds, plans and exports make, with their scopes.
var (
	OpListUsers          = scoped(epListUsers, "user:read:list_users:admin", "user:read:admin")
	OpGetUser            = scoped(epGetUser, "user:read:user:admin", "user:read:admin")
	OpUserSummary        = scoped(epUserSummary, "user:read:summary:admin", "user:read:admin")
	OpGetUserSettings    = scoped(epUserSettings, "user:read:settings:admin", "user:read:admin")
	OpUpdateUserSettings = scoped(epUpdateSettings, "user:update:settings:admin", "user:write:admin")
	OpUpdateEmail        = scoped(epUpdateEmail, "user:update:email:admin", "user:write:admin")
	OpCheckEmail         = scoped(epCheckEmail, "user:read:email:admin", "user:read:admin")
	OpRevokeToken        = scoped(epRevokeToken, "user:delete:token:admin", "user:write:admin")
	OpUploadPicture      = scoped(epUploadPicture, "user:write:profile_picture:admin", "user:write:admin")

	OpCreateGroup         = scoped(epCreateGroup, "group:write:group:admin", "group:write:admin")
	OpListGroupAdmins     = scoped(epListGroupAdmins, "group:read:administrator:admin", "group:read:admin")
	OpAddGroupAdmins      = scoped(epAddGroupAdmins, "group:write:administrator:admin", "group:write:admin")
	OpDeleteGroupAdmin    = scoped(epDeleteGroupAdmin, "group:delete:administrator:admin", "group:write:admin")
	OpGetGroupSettings    = scoped(epGroupSettings, "group:read:settings:admin", "group:read:admin")
	OpUpdateGroupSettings = scoped(epUpdateGroupSettings, "group:update:settings:admin", "group:write:admin")

	OpUploadUserVB  = scoped(epUploadUserVB, "user:write:virtual_background_files:admin", "user:write:admin")
	OpDeleteUserVB  = scoped(epDeleteUserVB, "user:delete:virtual_background_files:admin", "user:write:admin")
	OpUploadGroupVB = scoped(epUploadGroupVB, "group:write:virtual_background_files:admin", "group:write:admin")
	OpDeleteGroupVB = scoped(epDeleteGroupVB, "group:delete:virtual_background_files:admin", "group:write:admin")

	OpGetGroupLocks    = scoped(epGroupLockSettings, "group:read:lock_settings:admin", "group:read:admin")
	OpUpdateGroupLocks = scoped(epUpdateGroupLockSttgs, "group:update:lock_settings:admin", "group:write:admin")

	OpCreateDivision = scoped(epCreateDivision, "division:write:division:admin", "division:write:admin")
	OpUpdateDivision = scoped(epUpdateDivision, "division:update:division:admin", "division:write:admin")
	OpUpdateGroup    = scoped(epUpdateGroup, "group:update:group:admin", "group:write:admin")
	OpDeleteGroup    = scoped(epDeleteGroup, "group:delete:group:admin", "group:write:admin")
	OpDeleteDivision = scoped(epDeleteDivision, "division:delete:division:admin", "division:write:admin")

	OpListAssistants  = scoped(epListAssistants, "user:read:list_assistants:admin", "user:read:admin")
	OpAddAssistants   = scoped(epAddAssistants, "user:write:assistant:admin", "user:write:admin")
	OpDeleteAssistant = scoped(epDeleteAssistant, "user:delete:assistant:admin", "user:write:admin")

	// The contact group calls have classic scopes only in the reference.
	OpCreateContactGroup        = scoped(epCreateContactGroup, "contact_group:write:admin", "contact_group:write:admin")
	OpUpdateContactGroup        = scoped(epUpdateContactGroup, "contact_group:write:admin", "contact_group:write:admin")
	OpDeleteContactGroup        = scoped(epDeleteContactGroup, "contact_group:write:admin", "contact_group:write:admin")
	OpAddContactGroupMembers    = scoped(epAddContactGroupMembers, "contact_group:write:admin", "contact_group:write:admin")
	OpRemoveContactGroupMembers = scoped(epRemoveContactGroupMembers, "contact_group:write:admin", "contact_group:write:admin")
	OpListContactGroups         = scoped(epListContactGroups, "contact_group:read:admin", "contact_group:read:admin")
	OpListContactGroupMembers   = scoped(epListContactGroupMembers, "contact_group:read:admin", "contact_group:read:admin")

	OpCreateUser    = scoped(epCreateUser, "user:write:user:admin", "user:write:admin")
	OpUpdateUser    = scoped(epUpdateUser, "user:update:user:admin", "user:write:admin")
	OpSetUserStatus = scoped(epUserStatus, "user:update:status:admin", "user:write:admin")
	OpDeleteUser    = scoped(epDeleteUser, "user:delete:user:admin", "user:write:admin")

	OpListSchedulers   = scoped(epListSchedulers, "user:read:list_schedulers:admin", "user:read:admin")
	OpDeleteSchedulers = scoped(epDeleteSchedulers, "user:delete:scheduler:admin", "user:write:admin")
	OpUpdateFeatures   = scoped(epFeatures, "user:write:feature:admin", "user:write:admin")

	OpListGroups        = scoped(epListGroups, "group:read:list_groups:admin", "group:read:admin")
	OpListGroupMembers  = scoped(epListGroupMembers, "group:read:list_members:admin", "group:read:admin")
	OpAddGroupMembers   = scoped(epAddGroupMembers, "group:write:member:admin", "group:write:admin")
	OpUpdateGroupMember = scoped(epUpdateGroupMember, "group:update:member:admin", "group:write:admin")
	OpDeleteGroupMember = scoped(epDeleteGroupMember, "group:delete:member:admin", "group:write:admin")

	OpListDivisions       = scoped(epListDivisions, "division:read:list_divisions:admin", "division:read:admin")
	OpListDivisionMembers = scoped(epListDivisionMembers, "division:read:member:admin", "division:read:admin")
	OpAssignDivision      = scoped(epAssignDivision, "division:write:member:admin", "division:write:admin")
)

// Endpoints is every call above, in the order the docs' scopes table
// lists them.
func Endpoints() []Endpoint {
	return []Endpoint{
		OpListUsers, OpGetUser, OpUserSummary, OpGetUserSettings, OpUpdateUserSettings, OpUpdateEmail, OpCheckEmail,
		OpRevokeToken, OpUploadPicture, OpCreateGroup, OpListGroupAdmins, OpAddGroupAdmins, OpDeleteGroupAdmin,
		OpGetGroupSettings, OpUpdateGroupSettings, OpUploadUserVB, OpDeleteUserVB, OpUploadGroupVB, OpDeleteGroupVB,
		OpGetGroupLocks, OpUpdateGroupLocks, OpCreateDivision, OpUpdateDivision, OpUpdateGroup, OpDeleteGroup, OpDeleteDivision,
		OpListAssistants, OpAddAssistants, OpDeleteAssistant,
		OpCreateContactGroup, OpUpdateContactGroup, OpDeleteContactGroup, OpAddContactGroupMembers, OpRemoveContactGroupMembers,
		OpCreateUser, OpUpdateUser, OpSetUserStatus, OpDeleteUser, OpListSchedulers, OpDeleteSchedulers, OpUpdateFeatures,
		OpListGroups, OpListGroupMembers, OpAddGroupMembers, OpUpdateGroupMember, OpDeleteGroupMember,
		OpListDivisions, OpListDivisionMembers, OpAssignDivision,
		OpListContactGroups, OpListContactGroupMembers,
	}
}
