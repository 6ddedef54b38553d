package jobfile_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	. "github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/jobs"

	"github.com/zoombulk/zoombulk/internal/mapping"
)

func writeJob(t testing.TB, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const goodJob = `version: 1
name: acme-migration
input:
  path: users.xlsx
  sheet: Users
  header_row: 2
match: email
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  type:
    column: License
    values: { Licensed: 2, Basic: 1, Unassigned: 4 }
    default: Basic
  dept: { column: Department, transform: [lower, title], required: yes }
  group: Group
  division: Division
  webinar:
    column: Webinar seats
    values: { "500": "1", "1000": "64", "none": "0" }
  transfer_email: Transfer to
steps:
  - create_users: { action: create, if_exists: update }
  - update_features: [ { feature_type: webinar, value: webinar } ]
  - move_group: { to: group }
  - assign_division: { to: division }
  - set_status
  - delete_users: { action: delete }
limits:
  max_failures: 5%
`

func TestLoadGood(t *testing.T) {
	dir := t.TempDir()
	job, err := Load(writeJob(t, dir, "acme.yaml", strings.Replace(goodJob, "  - set_status\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	if job.Version != 1 || job.Name != "acme-migration" || job.Match != "email" || job.Clear != "<clear>" || job.Dir != dir {
		t.Errorf("job header: %+v", job)
	}
	if want := (Input{Path: filepath.Join(dir, "users.xlsx"), Sheet: "Users", HeaderRow: 2}); job.Input != want {
		t.Errorf("Input = %+v, want %+v", job.Input, want)
	}
	if job.Limits != (Limits{MaxFailuresPct: 5, SetFailures: true}) {
		t.Errorf("Limits = %+v", job.Limits)
	}
	var names []string
	for _, f := range job.Fields {
		names = append(names, f.Field)
	}
	if got := strings.Join(names, ","); got != "email,first_name,last_name,type,dept,group,division,webinar,transfer_email" {
		t.Errorf("fields in job order: %s", got)
	}
	typ := job.Fields[3]
	if want := (mapping.Spec{Field: "type", Column: "License", Values: map[string]string{"Licensed": "2", "Basic": "1", "Unassigned": "4"},
		Default: "1", HasDefault: true, Line: 12}); !reflect.DeepEqual(typ, want) {
		t.Errorf("type spec = %+v\nwant %+v", typ, want)
	}
	dept := job.Fields[4]
	if dept.Column != "Department" || !dept.Required || !reflect.DeepEqual(dept.Transforms, []string{"lower", "title"}) {
		t.Errorf("dept spec = %+v", dept)
	}
	want := []Step{
		{Kind: jobs.CreateUsers, Line: 24, Options: &jobs.CreateOptions{Action: "create", IfExists: "update"}},
		{Kind: jobs.UpdateFeatures, Line: 25, Options: &jobs.FeaturesOptions{Features: []jobs.FeatureStep{{FeatureType: "webinar", Value: "webinar"}}}},
		{Kind: jobs.MoveGroup, Line: 26, Options: &jobs.GroupOptions{To: "group", Mode: "move"}},
		{Kind: jobs.AssignDivision, Line: 27, Options: &jobs.DivisionOptions{To: "division"}},
		{Kind: jobs.DeleteUsers, Line: 28, Options: &jobs.DeleteOptions{Action: "delete", TransferEmail: "transfer_email"}},
	}
	if !reflect.DeepEqual(job.Steps, want) {
		t.Errorf("steps:\n got %+v\nwant %+v", job.Steps, want)
	}
	if got := job.Steps[0].Fields(job); !reflect.DeepEqual(got, []string{"email", "first_name", "last_name", "type"}) {
		t.Errorf("create_users needs %v", got)
	}
	if got := job.Steps[4].Fields(job); !reflect.DeepEqual(got, []string{"email", "transfer_email"}) {
		t.Errorf("delete_users needs %v", got)
	}
}

func TestLoadDefaultsAndShorthands(t *testing.T) {
	dir := t.TempDir()
	abs := filepath.Join(t.TempDir(), "in.csv")
	job, err := Load(writeJob(t, dir, "Quarterly shuffle.yml", `version: 1
input: `+abs+`
match: id
clear: "[clear]"
fields:
  id: User ID
  type: { default: 2 }
  webinar: Webinar
  large_meeting: Large
  subscription_id: Subscription
  dept: &dept Department
  status: Status
  group: Group
steps:
  - update_users
  - update_features
  - set_status:
  - move_group: {}
limits: { max_failures: 25 }
`))
	if err != nil {
		t.Fatal(err)
	}
	if job.Name != "Quarterly shuffle" || job.Input.Path != abs || job.Input.HeaderRow != 1 || job.Match != "id" || job.Clear != "[clear]" || job.Limits.MaxFailures != 25 {
		t.Errorf("job: %+v", job)
	}
	if job.Fields[1].Column != "" || job.Fields[1].Default != "2" {
		t.Errorf("constant type: %+v", job.Fields[1])
	}
	feats := job.Steps[1].Options.(*jobs.FeaturesOptions).Features
	want := []jobs.FeatureStep{{FeatureType: "webinar", Value: "webinar", Subscription: "subscription_id"}, {FeatureType: "large_meeting", Value: "large_meeting", Subscription: "subscription_id"}}
	if !reflect.DeepEqual(feats, want) {
		t.Errorf("bare update_features = %+v", feats)
	}
	if s := job.Steps[2]; s.Kind != jobs.SetStatus || s.Options.(*jobs.StatusOptions).Field != "status" {
		t.Errorf("set_status = %+v", s)
	}
	if s := job.Steps[3].Options.(*jobs.GroupOptions); s.To != "group" || s.Mode != "move" {
		t.Errorf("move_group defaults = %+v", s)
	}
	if got := job.Steps[3].Fields(job); !reflect.DeepEqual(got, []string{"id", "group"}) {
		t.Errorf("NeedsFields = %v", got)
	}
	if got := (Step{Kind: jobs.CreateUsers}).Fields(job); !reflect.DeepEqual(got, []string{"id", "email", "first_name", "last_name", "type"}) {
		t.Errorf("NeedsFields = %v", got)
	}
}

func TestLoadErrors(t *testing.T) {
	// base is a valid job; each case replaces one line (or appends).
	const base = `version: 1
fields:
  email: Email
  first_name: First Name
  last_name: Last Name
  type: License
  group: Group
steps:
  - create_users: { if_exists: update }
  - move_group: { to: group }
`
	tests := []struct {
		name     string
		old, new string // replace old with new in base ("" old: append new)
		line     int
		key      string
		want     string // substring of Error()
	}{
		{"did you mean if_exists", "{ if_exists: update }", "{ if_exist: update }", 9, "steps[0].create_users.if_exist", `unknown key (did you mean "if_exists"?)`},
		{"did you mean first_name", "  first_name:", "  firstname:", 4, "fields.firstname", `unknown field "firstname" (did you mean "first_name"?)`},
		{"did you mean move_group", "- move_group:", "- move_groups:", 10, "steps[1]", `unknown step "move_groups" (did you mean "move_group"?)`},
		{"unknown top key", "", "limit: { max_failures: 3 }\n", 11, "limit", `did you mean "limits"?`},
		{"unknown key, nothing close", "", "colour: blue\n", 11, "colour", "known keys: version, name, input"},
		{"steps not a list", "steps:\n  - create_users: { if_exists: update }\n  - move_group: { to: group }\n", "steps: update_users\n", 8, "steps", `steps must be a list, not "update_users"`},
		{"steps empty", "steps:\n  - create_users: { if_exists: update }\n  - move_group: { to: group }\n", "steps: []\n", 8, "steps", "steps is empty"},
		{"fields not a map", "fields:\n  email: Email\n  first_name: First Name\n  last_name: Last Name\n  type: License\n  group: Group\n", "fields: [Email]\n", 2, "fields", "fields must be a map of field: column, not a list"},
		{"version 2", "version: 1", "version: 2", 1, "version", "version 2 is not supported"},
		{"version missing", "version: 1\n", "name: x\n", 1, "version", "version is missing (add `version: 1`"},
		{"version not a number", "version: 1", "version: one", 1, "version", `version must be a whole number, not "one"`},
		{"bad match", "", "match: mail\n", 11, "match", `"mail" is not one of email, id (did you mean "email"?)`},
		{"match id needs id", "", "match: id\n", 11, "match", `match: id needs the field "id"`},
		{"bad if_exists value", "if_exists: update", "if_exists: overwrite", 9, "steps[0].create_users.if_exists", `"overwrite" is not one of skip, update, fail`},
		{"bad action", "{ if_exists: update }", "{ action: auto }", 9, "steps[0].create_users.action", `"auto" is not one of create, autoCreate, custCreate, ssoCreate`},
		{"bad mode", "{ to: group }", "{ to: group, mode: moves }", 10, "steps[1].move_group.mode", `did you mean "move"?`},
		{"to names a column", "{ to: group }", "{ to: Department }", 10, "steps[1].move_group.to", `unknown field "Department" (this names a field`},
		{"to names the wrong field", "{ to: group }", "{ to: dept }", 10, "steps[1].move_group.to", `field "dept" is not a group field`},
		{"create_missing not a bool or list", "{ to: group }", "{ to: group, create_missing: maybe }", 10, "steps[1].move_group.create_missing", `create_missing must be true or false, not "maybe"`},
		{"create_missing empty list", "{ to: group }", "{ to: group, create_missing: [] }", 10, "steps[1].move_group.create_missing", "create_missing is an empty list"},
		{"create_missing twice", "{ to: group }", "{ to: group, create_missing: [Sales EMEA, sales emea] }", 10, "steps[1].move_group.create_missing[1]", `"sales emea" is listed twice`},
		{"default_for unknown", "  type: License\n", "  type: { column: License, default: 1, default_for: everyone }\n", 6, "fields.type.default_for", `"everyone" is not one of create, all`},
		{"default_for without default", "  type: License\n", "  type: { column: License, default_for: all }\n", 6, "fields.type.default_for", "there is no default"},
		{"needs last_name", "  last_name: Last Name\n", "", 8, "steps[0].create_users", `create_users needs the field "last_name", but the job does not map it (add it under fields, e.g. last_name: "Last Name")`},
		{"needs email", "  email: Email\n", "", 2, "fields", `every row names its user by email (match: email), but the job does not map the field "email"`},
		{"create needs email too", "version: 1\nfields:\n  email: Email\n", "version: 1\nmatch: id\nfields:\n  id: ID\n", 10, "steps[0].create_users", `create_users needs the field "email"`},
		{"needs type", "  type: License\n", "", 8, "steps[0].create_users", `needs the field "type"`},
		{"needs group", "  group: Group\n", "", 9, "steps[1].move_group", `move_group needs the field "group"`},
		{"needs webinar", "", "  - update_features: [ { feature_type: webinar } ]\n", 11, "steps[2].update_features", `update_features needs the field "webinar"`},
		{"needs status", "", "  - set_status\n", 11, "steps[2].set_status", `needs the field "status"`},
		{"needs division", "", "  - assign_division\n", 11, "steps[2].assign_division", `needs the field "division"`},
		{"bare update_features without features", "", "  - update_features\n", 11, "steps[2].update_features", "the job maps no feature field"},
		{"update_features not a list", "", "  - update_features: { feature_type: webinar }\n", 11, "steps[2].update_features", "update_features takes a list of {feature_type, value, subscription}, not a map"},
		{"feature_type unknown", "", "  - update_features: [ { feature_type: webinars } ]\n", 11, "steps[2].update_features[0].feature_type", `did you mean "webinar"?`},
		{"feature_type not a feature", "", "  - update_features: [ { feature_type: dept } ]\n", 11, "steps[2].update_features[0].feature_type", `field "dept" is not a feature_type`},
		{"feature value of another kind", "  group: Group\n", "  group: Group\n  type: License\n", 0, "", ""}, // placeholder, replaced below
		{"step twice", "", "  - move_group: { to: group }\n", 11, "steps[2].move_group", "move_group is listed twice (first at line 10)"},
		{"step with two keys", "  - move_group: { to: group }\n", "  - move_group:\n    to: group\n", 10, "steps[1]", "this item has 2 keys (move_group, to)"},
		{"step not a name", "  - move_group: { to: group }\n", "  - [move_group]\n", 10, "steps[1]", "a step is a step name or a one-key map, not a list"},
		{"update_users has nothing", "", "  - update_users\n", 11, "steps[2].update_users", ""},
		{"values target", "  type: License\n", "  type:\n    column: License\n    values: { Pro: 3 }\n", 8, "fields.type.values.Pro", `"3" is not a valid type (use one of 1 (Basic), 2 (Licensed), 4 (Unassigned without Meetings Basic)`},
		{"values keys clash", "  type: License\n", "  type:\n    column: License\n    values: { Pro: 2, ' pro': 1 }\n", 8, "fields.type.values.pro", "is given twice (first at line 8)"},
		{"values empty", "  type: License\n", "  type: { column: License, values: {} }\n", 6, "fields.type.values", "values is empty"},
		{"values not a map", "  type: License\n", "  type: { column: License, values: [2, 1] }\n", 6, "fields.type.values", "values must be a map of cell text to the value sent, not a list"},
		{"default invalid", "  type: License\n", "  type: { column: License, default: Pro }\n", 6, "fields.type.default", `"Pro" is not a valid type`},
		{"default is a values key", "  group: Group\n", "  group: Group\n  webinar: { column: W, values: { '500': '1' }, default: '500' }\n", 8, "fields.webinar.default", `"500" is a key of values; the default is the value sent, so write "1"`},
		{"field column missing", "  type: License\n", "  type: { values: { Pro: 2 } }\n", 6, "fields.type.column", "column is missing"},
		{"field unknown option", "  type: License\n", "  type: { column: License, defualt: 1 }\n", 6, "fields.type.defualt", `did you mean "default"?`},
		{"field not a column", "  type: License\n", "  type: [License]\n", 6, "fields.type", "a field takes a column header or a map"},
		{"field empty", "  type: License\n", "  type:\n", 6, "fields.type", "a field takes a column header or a map (column, values, default, required, transform), not empty"},
		{"field twice", "  type: License\n", "  type: License\n  type: Type\n", 7, "fields.type", `"type" is given twice (first at line 6)`},
		{"transform", "  type: License\n", "  type: { column: License, transform: snake }\n", 6, "fields.type.transform", `"snake" is not one of lower, upper, title`},
		{"required not bool", "  type: License\n", "  type: { column: License, required: sometimes }\n", 6, "fields.type.required", "must be true or false"},
		{"max_failures", "", "limits: { max_failures: lots }\n", 11, "limits.max_failures", `"lots" is not a number of rows (write a number of rows (50) or a percentage of the rows (5%))`},
		{"max_failures pct", "", "limits: { max_failures: 150% }\n", 11, "limits.max_failures", "not a percentage between 0 and 100"},
		{"header_row", "", "input: { path: x.csv, header_row: 0 }\n", 11, "input.header_row", "header_row must be 1 or more"},
		{"input key", "", "input: { file: x.csv }\n", 11, "input.file", "unknown key"},
		{"name", "", "name: ../escape\n", 11, "name", `the name may not contain '/'`},
		{"yaml syntax", "  first_name: First Name\n", "  first_name: First Name\n\tlast: x\n", 5, "", "not valid YAML: a tab in the indentation (YAML indents with spaces"},
		{"yaml syntax 2", "  group: Group\n", "  group: Group\n  dept: x: y\n", 8, "", "not valid YAML: mapping values are not allowed"},
		{"not a map", "", "", 1, "", "a job file is a map of keys"},
		{"empty", "", "", 0, "", "the job file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := base
			switch {
			case tt.name == "not a map":
				body = "- just\n- a list\n"
			case tt.name == "empty":
				body = "# nothing\n"
			case tt.name == "feature value of another kind":
				body = base + "  - update_features: [ { feature_type: user_type, value: type } ]\n"
				tt.line, tt.key, tt.want = 11, "steps[2].update_features[0].value", `field "type" can hold "4", which is not a user_type value`
			case tt.name == "update_users has nothing":
				body = strings.NewReplacer("  first_name: First Name\n", "", "  last_name: Last Name\n", "", "  type: License\n", "",
					"  - create_users: { if_exists: update }\n", "").Replace(base) + tt.new
				tt.line, tt.key, tt.want = 7, "steps[1].update_users", "update_users has nothing to update"
			case tt.old == "":
				body = base + tt.new
			default:
				if !strings.Contains(base, tt.old) {
					t.Fatalf("base has no %q", tt.old)
				}
				body = strings.Replace(base, tt.old, tt.new, 1)
			}
			path := writeJob(t, t.TempDir(), "job.yaml", body)
			_, err := Load(path)
			if err == nil {
				t.Fatalf("no error for\n%s", body)
			}
			var je *JobError
			if !errors.As(err, &je) {
				t.Fatalf("%T is not a *JobError: %v", err, err)
			}
			// The first JobError is the one the case is about.
			if je.File != path || je.Line != tt.line || je.Key != tt.key {
				t.Errorf("got %s:%d key %q, want line %d key %q\n%v", je.File, je.Line, je.Key, tt.line, tt.key, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error:\n%v\ndoes not contain\n%s", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), path) {
				t.Errorf("error does not start with the file name: %v", err)
			}
		})
	}
}

func TestLoadManyErrors(t *testing.T) {
	path := writeJob(t, t.TempDir(), "job.yaml", `version: 3
fields:
  firstname: First
  email: Email
steps:
  - create_user
  - move_group: { to: group, mode: sideways }
`)
	_, err := Load(path)
	if err == nil {
		t.Fatal("no error")
	}
	var keys []string
	for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
		keys = append(keys, e.(*JobError).Key)
	}
	want := []string{"version", "fields.firstname", "steps[0]", "steps[1].move_group.mode"}
	if !reflect.DeepEqual(keys, want) {
		t.Errorf("errors for keys %v, want %v\n%v", keys, want, err)
	}
}

func TestLoadFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(filepath.Join(dir, "missing.yaml"))
	var je *JobError
	if !errors.As(err, &je) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing file: %v", err)
	}
	_, err = Load(dir)
	if !errors.As(err, &je) || !strings.Contains(err.Error(), "folder") {
		t.Errorf("folder: %v", err)
	}
}

