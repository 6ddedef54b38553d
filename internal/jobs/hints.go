package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// Hint is what a Zoom error code means and what an admin should do about
// it; the table of docs/troubleshooting.md is generated from Hints.
type Hint struct {
	// Code is Zoom's error code; 0 with Status for an answer that has
	// only an HTTP status (divisions answer 409 so for a name in use).
	Code   int
	Status int
	// Message, when set, narrows the hint to answers whose message holds
	// it (case-insensitive): Zoom uses one code for different causes (200
	// is a missing scope, a free account, or an assistant who is not
	// Licensed), and the first matching line wins.
	Message string
	Meaning string // what Zoom means
	Do      string // zb_hint
}

// hintTable lists the codes zoombulk explains: every code Zoom's reference
// lists for the operations the tool calls (a test checks it), the lines
// with a Message before the plain line of their code.
var hintTable = []Hint{
	{Code: zoom.CodeInvalidToken, Meaning: "The access token is invalid or expired (HTTP 401); zoombulk gets a new one once, so a second 124 means the app is refused.", Do: "the access token was refused twice; check the app's scopes and that it is activated"},
	{Code: 120, Meaning: "The picture was refused: empty, too large (2 MB for a profile picture) or not JPG/PNG.", Do: "the picture file was refused; use a JPG or PNG under 2 MB"},
	{Code: 200, Message: "licensed", Meaning: "The user (and, for assistants, the assistant) must be Licensed.", Do: "the user and the assistant must both be Licensed; make them Licensed first (update_users type), then run the failed rows again"},
	{Code: 200, Message: "paid account", Meaning: "The operation needs a paid (Pro or higher) account.", Do: "this needs a paid (Pro or higher) Zoom account"},
	{Code: 200, Message: "can't find user", Meaning: "An assistant named in the call is not a user of this account.", Do: "the assistant is not a user of this account; check the email or create the user first"},
	{Code: 200, Message: "already granted scheduling privilege", Meaning: "The user is an assistant already (the whole call is refused).", Do: "already an assistant of this user; run the job again to re-plan"},
	{Code: 200, Meaning: "No privilege or permission, or the plan does not allow it (e.g. admins' status cannot change).", Do: "the account or app lacks the permission or plan for this; check the app's scopes and the account's plan"},
	{Code: zoom.CodeInvalidField, Message: "next page token", Meaning: "A listing's page token expired (15 minutes) or was refused.", Do: "a listing took too long; run the job again"},
	{Code: zoom.CodeInvalidField, Meaning: "A field or parameter was refused (HTTP 400); the message names it.", Do: "a value was refused; check the column against the job file reference (docs/jobs.md)"},
	{Code: 1000, Message: "admin", Meaning: "Only the owner may change another admin's email.", Do: "an admin's email can be changed only by the account owner; change it in the web portal"},
	{Code: 1000, Meaning: "The user is a call-queue manager or auto-receptionist operator and cannot be changed.", Do: "the user is a Zoom Phone call-queue manager or auto-receptionist operator; take that role away first"},
	{Code: zoom.CodeUserNotFound, Meaning: "The user does not exist in this account (HTTP 404).", Do: "no such user in this account; check the email or ID, or create the user first"},
	{Code: zoom.CodeEmailInUse, Meaning: "The email is already used by a user of this account (HTTP 409).", Do: "a user with this email already exists; use if_exists: update or skip"},
	{Code: zoom.CodeActiveAccount, Meaning: "The email already holds an active Zoom account of its own.", Do: "the email holds an active Zoom account elsewhere; the owner must accept an invitation, or use another email"},
	{Code: zoom.CodeNotInAccount, Meaning: "The user or group belongs to another account.", Do: "the user or group belongs to another account"},
	{Code: 1102, Meaning: "No Zoom Phone licenses are left.", Do: "no Zoom Phone licenses left; buy more or free some"},
	{Code: zoom.CodeDomainBlocked, Meaning: "The email's domain is blocked for this account, or managed by another one.", Do: "the email's domain is blocked for this account; use another email or ask Zoom to unblock it"},
	{Code: 1108, Message: "licensed", Meaning: "The feature needs a Licensed user.", Do: "make the user Licensed first, then run the failed rows again"},
	{Code: 1108, Meaning: "The admin's role may not change this user's type.", Do: "your role may not change this user's type; ask the account owner"},
	{Code: 1109, Meaning: "The user is not a paid (Licensed) user.", Do: "make the user Licensed first, then run the failed rows again"},
	{Code: 1116, Meaning: "The email's domain is not one of the account's limited domains.", Do: "use an email in one of the account's domains, or add the domain in the web portal"},
	{Code: zoom.CodeCannotDisassoc, Meaning: "Owners and admins cannot be disassociated or deleted.", Do: "owners and admins cannot be removed; change the user's role first"},
	{Code: 1120, Meaning: "The user's invitation expired before it was accepted.", Do: "the user never accepted the invitation; delete the pending user and create it again"},
	{Code: 1122, Meaning: "Webinars go to Licensed users only.", Do: "make the user Licensed first, then run the failed rows again"},
	{Code: 1124, Meaning: "The password is too short for the account's password rules.", Do: "the password is too short; use a longer one"},
	{Code: 1204, Meaning: "The user has Zoom Events, which excludes a webinar.", Do: "take Zoom Events away first, or leave the webinar"},
	{Code: 1205, Meaning: "The user has a webinar, which excludes Zoom Events.", Do: "take the webinar away first, or leave Zoom Events"},
	{Code: 1206, Meaning: "Zoom Events go to Licensed users only.", Do: "make the user Licensed first, then run the failed rows again"},
	{Code: 1207, Meaning: "Concurrent meetings go to Licensed users only.", Do: "make the user Licensed first, then run the failed rows again"},
	{Code: 1208, Meaning: "The account cannot give Concurrent Meeting Basic.", Do: "the account has no Concurrent Meeting Basic plan"},
	{Code: 1209, Meaning: "No Concurrent Meeting Basic seats are left.", Do: "no Concurrent Meeting Basic seats left; buy more or free some"},
	{Code: 1210, Meaning: "The account cannot give Concurrent Meeting Plus.", Do: "the account has no Concurrent Meeting Plus plan"},
	{Code: 1211, Meaning: "No Concurrent Meeting Plus seats are left.", Do: "no Concurrent Meeting Plus seats left; buy more or free some"},
	{Code: 1228, Meaning: "No seats of the add-on (Zoom IQ for Sales, Whiteboard) are left, or the account lacks the plan.", Do: "no seats of this add-on left, or the account lacks its plan"},
	{Code: 1233, Meaning: "Zoom Rooms users cannot take this add-on.", Do: "Zoom Rooms users cannot take this add-on; leave the cell empty"},
	{Code: 1234, Meaning: "On-prem users cannot take this add-on.", Do: "On-prem users cannot take this add-on; leave the cell empty"},
	{Code: 1242, Meaning: "Zoom Whiteboard and Whiteboard Plus cannot be set together.", Do: "set one of Zoom Whiteboard and Whiteboard Plus, not both"},
	{Code: 2002, Meaning: "SSO is not enabled for this account.", Do: "SSO is not enabled for this account; use action: create, or ask Zoom to enable SSO"},
	{Code: 2016, Meaning: "Zoom refused the permission for this account.", Do: "Zoom refused this for the account; contact Zoom support"},
	{Code: 2032, Meaning: "ssoCreate needs SSO pre-provisioning.", Do: "use action: create, or ask Zoom to enable SSO pre-provisioning"},
	{Code: 2033, Meaning: "The account's maximum of Basic users is reached.", Do: "the account's limit of Basic users is reached; remove unused users first"},
	{Code: zoom.CodeNoLicenses, Meaning: "No licenses of that type are left.", Do: "no licenses left; buy more, or free some (type Basic) and run the failed rows again"},
	{Code: 2035, Meaning: "A GPA account cannot add users.", Do: "this account type cannot add users; add them in the parent account"},
	{Code: 2036, Meaning: "The email is the owner of a GPA account.", Do: "the email owns a GPA account and cannot be invited; use another email"},
	{Code: 2037, Meaning: "Zoom forbids inviting this user.", Do: "Zoom forbids inviting this user; contact Zoom support"},
	{Code: 2038, Meaning: "No Zoom One licenses are left (in the account or the subscription).", Do: "no Zoom One licenses left; buy more, free some, or pick another subscription_id"},
	{Code: 2039, Meaning: "Not enough Basic licenses to take the user's plan away.", Do: "not enough Basic licenses to take the plan away; free some first"},
	{Code: 2300, Meaning: "Zoom did not recognise the endpoint.", Do: "Zoom did not recognise the call; check ZOOM_API_URL"},
	{Code: 3412, Meaning: "The account's user limit (Basic, no-meeting or paid) is reached.", Do: "the account's user limit is reached; remove unused or pending users first"},
	{Code: 4100, Meaning: "The personal link name is taken by another user.", Do: "choose another personal link name (vanity_name)"},
	{Code: zoom.CodeGroupNotFound, Meaning: "The group does not exist.", Do: "the group does not exist; check the name or create it (upsert_groups, or create_missing)"},
	{Code: zoom.CodeGroupMemberAbsent, Meaning: "The user is not a member of that group.", Do: "the user is not in that group any more; run the job again to re-plan"},
	{Code: zoom.CodeGroupNameInUse, Meaning: "A group with that name exists already.", Do: "a group with this name exists already"},
	{Code: zoom.CodeNotGroupAdmin, Meaning: "The user is not an admin of the group.", Do: "the user is not an admin of that group any more; run the job again to re-plan"},
	{Code: 11321, Meaning: "Zoom's Trust & Safety blocks the email's domain.", Do: "Zoom blocks this email's domain; use another email"},
	{Code: 40005, Meaning: "A division field was refused (HTTP 400).", Do: "a division's name or description was refused; check it"},
	{Code: zoom.CodeDivisionNotFound, Meaning: "The division does not exist.", Do: "the division does not exist; check the name or create it (upsert_divisions, or create_missing)"},
	{Code: 42006, Meaning: "The account has its maximum of divisions (500).", Do: "the account has 500 divisions; delete unused ones first"},
	{Code: 42011, Meaning: "The main division cannot be deleted.", Do: "the main division is kept; nothing to do"},
	{Code: 42012, Meaning: "A division with users cannot be deleted.", Do: "move the division's users elsewhere first, then delete it"},
	{Code: zoom.CodeDivisionTokenInvalid, Meaning: "The divisions API found no access token (HTTP 401).", Do: "the access token was refused; check the app's scopes and that it is activated"},
	{Code: zoom.CodeDivisionTokenExpired, Meaning: "The divisions API found the token invalid or expired (HTTP 401).", Do: "the access token was refused twice; check the app's scopes and that it is activated"},
	{Status: 403, Meaning: "HTTP 403 with no code: the app lacks the permission (divisions).", Do: "the app lacks a scope for this; add the scope docs/credentials.md lists for the step"},
	{Status: 409, Meaning: "HTTP 409 with no code: the name is in use already (divisions).", Do: "a division with this name exists already; use its name, or pick another"},
}

