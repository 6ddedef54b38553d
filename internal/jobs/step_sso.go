package jobs

import (
	"context"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// RevokeSSOToken signs users out of every Zoom session by revoking their
// SSO token (DELETE /users/{id}/token, Light): the first step of an
// offboarding, before set_status or delete_users.
const RevokeSSOToken jobfile.StepKind = "revoke_sso_token"

type ssoStep struct{}

func init() { register(ssoStep{}) }

func (ssoStep) Name() jobfile.StepKind { return RevokeSSOToken }

func (ssoStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	if n == nil {
		return nil, true
	}
	return nil, l.Map(n, key, []string{}, func(string, *yaml.Node, *yaml.Node) {})
}

func (ssoStep) Fields(jobfile.Step) []string { return nil }

func (ssoStep) Check(*jobfile.Loader, string, jobfile.Step) {}

// decide: Zoom does not say whether a user has a session, so every user
// who can have one is signed out; a pending user (never signed in) and a
// user created by this run have none.
func (ssoStep) decide(d *decision) {
	switch {
	case d.created || d.u.Status == zoom.StatusPending:
		d.set(results.ActUnchanged)
	default:
		d.set(results.ActRevoke)
		d.change("sso_token", "valid", "revoked", "")
	}
}

func (ssoStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action == results.ActRevoke {
		return []callCost{{cat: zoom.Light}}
	}
	return nil
}

func (ssoStep) apply(a *applier, rows []*rowRun) {
	a.perRow(zoom.Light, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		if err := a.e.Client.RevokeSSOToken(ctx, r.ref().Key()); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
}

func (ssoStep) calls() []call { return []call{on(zoom.OpRevokeToken, "")} }

// doc is the kind's row of docs/jobs.md's steps table.
func (ssoStep) doc() kindDoc {
	return kindDoc{
		order:    90,
		options:  "none",
		call:     "`DELETE /users/{id}/token`",
		batching: "one row a call (pending users: unchanged)",
		category: "Light",
	}
}
