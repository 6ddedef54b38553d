package jobs_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

func assistantsOf(t *testing.T, e *env, email string) string {
	t.Helper()
	as, err := e.client.ListAssistants(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range as {
		out = append(out, a.Email)
	}
	slices.Sort(out)
	return strings.Join(out, ";")
}

func TestSetAssistantsAddsOnly(t *testing.T) {
	synctest.Test(t, testSetAssistantsAddsOnly)
}

func testSetAssistantsAddsOnly(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	// Sam already has Maria: the job lists only Kenji, so Maria stays.
	if err := e.client.AddAssistants(ctx, "sam.seller@acme.example", []zoom.Assistant{{Email: "maria.garcia@acme.example"}}); err != nil {
		t.Fatal(err)
	}
	e.writeCSV("users.csv", []string{"Email", "Assistants"}, [][]string{
		{"grace.hopper@acme.example", "alan.turing@acme.example; ada.lovelace@acme.example"},
		{"sam.seller@acme.example", "kenji.sato@acme.example"},
		{"olivia.owner@acme.example", ""},
		{"frank.numbers@acme.example", "frank.numbers@acme.example"},
	})
	job := e.write("assistants.yaml", `version: 1
name: assistants
input: users.csv
fields: { email: Email, assistants: Assistants }
steps:
  - set_assistants
`)
	e.srv.ResetStats()
	out := filepath.Join(e.dir, "first")
	if _, err := e.run(ctx, job, out, nil); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"grace.hopper@acme.example": "succeeded", "sam.seller@acme.example": "succeeded",
		"olivia.owner@acme.example": "unchanged", "frank.numbers@acme.example": "failed"}
	for _, line := range readResults(t, out) {
		if line["zb_status"] != want[line["Email"]] {
			t.Errorf("%s: %s (%s), want %s", line["Email"], line["zb_status"], line["zb_reason"], want[line["Email"]])
		}
	}
	if n := e.srv.Stats().Calls["POST /users/{userId}/assistants"]; n != 2 {
		t.Errorf("%d add calls, want 2 (one a user)", n)
	}
	if got := assistantsOf(t, e, "grace.hopper@acme.example"); got != "ada.lovelace@acme.example;alan.turing@acme.example" {
		t.Errorf("grace's assistants %q", got)
	}
	if got := assistantsOf(t, e, "sam.seller@acme.example"); got != "kenji.sato@acme.example;maria.garcia@acme.example" {
		t.Errorf("sam's assistants %q: add-only keeps Maria", got)
	}
	e.srv.ResetStats()
	out = filepath.Join(e.dir, "rerun")
	if _, err := e.run(ctx, job, out, nil); err != nil {
		t.Fatal(err)
	}
	for _, line := range readResults(t, out) {
		if w := want[line["Email"]]; w != "failed" && line["zb_status"] != "unchanged" {
			t.Errorf("rerun %s: %s (%s)", line["Email"], line["zb_status"], line["zb_reason"])
		}
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("rerun wrote: %v", e.srv.Stats().Calls)
	}
}

// Issue 15 item 3: sync: exact makes a user's assistants exactly the
// listed ones, counting each deletion as a removal; remove_only only
// deletes.
func TestSetAssistantsSyncExact(t *testing.T) {
	synctest.Test(t, testSetAssistantsSyncExact)
}

func testSetAssistantsSyncExact(t *testing.T) {
	e := newEnv(t, zoomtest.Options{NoRateLimits: true})
	ctx := context.Background()
	if err := e.client.AddAssistants(ctx, "sam.seller@acme.example", []zoom.Assistant{{Email: "maria.garcia@acme.example"}, {Email: "kenji.sato@acme.example"}}); err != nil {
		t.Fatal(err)
	}
	e.writeCSV("users.csv", []string{"Email", "Assistants"}, [][]string{{"sam.seller@acme.example", "kenji.sato@acme.example; grace.hopper@acme.example"}})
	job := func(sync, limit string) string {
		return e.write("assistants.yaml", "version: 1\ninput: users.csv\nfields: { email: Email, assistants: Assistants }\nsteps:\n  - set_assistants: { sync: "+sync+" }\n"+limit)
	}
	// Over the removal limit: nothing is sent.
	e.srv.ResetStats()
	if _, err := e.run(ctx, job("exact", "limits: { max_removals: 0 }\n"), filepath.Join(e.dir, "limited"), nil); err == nil {
		t.Fatal("max_removals: 0 let a run that deletes an assistant start")
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Fatalf("%d writes over the removal limit", n)
	}
	e.srv.ResetStats()
	out := filepath.Join(e.dir, "exact")
	if _, err := e.run(ctx, job("exact", ""), out, nil); err != nil {
		t.Fatal(err)
	}
	if got := assistantsOf(t, e, "sam.seller@acme.example"); got != "grace.hopper@acme.example;kenji.sato@acme.example" {
		t.Errorf("sam's assistants %q, want exactly kenji and grace", got)
	}
	st := e.srv.Stats()
	if st.Calls["POST /users/{userId}/assistants"] != 1 || st.Calls["DELETE /users/{userId}/assistants/{assistantId}"] != 1 {
		t.Errorf("calls %v, want one add and one delete", st.Calls)
	}
	e.srv.ResetStats()
	if _, err := e.run(ctx, job("exact", ""), filepath.Join(e.dir, "rerun"), nil); err != nil {
		t.Fatal(err)
	}
	if n := writes(e.srv.Stats()); n != 0 {
		t.Errorf("rerun wrote: %v", e.srv.Stats().Calls)
	}
	// remove_only: a listed user who is not an assistant is not added.
	e.writeCSV("users.csv", []string{"Email", "Assistants"}, [][]string{{"sam.seller@acme.example", "kenji.sato@acme.example; tom.nguyen@acme.example"}})
	if _, err := e.run(ctx, job("remove_only", ""), filepath.Join(e.dir, "remove"), nil); err != nil {
		t.Fatal(err)
	}
	if got := assistantsOf(t, e, "sam.seller@acme.example"); got != "kenji.sato@acme.example" {
		t.Errorf("sam's assistants %q after remove_only, want kenji alone", got)
	}
}