// hintFor is the hint for an error answer: the first line of hintTable
// whose code (or, for an answer without a code, HTTP status) and message
// match.
func hintFor(api *zoom.APIError) string {
	msg := strings.ToLower(api.Message)
	for _, h := range hintTable {
		switch {
		case h.Code != 0 && h.Code != api.Code:
			continue
		case h.Code == 0 && (api.Code != 0 || h.Status != api.HTTPStatus):
			continue
		case h.Message != "" && !strings.Contains(msg, h.Message):
			continue
		}
		return h.Do
	}
	return ""
}

// Hints lists the Zoom error codes the results explain, by code.
func Hints() []Hint {
	out := slices.Clone(hintTable)
	// Stable: a code's lines with a Message stay before its plain line.
	slices.SortStableFunc(out, func(a, b Hint) int { return cmp.Compare(max(a.Code, a.Status), max(b.Code, b.Status)) })
	return out
}

// FeatureHints are the hints for the fail_details reasons of Bulk update
// features, by reason.
func FeatureHints() map[string]string { return maps.Clone(featureHints) }

// featureHints explains the fail_details reasons of Bulk update features.
var featureHints = map[string]string{
	"Users not found":                    "no such user in this account; check the email or ID",
	"Have upcoming events":               "the user has upcoming events; move or cancel them first",
	"Unpaid user":                        "the user needs a paid license (type Licensed) before this feature",
	"Not enough seats":                   "no seats of this feature left; buy more or free some, then rerun the failed rows",
	"Can't update for Zoom One users":    "Zoom One (Workplace) users get this feature from their plan",
	"Can't update for free users":        "make the user Licensed first",
	"Can't update for Zoom United users": "Zoom United users get this feature from their plan",
	"Can't update for Zoom Room users":   "Zoom Rooms users cannot take this feature",
	"Not allowed to add basic users":     "the account does not allow more Basic users",
	"Can't update for non-SSO users":     "only SSO users can take this value",
}

