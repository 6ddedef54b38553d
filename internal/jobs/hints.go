package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// hints says, per Zoom error code, what an admin should do. The README's
// troubleshooting table lists the same hints.
var hints = map[int]string{
	zoom.CodeInvalidToken:      "the access token was refused twice; check the app's scopes and that it is activated",
	zoom.CodeInvalidField:      "a value was refused; check the column against the job file reference in the README",
	zoom.CodeUserNotFound:      "no such user in this account; check the email or ID, or create the user first",
	zoom.CodeEmailInUse:        "a user with this email already exists; use if_exists: update or skip",
	zoom.CodeActiveAccount:     "the email holds an active Zoom account elsewhere; the owner must accept an invitation, or use another email",
	zoom.CodeNotInAccount:      "the user or group belongs to another account",
	zoom.CodeDomainBlocked:     "the email's domain is blocked for this account; use another email or ask Zoom to unblock it",
	zoom.CodeCannotDisassoc:    "owners and admins cannot be removed; change the user's role first",
	zoom.CodeNoLicenses:        "no licenses left; buy more, or free some (type Basic) and run the failed rows again",
	zoom.CodeGroupNotFound:     "the group does not exist; check the name or create it in the web portal",
	zoom.CodeGroupMemberAbsent: "the user is not in that group any more; run the job again to re-plan",
	zoom.CodeGroupNameInUse:    "a group with this name exists already",
	zoom.CodeDivisionNotFound:  "the division does not exist; check the name or create it in the web portal",
	2033:                       "the account's limit of Basic users is reached; remove unused users first",
	3412:                       "the account's user limit is reached; remove unused or pending users first",
	200:                        "the account or app lacks the permission or plan for this; check the app's scopes and the account's plan",
}

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
