package export

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A user's values packed into one cell come back as they were, whatever
// they hold.
func TestSnapshotPack(t *testing.T) {
	for _, vals := range [][]string{
		{"a@b.example", "Ada", "Engineering"},
		{"", "", ""},
		{`say "hi"`, "a,b", "line\nbreak", " lead", "\ttab", "semi;colon", "=1+2", "'quote"},
		{"x"},
	} {
		var buf bytes.Buffer
		rec, err := pack(&buf, vals)
		if err != nil {
			t.Fatal(err)
		}
		got, err := unpack(rec)
		if err != nil || !slices.Equal(got, vals) {
			t.Errorf("pack %q = %q, unpacked %q (%v)", vals, rec, got, err)
		}
	}
}

// A CSV export's record that is damaged is an error naming the file and
// what to do; a CSV without one is simply not an export.
func TestReadSnapshotSidecar(t *testing.T) {
	good := "zoombulk-export,1\naccount,acme\nexported,2026-01-02T03:04:05Z\ncolumns,\"Email,Department,User ID\"\nu,\"a@b.example,Sales,ID1\"\n"
	for _, tc := range []struct {
		name, sidecar string
		ok            bool
		says          string
	}{
		{name: "no record", ok: false},
		{name: "good", sidecar: good, ok: true},
		{name: "another marker", sidecar: "something,1\n", says: "its first cell is not zoombulk-export"},
		{name: "a later version", sidecar: "zoombulk-export,9\n", says: `version "9"`},
		{name: "no account", sidecar: "zoombulk-export,1\ncolumns,Email\n", says: "names no account"},
		{name: "no key column", sidecar: "zoombulk-export,1\naccount,a\ncolumns,Department\n", says: "no Email or User ID"},
		{name: "a strange row", sidecar: good + "x,y\n", says: `"x" is not a row of the record`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "users.csv")
			if err := os.WriteFile(path, []byte("Email\na@b.example\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.sidecar != "" {
				if err := os.WriteFile(path+SnapshotSuffix, []byte(tc.sidecar), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			snap, ok, err := ReadSnapshot(path)
			if tc.says != "" {
				var se *SnapshotError
				if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), "--steps") {
					t.Fatalf("err %v, want a SnapshotError saying %q and what to do", err, tc.says)
				}
				return
			}
			if err != nil || ok != tc.ok {
				t.Fatalf("ok %v, err %v; want ok %v", ok, err, tc.ok)
			}
			if !ok {
				return
			}
			id, vals, found := snap.Lookup("A@B.example")
			if !found || id != "ID1" || vals["Department"] != "Sales" || snap.Account != "acme" || snap.Len() != 1 {
				t.Errorf("lookup: %v %q %v; account %q", found, id, vals, snap.Account)
			}
			if _, _, found := snap.Lookup("ID1"); !found {
				t.Errorf("the user is not found by ID")
			}
		})
	}
}
