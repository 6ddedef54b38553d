package templates

// A template workbook carries its job: the job file's text, one line per
// cell down column A of a hidden, protected sheet, so that the workbook
// alone is enough to run (a job file beside it still wins) and nobody
// edits the job by accident while filling in the data sheet. The job sheet
// is written after the others with excelize directly: the sheet package's
// workbooks have no hidden sheets of text.

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/xuri/excelize/v2"
	"go.yaml.in/yaml/v3"
)

// JobSheet is the name of the hidden sheet that holds a workbook's job.
const JobSheet = "zoombulk-job"

// embedJob adds the hidden job sheet to a workbook's bytes.
func embedJob(workbook []byte, job string) ([]byte, error) {
	f, err := excelize.OpenReader(bytes.NewReader(workbook))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	active := f.GetActiveSheetIndex()
	if _, err := f.NewSheet(JobSheet); err != nil {
		return nil, err
	}
	if err := f.SetColWidth(JobSheet, "A", "A", 120); err != nil {
		return nil, err
	}
	for i, line := range strings.Split(strings.TrimSuffix(job, "\n"), "\n") {
		if line == "" {
			continue // an empty row reads back as an empty line
		}
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return nil, err
		}
		if err := f.SetCellStr(JobSheet, cell, line); err != nil {
			return nil, err
		}
	}
	if err := f.SetSheetVisible(JobSheet, false); err != nil {
		return nil, err
	}
	// No password: the protection guards against a slip while filling in
	// the workbook, not against the admin who owns it.
	if err := f.ProtectSheet(JobSheet, &excelize.SheetProtectionOptions{SelectLockedCells: true, SelectUnlockedCells: true}); err != nil {
		return nil, err
	}
	f.SetActiveSheet(active)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// EmbeddedJob reads the job a workbook carries (written by zoombulk
// template into its hidden zoombulk-job sheet). ok is false, with no error,
// when path is not an .xlsx workbook or carries no job. The job's input
// path is set to the workbook's own file name, so that a renamed workbook
// still reads itself.
func EmbeddedJob(path string) (job []byte, ok bool, err error) {
	st, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, fmt.Errorf("%s: no such file", path)
		}
		return nil, false, err
	}
	if !st.Mode().IsRegular() {
		// A FIFO or device would block the read, deaf to Ctrl-C.
		return nil, false, errors.New("not a regular file (a pipe or a device); save it to a file and name that")
	}
	if ext := strings.ToLower(filepath.Ext(path)); ext != ".xlsx" && ext != ".xlsm" {
		return nil, false, nil
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("%s: not a readable workbook: %w", path, err)
	}
	defer f.Close()
	name := ""
	for _, s := range f.GetSheetList() {
		if strings.EqualFold(s, JobSheet) {
			name = s
		}
	}
	if name == "" {
		return nil, false, nil
	}
	rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, false, fmt.Errorf("%s: reading sheet %s: %w", path, name, err)
	}
	var b strings.Builder
	for _, r := range rows {
		if len(r) > 0 {
			b.WriteString(r[0])
		}
		b.WriteByte('\n')
	}
	text := strings.TrimRight(b.String(), "\n") + "\n"
	if strings.TrimSpace(text) == "" {
		return nil, false, nil
	}
	return []byte(retarget(text, filepath.Base(path))), true, nil
}

// retarget points the job's input line (written by jobYAML as
// "input: { path: FILE, sheet: SHEET }") at file. Other job texts are left
// as they are.
func retarget(job, file string) string {
	lines := strings.Split(job, "\n")
	for i, l := range lines {
		if !strings.HasPrefix(l, "input:") {
			continue
		}
		var in struct {
			Input map[string]string `yaml:"input"`
		}
		if yaml.Unmarshal([]byte(l), &in) != nil || in.Input == nil || len(in.Input) > 2 || in.Input["path"] == "" {
			return job
		}
		if in.Input["path"] == file {
			return job
		}
		l = "input: { path: " + yamlText(file)
		if s := in.Input["sheet"]; s != "" {
			l += ", sheet: " + yamlText(s)
		}
		lines[i] = l + " }"
		return strings.Join(lines, "\n")
	}
	return job
}

// EmbedJob adds the hidden job sheet to a workbook's bytes, for other
// workbooks that carry their job (the reclaim export): run and validate
// read it as they read a template's.
func EmbedJob(workbook []byte, job string) ([]byte, error) { return embedJob(workbook, job) }
