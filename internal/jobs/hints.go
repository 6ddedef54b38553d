package jobs

import (
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
// it; the README's troubleshooting table is generated from Hints.
type Hint struct {
	Code    int
	Meaning string // what Zoom means
	Do      string // zb_hint
}

// hintTable lists the codes zoombulk explains.
var hintTable = []Hint{
	{zoom.CodeInvalidToken, "The access token is invalid or expired (HTTP 401); zoombulk gets a new one once, so a second 124 means the app is refused.", "the access token was refused twice; check the app's scopes and that it is activated"},
	{zoom.CodeInvalidField, "A field or parameter was refused (HTTP 400); the message names it.", "a value was refused; check the column against the job file reference in the README"},
	{zoom.CodeUserNotFound, "The user does not exist in this account (HTTP 404).", "no such user in this account; check the email or ID, or create the user first"},
	{zoom.CodeEmailInUse, "The email is already used by a user of this account (HTTP 409).", "a user with this email already exists; use if_exists: update or skip"},
	{zoom.CodeActiveAccount, "The email already holds an active Zoom account of its own.", "the email holds an active Zoom account elsewhere; the owner must accept an invitation, or use another email"},
	{zoom.CodeNotInAccount, "The user or group belongs to another account.", "the user or group belongs to another account"},
	{zoom.CodeDomainBlocked, "The email's domain is blocked for this account, or managed by another one.", "the email's domain is blocked for this account; use another email or ask Zoom to unblock it"},
	{zoom.CodeCannotDisassoc, "Owners and admins cannot be disassociated or deleted.", "owners and admins cannot be removed; change the user's role first"},
	{zoom.CodeNoLicenses, "No licenses of that type are left.", "no licenses left; buy more, or free some (type Basic) and run the failed rows again"},
	{zoom.CodeGroupNotFound, "The group does not exist.", "the group does not exist; check the name or create it in the web portal"},
	{zoom.CodeGroupMemberAbsent, "The user is not a member of that group.", "the user is not in that group any more; run the job again to re-plan"},
	{zoom.CodeGroupNameInUse, "A group with that name exists already.", "a group with this name exists already"},
	{zoom.CodeDivisionNotFound, "The division does not exist.", "the division does not exist; check the name or create it in the web portal"},
	{2033, "The account's maximum of Basic users is reached.", "the account's limit of Basic users is reached; remove unused users first"},
	{3412, "Activating the user was refused: the account's user limit is reached.", "the account's user limit is reached; remove unused or pending users first"},
	{200, "No privilege or permission, or the plan does not allow it (e.g. admins' status cannot change; a feature needs a paid account).", "the account or app lacks the permission or plan for this; check the app's scopes and the account's plan"},
}

// hints is hintTable by code.
var hints = func() map[int]string {
	m := make(map[int]string, len(hintTable))
	for _, h := range hintTable {
		m[h.Code] = h.Do
	}
	return m
}()

// Hints lists the Zoom error codes the results explain, by code.
func Hints() []Hint {
	out := slices.Clone(hintTable)
	slices.SortFunc(out, func(a, b Hint) int { return a.Code - b.Code })
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
		res.Hint = hints[api.Code]
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
