package export

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// Zoom user IDs may begin with "-" (22 of 125 in one real account). The
// CSV export writes them as they are: no apostrophe guard, which would
// break the ID for any tool, or job, that reads the file back. Exports
// write through sheet's CSV writer, so the rule is sheet's to keep.
func TestExportCSVKeepsIDsStartingWithDash(t *testing.T) {
	synctest.Test(t, testExportCSVKeepsIDsStartingWithDash)
}

func testExportCSVKeepsIDsStartingWithDash(t *testing.T) {
	const id = "-gbbm4KGTsSvL5zmELDJdw"
	seed := &zoomtest.Seed{Users: []zoomtest.SeedUser{
		{ID: id, Email: "dash.id@acme.example", FirstName: "Dash", LastName: "Id", Type: 2},
	}}
	srv := exMemSandbox(t, zoomtest.Options{Seed: seed})
	c := exMemClient(t, srv, nil)
	path := exPath(t.TempDir(), "users.csv")
	if _, err := Users(context.Background(), c, path, UsersOptions{Fields: []string{"email", "id"}}); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "dash.id@acme.example,"+id+"\r\n") && !strings.Contains(string(raw), "dash.id@acme.example,"+id+"\n") {
		t.Errorf("the user's line is not \"dash.id@acme.example,%s\":\n%s", id, raw)
	}
}