// failure turns an error from a call into a row's failed result.
func failure(err error) *results.StepResult {
	res := &results.StepResult{Status: results.Failed, Reason: err.Error(), TrackingID: zoom.TrackingID(err)}
	var api *zoom.APIError
	var amb *zoom.AmbiguousError
	var auth *zoom.AuthError
	switch {
	case errors.As(err, &api):
		res.HTTPStatus, res.Code = api.HTTPStatus, api.Code
		res.Reason = api.Message
		for _, f := range api.Fields {
			res.Reason += fmt.Sprintf(" [%s: %s]", f.Field, f.Message)
		}
		res.Hint = hintFor(api)
		if res.Hint == "" {
			switch {
			case api.HTTPStatus == 429:
				res.Hint = "the rate limit held for too long; run the failed rows again later, or lower --share"
			case api.HTTPStatus >= 500:
				res.Hint = "Zoom had a server error; run the failed rows again"
			}
		}
	case errors.As(err, &amb):
		res.Hint = "the answer was lost and a look-up could not tell whether it worked; check the user in the web portal, then rerun"
	case errors.As(err, &auth):
		res.Hint = "check ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET"
	case errors.Is(err, context.DeadlineExceeded):
		res.Hint = "Zoom did not answer in time; run the failed rows again"
	default:
		if strings.Contains(res.Reason, "connection") {
			res.Hint = "the connection to Zoom failed; check the network and run the failed rows again"
		}
	}
	return res
}

// planFailure is a failure the plan found without a call.
func planFailure(reason, hint string) *results.StepResult {
	return &results.StepResult{Status: results.Failed, Reason: reason, Hint: hint}
}

// problemText is a validation problem as one line of a report.
func problemText(p mapping.Problem) string {
	if p.Column != "" {
		return "column \"" + p.Column + "\": " + p.Msg
	}
	return p.Msg
}

// notSent says whether a call was kept from being sent by the run's stop:
// the row-step did not run.
func notSent(err error) bool { return errors.Is(err, zoom.ErrNotSent) }
