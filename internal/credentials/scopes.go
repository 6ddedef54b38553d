package credentials

import "slices"

// ScopeUse is one call zoombulk makes and the scope it needs: the
// scopes table of docs/credentials.md, as data.
type ScopeUse struct {
	Call     string   // "GET /users"
	Steps    []string // the job steps that make the call ("*" every job's plan)
	Granular string   // the granular scope
	Classic  string   // the classic scope that covers it
}

// Scopes is every call a job makes, with its scopes.
var Scopes = []ScopeUse{
	{"GET /users", []string{"*"}, "user:read:list_users:admin", "user:read:admin"},
	{"GET /users/{userId}", []string{"*"}, "user:read:user:admin", "user:read:admin"},
	{"GET /users/{userId}/settings", []string{"update_features", "update_settings", "virtual_backgrounds"}, "user:read:settings:admin", "user:read:admin"},
	{"PATCH /users/{userId}/settings", []string{"update_settings"}, "user:update:settings:admin", "user:write:admin"},
	{"PUT /users/{userId}/email", []string{"change_email"}, "user:update:email:admin", "user:write:admin"},
	{"GET /users/email", []string{"change_email"}, "user:read:email:admin", "user:read:admin"},
	{"DELETE /users/{userId}/token", []string{"revoke_sso_token"}, "user:delete:token:admin", "user:write:admin"},
	{"POST /users/{userId}/picture", []string{"upload_picture"}, "user:write:profile_picture:admin", "user:write:admin"},
	{"GET /users/{userId}/assistants", []string{"set_assistants"}, "user:read:list_assistants:admin", "user:read:admin"},
	{"POST /users/{userId}/assistants", []string{"set_assistants"}, "user:write:assistant:admin", "user:write:admin"},
	{"POST /users", []string{"create_users"}, "user:write:user:admin", "user:write:admin"},
	{"PATCH /users/{userId}", []string{"create_users", "update_users"}, "user:update:user:admin", "user:write:admin"},
	{"PUT /users/{userId}/status", []string{"set_status"}, "user:update:status:admin", "user:write:admin"},
	{"GET /users/{userId}/schedulers", []string{"set_status", "delete_users"}, "user:read:list_schedulers:admin", "user:read:admin"},
	{"DELETE /users/{userId}/schedulers", []string{"set_status", "delete_users"}, "user:delete:scheduler:admin", "user:write:admin"},
	{"DELETE /users/{userId}", []string{"delete_users"}, "user:delete:user:admin", "user:write:admin"},
	{"POST /users/features", []string{"update_features"}, "user:write:feature:admin", "user:write:admin"},
	{"GET /groups", []string{"move_group", "upsert_groups", "group_admins", "contact_groups", "update_group_settings", "virtual_backgrounds", "delete_groups"}, "group:read:list_groups:admin", "group:read:admin"},
	{"POST /groups", []string{"upsert_groups"}, "group:write:group:admin", "group:write:admin"},
	{"GET /groups/{groupId}/admins", []string{"group_admins"}, "group:read:administrator:admin", "group:read:admin"},
	{"POST /groups/{groupId}/admins", []string{"group_admins"}, "group:write:administrator:admin", "group:write:admin"},
	{"POST /groups/{groupId}/members", []string{"move_group"}, "group:write:member:admin", "group:write:admin"},
	{"PATCH /groups/{groupId}/members/{memberId}", []string{"move_group"}, "group:update:member:admin", "group:write:admin"},
	{"GET /divisions", []string{"assign_division", "upsert_divisions"}, "division:read:list_divisions:admin", "division:read:admin"},
	{"POST /divisions", []string{"upsert_divisions"}, "division:write:division:admin", "division:write:admin"},
	{"PATCH /divisions/{divisionId}", []string{"upsert_divisions"}, "division:update:division:admin", "division:write:admin"},
	{"POST /divisions/{divisionId}/users", []string{"assign_division"}, "division:write:member:admin", "division:write:admin"},
	{"GET /groups/{groupId}/settings", []string{"update_group_settings", "virtual_backgrounds"}, "group:read:settings:admin", "group:read:admin"},
	{"PATCH /groups/{groupId}/settings", []string{"update_group_settings"}, "group:update:settings:admin", "group:write:admin"},
	{"GET /groups/{groupId}/lock_settings", []string{"update_group_settings"}, "group:read:lock_settings:admin", "group:read:admin"},
	{"PATCH /groups/{groupId}/lock_settings", []string{"update_group_settings"}, "group:update:lock_settings:admin", "group:write:admin"},
	{"PATCH /groups/{groupId}", []string{"upsert_groups"}, "group:update:group:admin", "group:write:admin"},
	{"POST /users/{userId}/settings/virtual_backgrounds", []string{"virtual_backgrounds"}, "user:write:virtual_background_files:admin", "user:write:admin"},
	{"DELETE /users/{userId}/settings/virtual_backgrounds", []string{"virtual_backgrounds"}, "user:delete:virtual_background_files:admin", "user:write:admin"},
	{"POST /groups/{groupId}/settings/virtual_backgrounds", []string{"virtual_backgrounds"}, "group:write:virtual_background_files:admin", "group:write:admin"},
	{"DELETE /groups/{groupId}/settings/virtual_backgrounds", []string{"virtual_backgrounds"}, "group:delete:virtual_background_files:admin", "group:write:admin"},
	{"DELETE /groups/{groupId}", []string{"delete_created", "delete_groups"}, "group:delete:group:admin", "group:write:admin"},
	{"DELETE /divisions/{divisionId}", []string{"delete_created", "delete_divisions"}, "division:delete:division:admin", "division:write:admin"},
	{"POST /contacts/groups", []string{"contact_groups"}, "contact_group:write:admin", "contact_group:write:admin"},
}

// Need is a scope a job needs and whether the token has it.
type Need struct {
	Scope   string // granular
	Classic string
	Calls   []string
	Granted bool
}

// Needs lists the scopes a job with these steps needs, in the table's
// order, each marked granted when the token has it or its classic scope.
func Needs(steps []string, granted []string) []Need {
	var out []Need
	at := map[string]int{}
	for _, u := range Scopes {
		if !slices.Contains(u.Steps, "*") && !slices.ContainsFunc(u.Steps, func(s string) bool { return slices.Contains(steps, s) }) {
			continue
		}
		i, seen := at[u.Granular]
		if !seen {
			i = len(out)
			at[u.Granular] = i
			out = append(out, Need{Scope: u.Granular, Classic: u.Classic,
				Granted: slices.Contains(granted, u.Granular) || slices.Contains(granted, u.Classic)})
		}
		out[i].Calls = append(out[i].Calls, u.Call)
	}
	return out
}
