package export

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom"
	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

func TestExportSmallTables(t *testing.T) {
	srv := exSandbox(t, zoomtest.Options{Users: 200})
	c := exClient(t, srv, "", nil)
	ctx := context.Background()
	divCount := map[string]int{}
	for _, u := range srv.Users() {
		divCount[u.DivisionID]++
	}
	engineering := ""
	for _, g := range srv.Groups() {
		if g.Name == "Engineering" {
			engineering = g.ID
		}
	}

	tests := []struct {
		name   string
		export func(path string) (*Result, error)
		header []string
		want   func() [][]string
	}{
		{"groups", func(p string) (*Result, error) { return Groups(ctx, c, p) },
			[]string{"Group", "Group ID", "Members"},
			func() (rows [][]string) {
				for _, g := range srv.Groups() {
					rows = append(rows, []string{g.Name, g.ID, strconv.Itoa(len(g.MemberIDs))})
				}
				return rows
			}},
		{"divisions", func(p string) (*Result, error) { return Divisions(ctx, c, p) },
			[]string{"Division", "Division ID", "Description", "Main", "Members"},
			func() (rows [][]string) {
				for _, d := range srv.Divisions() {
					rows = append(rows, []string{d.Name, d.ID, d.Description, strings.ToUpper(strconv.FormatBool(d.Main)), strconv.Itoa(divCount[d.ID])})
				}
				return rows
			}},
		{"group members", func(p string) (*Result, error) { return GroupMembers(ctx, c, p, "ENGINEERING") },
			[]string{"Email", "First Name", "Last Name", "User Type", "Type Code", "User ID"},
			func() (rows [][]string) {
				for _, u := range srv.Users() {
					if slices.Contains(u.GroupIDs, engineering) {
						rows = append(rows, []string{u.Email, u.FirstName, u.LastName, zoom.TypeName(u.Type), strconv.Itoa(u.Type), u.ID})
					}
				}
				return rows
			}},
		{"contact groups", func(p string) (*Result, error) { return ContactGroups(ctx, c, p) },
			[]string{"Contact Group", "Contact Group ID", "Privacy", "Privacy Code", "Description", "Members", "User Members", "Group Members"},
			func() (rows [][]string) {
				for _, g := range srv.ContactGroups() {
					groups := 0
					for _, id := range g.MemberIDs {
						if slices.ContainsFunc(srv.Groups(), func(x zoomtest.Group) bool { return x.ID == id }) {
							groups++
						}
					}
					users := len(g.MemberIDs) - groups
					rows = append(rows, []string{g.Name, g.ID, PrivacyName(g.Privacy), strconv.Itoa(g.Privacy), g.Description,
						strconv.Itoa(len(g.MemberIDs)), strconv.Itoa(users), strconv.Itoa(groups)})
				}
				return rows
			}},
	}
	for _, tt := range tests {
		for _, ext := range []string{"csv", "xlsx"} {
			t.Run(tt.name+"/"+ext, func(t *testing.T) {
				dir := t.TempDir()
				path := exPath(dir, "out."+ext)
				res, err := tt.export(path)
				if err != nil {
					t.Fatal(err)
				}
				tb := exRead(t, path, "")
				if !slices.Equal(tb.header, tt.header) {
					t.Errorf("header %q, want %q", tb.header, tt.header)
				}
				want := tt.want()
				if len(want) == 0 {
					t.Fatal("nothing to compare")
				}
				if res.Rows != len(want) || !slices.EqualFunc(tb.rows, want, slices.Equal) {
					t.Errorf("rows (%d)\n got %q\nwant %q", res.Rows, tb.rows, want)
				}
				if got := exDir(t, dir); len(got) != 1 {
					t.Errorf("folder holds %q", got)
				}
			})
		}
	}
}

func TestExportGroupMembersUnknownGroup(t *testing.T) {
	synctest.Test(t, testExportGroupMembersUnknownGroup)
}

func testExportGroupMembersUnknownGroup(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{})
	c := exMemClient(t, srv, nil)
	dir := t.TempDir()
	_, err := GroupMembers(context.Background(), c, exPath(dir, "m.csv"), "Markting")
	if !IsUsage(err) || !strings.Contains(err.Error(), `unknown group "Markting"; did you mean "Marketing"?`) {
		t.Fatalf("err = %v", err)
	}
	if got := exDir(t, dir); len(got) != 0 {
		t.Errorf("files left behind: %q", got)
	}
}

func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		path    string
		allowed []Format
		want    Format
		err     string
	}{
		{exPath(dir, "a.csv"), nil, CSV, ""},
		{exPath(dir, "a.XLSX"), nil, XLSX, ""},
		{exPath(dir, "a.csv"), []Format{XLSX}, "", "this export writes .xlsx"},
		{exPath(dir, "a.xlsm"), nil, "", `unsupported file type ".xlsm"`},
		{exPath(dir, "missing/a.csv"), nil, "", "does not exist"},
		{dir, nil, "", "no extension"},
		{"", nil, "", "no output file"},
	}
	for _, tt := range tests {
		got, err := CheckOutput(tt.path, tt.allowed...)
		if tt.err == "" {
			if err != nil || got != tt.want {
				t.Errorf("CheckOutput(%q) = %q, %v", tt.path, got, err)
			}
			continue
		}
		if err == nil || !IsUsage(err) || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("CheckOutput(%q) = %v, want %q", tt.path, err, tt.err)
		}
	}
}
