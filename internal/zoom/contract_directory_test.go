package zoom_test

import (
	"context"
	"testing"

	"github.com/zoombulk/zoombulk/internal/zoom"
)

// The calls the group, contact group and assistant steps make validate
// against Zoom's OpenAPI file like the others (skipped without ../shared).
func TestClientDirectoryRequestsMatchTheOpenAPISpec(t *testing.T) {
	env := newContractEnv(t)
	fx := newFixture(t, env.srv)
	grace := must(t, fx.users, "grace.hopper@acme.example")
	alan := must(t, fx.users, "alan.turing@acme.example")
	engineering := must(t, fx.groups, "Engineering")
	london := must(t, fx.contacts, "London Office")
	privacy, desc := 3, "Everyone in London"
	var created string

	cases := []requestCase{
		{name: "AddGroupAdmins by id and email", op: "groupAdminsCreate", run: func(ctx context.Context, c *zoom.Client) error {
			_, err := c.AddGroupAdmins(ctx, engineering, []zoom.UserRef{{ID: grace}, {Email: "alan.turing@acme.example"}})
			return err
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"admins[].id": "string"})
		}},
		{name: "ListGroupAdmins", op: "groupAdmins", run: func(ctx context.Context, c *zoom.Client) error {
			admins, err := c.ListGroupAdmins(ctx, engineering)
			if err == nil && len(admins) < 2 {
				t.Errorf("listed %d admins, want the 2 added", len(admins))
			}
			return err
		}},
		{name: "DeleteGroupAdmin", op: "groupAdminsDelete", run: func(ctx context.Context, c *zoom.Client) error {
			return c.DeleteGroupAdmin(ctx, engineering, grace)
		}},
		{name: "CreateContactGroup with privacy and description", op: "contactGroupCreate", run: func(ctx context.Context, c *zoom.Client) error {
			g, err := c.CreateContactGroup(ctx, "Berlin Office", 2, "Everyone in Berlin")
			if g != nil {
				created = g.ID
			}
			return err
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"group_name": "string", "group_privacy": "number", "description": "string"})
		}},
		{name: "UpdateContactGroup", op: "contactGroupUpdate", run: func(ctx context.Context, c *zoom.Client) error {
			return c.UpdateContactGroup(ctx, london, zoom.ContactGroupUpdate{Privacy: &privacy, Description: &desc})
		}, check: func(t *testing.T, reqs []recorded) {
			wantKinds(t, reqs[0], map[string]string{"privacy": "number", "description": "string"})
		}},
		{name: "AddAssistants by email", op: "userAssistantCreate", run: func(ctx context.Context, c *zoom.Client) error {
			return c.AddAssistants(ctx, grace, []zoom.Assistant{{Email: "alan.turing@acme.example"}})
		}},
		{name: "ListAssistants", op: "userAssistants", run: func(ctx context.Context, c *zoom.Client) error {
			as, err := c.ListAssistants(ctx, grace)
			if err == nil && (len(as) != 1 || as[0].ID != alan) {
				t.Errorf("assistants %v, want alan", as)
			}
			return err
		}},
		{name: "DeleteAssistant", op: "userAssistantDelete", run: func(ctx context.Context, c *zoom.Client) error {
			return c.DeleteAssistant(ctx, grace, alan)
		}},
	}
	ctx := context.Background()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env.rec.take()
			if err := tc.run(ctx, env.client); err != nil {
				t.Fatalf("%s: the call failed against the sandbox: %v", tc.op, err)
			}
			reqs := env.rec.take()
			if len(reqs) == 0 {
				t.Fatalf("%s: no request reached the proxy", tc.op)
			}
			for _, r := range reqs {
				op, err := env.validate(ctx, r)
				if op != tc.op {
					t.Errorf("%s: routed to operation %q, want %q", r, op, tc.op)
				}
				if err != nil {
					t.Errorf("%s (%s) does not match the spec:\n\t%v\n\tbody: %s", tc.op, r, err, r.Body)
				}
			}
			if tc.check != nil {
				tc.check(t, reqs)
			}
		})
	}
	if created == "" {
		t.Error("the created contact group came back without an ID")
	}
}