func TestLoadAnchors(t *testing.T) {
	job, err := Load(writeJob(t, t.TempDir(), "j.yaml", `version: 1
fields:
  email: Email
  dept: &d { column: Dept, transform: upper }
  cost_center: *d
steps: [update_users]
`))
	if err != nil {
		t.Fatal(err)
	}
	if job.Fields[2].Column != "Dept" || job.Fields[2].Transforms[0] != "upper" {
		t.Errorf("alias: %+v", job.Fields[2])
	}
}

func TestJobErrorString(t *testing.T) {
	e := &JobError{File: "j.yaml", Line: 3, Key: "steps[0]", Msg: "unknown step", Hint: `did you mean "x"?`}
	if got, want := e.Error(), `j.yaml:3: steps[0]: unknown step (did you mean "x"?)`; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if got := (&JobError{Msg: "m"}).Error(); got != "m" {
		t.Errorf("%q", got)
	}
}

// create_missing takes true/false or the names to create; default_for
// says whether a default fills existing users' empty cells too.
func TestLoadCreateMissingAndDefaultFor(t *testing.T) {
	dir := t.TempDir()
	p := writeJob(t, dir, "j.yaml", `version: 1
input: users.csv
fields:
  email: Email
  group: Group
  division: Division
  type: { column: License, default: 1, default_for: all }
  dept: { column: Department, default: Sales }
steps:
  - move_group: { create_missing: ["Sales EMEA", Platform] }
  - assign_division: { create_missing: true }
`)
	job, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	g := job.Steps[0].Options.(*jobs.GroupOptions).CreateMissing
	d := job.Steps[1].Options.(*jobs.DivisionOptions).CreateMissing
	if g.All || !g.Allows(" sales emea") || !g.Allows("Platform") || g.Allows("Sales") || !d.All || !d.Allows("Anything") {
		t.Errorf("create_missing: group %+v, division %+v", g, d)
	}
	for _, sp := range job.Fields {
		if want := sp.Field == "type"; sp.DefaultForAll != want {
			t.Errorf("%s: DefaultForAll %v, want %v", sp.Field, sp.DefaultForAll, want)
		}
	}
}
