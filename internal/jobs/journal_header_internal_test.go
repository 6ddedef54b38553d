package jobs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The run's account and arguments come from the journal's first line
// alone (zoombulk results, --resume DIR, an undo's account check): the
// header reader agrees with the whole journal's reader on what it says and
// on what it refuses, whatever follows the header.
func TestReadJournalHeaderAgreesWithReadJournal(t *testing.T) {
	const header = `{"type":"header","job":"job.yaml","input":"/in/users.csv","steps":["update_users"],"account_id":"acc-1","api_host":"127.0.0.1","args":["run","job.yaml"]}` + "\n"
	const record = `{"type":"result","row":0,"number":2,"key":"a@acme.example","step":"update_users","status":"succeeded","user_id":"u1"}` + "\n"
	tests := []struct {
		name    string
		journal string
		wantErr string // "" reads the header
	}{
		{name: "header and records", journal: header + record + record},
		{name: "header only", journal: header},
		{name: "torn last line", journal: header + record + `{"type":"resu`},
		{name: "empty", journal: "", wantErr: "the journal is empty"},
		{name: "not a journal", journal: "Email,Type\n", wantErr: "not a zoombulk journal"},
		{name: "a record first", journal: record + header, wantErr: "not a zoombulk journal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, journalName), []byte(tc.journal), 0o600); err != nil {
				t.Fatal(err)
			}
			h, err := readJournalHeader(dir)
			st, werr := readJournal(dir)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("readJournalHeader: err %v, want one saying %q", err, tc.wantErr)
				}
				if werr == nil || werr.Error() != err.Error() {
					t.Errorf("readJournal refuses it with %v, readJournalHeader with %v", werr, err)
				}
				return
			}
			if err != nil || werr != nil {
				t.Fatalf("readJournalHeader: %v; readJournal: %v", err, werr)
			}
			if h.AccountID != "acc-1" || h.APIHost != "127.0.0.1" || strings.Join(h.Args, " ") != "run job.yaml" || h.Input != "/in/users.csv" {
				t.Errorf("header %+v: want account acc-1 on 127.0.0.1, args [run job.yaml], input /in/users.csv", h)
			}
			if st.header.AccountID != h.AccountID || strings.Join(st.header.Args, " ") != strings.Join(h.Args, " ") || st.header.Job != h.Job {
				t.Errorf("readJournal's header %+v differs from readJournalHeader's %+v", st.header, h)
			}
		})
	}
	if _, err := readJournalHeader(t.TempDir()); !os.IsNotExist(err) {
		t.Errorf("no journal: err %v, want a not-exist error (the callers say the folder holds no run)", err)
	}
}
