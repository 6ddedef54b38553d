package jobs

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/zoombulk/zoombulk/internal/jobfile"
	"github.com/zoombulk/zoombulk/internal/mapping"
	"github.com/zoombulk/zoombulk/internal/results"
	"github.com/zoombulk/zoombulk/internal/zoom"
)

// UploadPicture sets profile pictures from files in a folder next to the
// job (POST /users/{id}/picture, multipart, Medium): a column holds each
// row's file name; JPG and PNG only, at most 2 MB, checked when the input
// is read, so a bad file fails its row (named) before anything is sent.
const UploadPicture jobfile.StepKind = "upload_picture"

// PictureOptions are upload_picture's options.
type PictureOptions struct {
	Field  string // the field holding the file name (default picture)
	Folder string // where the files are: absolute, or relative to the job file
}

type pictureStep struct{}

func init() { register(pictureStep{}) }

func (pictureStep) Name() jobfile.StepKind { return UploadPicture }

func (pictureStep) ParseOptions(l *jobfile.Loader, key string, n *yaml.Node) (any, bool) {
	o := &PictureOptions{Field: "picture", Folder: "."}
	ok := true
	if n != nil {
		ok = l.Map(n, key, []string{"field", "folder"}, func(k string, _, vn *yaml.Node) {
			var good bool
			switch k {
			case "field":
				o.Field, good = l.FieldRef(vn, key+"."+k, func(f mapping.Field) bool { return f.Target == mapping.Picture }, "a picture field (picture)")
			case "folder":
				o.Folder, good = l.Str(vn, key+"."+k)
			}
			ok = ok && good
		}) && ok
	}
	if ok && !l.Mapped(o.Field) {
		l.AddError(l.StepLine(), key, "upload_picture has no file names: the job maps no "+o.Field+" field",
			"map the column of file names: fields: { picture: Photo }")
		return nil, false
	}
	return o, ok
}

func (pictureStep) Fields(s jobfile.Step) []string {
	return []string{s.Options.(*PictureOptions).Field}
}

// Check: the folder must exist when the job is loaded.
func (pictureStep) Check(l *jobfile.Loader, key string, s jobfile.Step) {
	dir := pictureDir(l.Job(), s.Options.(*PictureOptions))
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		l.AddError(s.Line, key+".folder", fmt.Sprintf("the picture folder %s does not exist", dir),
			"give folder: the folder of the pictures, relative to the job file")
	}
}

func pictureDir(job *jobfile.Job, o *PictureOptions) string {
	if filepath.IsAbs(o.Folder) {
		return o.Folder
	}
	return filepath.Join(job.Dir, o.Folder)
}

// picture is a checked picture file: rel is its name inside the folder.
type picture struct {
	rel, name string
}

// checkPicture finds a row's file in the folder and checks it the way
// Zoom will: a JPG or PNG by name and by content, not empty, at most 2 MB
// (checkImageIn).
func checkPicture(dir, name string) (*picture, string) {
	clean := filepath.FromSlash(strings.TrimSpace(name))
	if !filepath.IsLocal(clean) {
		return nil, fmt.Sprintf("the picture %q is not a file name inside the picture folder", name)
	}
	ext := strings.ToLower(filepath.Ext(clean))
	if ext != ".jpg" && ext != ".jpeg" && ext != ".png" {
		return nil, fmt.Sprintf("the picture %s is not a JPG or PNG file: Zoom takes only those", name)
	}
	if why := checkImageIn(dir, clean, name, zoom.MaxPictureBytes, "picture", "the picture folder"); why != "" {
		return nil, why
	}
	return &picture{rel: clean, name: filepath.Base(clean)}, ""
}

// checkImageIn checks the file clean (name as the row gives it) inside
// dir the way Zoom will, for upload_picture and virtual_backgrounds: a
// regular file, not empty, at most limit bytes, a JPG or PNG by content.
// It is opened through an os.Root of dir, so neither ".." nor a symbolic
// link can lead outside it, and only a regular file is opened: a FIFO
// named photo.jpg would block the read. noun and folder name the file and
// dir in the reason ("" when the file is good).
func checkImageIn(dir, clean, name string, limit int, noun, folder string) string {
	ext := strings.ToLower(filepath.Ext(clean))
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Sprintf("%s %s cannot be opened", folder, dir)
	}
	defer root.Close()
	fi, err := root.Stat(clean)
	switch {
	case err != nil:
		// The plain path finds it: a link on the way leads out.
		if _, serr := os.Stat(filepath.Join(dir, clean)); serr == nil {
			return fmt.Sprintf("the %s %s is a link that leads outside %s %s", noun, name, folder, dir)
		}
		return fmt.Sprintf("the %s %s is not in %s", noun, name, dir)
	case !fi.Mode().IsRegular():
		return fmt.Sprintf("the %s %s is not a regular file", noun, name)
	case fi.Size() == 0:
		return fmt.Sprintf("the %s %s is empty", noun, name)
	case fi.Size() > int64(limit):
		return fmt.Sprintf("the %s %s is %.1f MB: Zoom takes at most %d MB", noun, name, float64(fi.Size())/(1<<20), limit>>20)
	}
	f, err := root.Open(clean)
	if err != nil {
		return fmt.Sprintf("the %s %s cannot be read", noun, name)
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if k := http.DetectContentType(head[:n]); k != "image/jpeg" && k != "image/png" {
		return fmt.Sprintf("the %s %s is named %s but is not a JPG or PNG image", noun, name, ext)
	}
	return ""
}

// readInside reads a checked file, rel inside dir, again only inside
// dir and only a regular file: one byte past limit tells a file that grew
// since the check.
func readInside(dir, rel string, limit int) ([]byte, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	f, err := root.Open(rel)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", rel)
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, fmt.Errorf("%s grew past %d MB", rel, limit>>20)
	}
	return data, nil
}

// checkRows checks every row's picture file when the input is read: a
// missing, oversized or wrong-type file is a problem of the row, with the
// row and the file named.
func (pictureStep) checkRows(job *jobfile.Job, s jobfile.Step, sh *Sheet) {
	o := s.Options.(*PictureOptions)
	dir := pictureDir(job, o)
	for i := range sh.Rows {
		row := &sh.Rows[i]
		v, ok := row.Record.Get(o.Field)
		if !ok {
			continue
		}
		if _, why := checkPicture(dir, v.Text); why != "" {
			row.Record.Problems = append(row.Record.Problems, mapping.Problem{Row: row.Number, Column: sh.Mapper.Column(o.Field),
				Field: o.Field, Value: v.Text, Kind: mapping.KindFormat, Msg: why,
				Hint: "put a JPG or PNG of at most 2 MB in " + dir + " under this name, or empty the cell"})
		}
	}
}

// decide: Zoom cannot say whether a picture is the one on file, so every
// row with a file uploads it; a row without one is left as it is.
func (pictureStep) decide(d *decision) {
	o := d.step.Options.(*PictureOptions)
	name, ok := d.value(o.Field)
	if !ok {
		d.set(results.ActUnchanged)
		return
	}
	d.set(results.ActUpload)
	d.change("picture", "", name, "")
	d.st.target = name
}

func (pictureStep) cost(_ *rowRun, st *rowStep) []callCost {
	if st.action == results.ActUpload {
		return []callCost{{cat: zoom.Medium}}
	}
	return nil
}

func (pictureStep) apply(a *applier, rows []*rowRun) {
	dir := pictureDir(a.e.Job, a.step.Options.(*PictureOptions))
	a.perRow(zoom.Medium, rows, func(ctx context.Context, r *rowRun, st *rowStep) *results.StepResult {
		// Read now, not at plan time: memory holds one picture per worker.
		p, why := checkPicture(dir, st.target)
		if why != "" {
			return planFailure(why, "the file changed since the plan; put it back and run the row again")
		}
		data, err := readInside(dir, p.rel, zoom.MaxPictureBytes)
		if err != nil {
			return planFailure("the picture "+st.target+" cannot be read: "+err.Error(), "")
		}
		if err := a.e.Client.UploadPicture(ctx, r.ref().Key(), p.name, data); err != nil {
			return a.e.outcomeOf(err)
		}
		return succeeded()
	})
}

func (pictureStep) calls() []call { return []call{on(zoom.OpUploadPicture, "")} }

// doc is the kind's row of docs/jobs.md's steps table.
func (pictureStep) doc() kindDoc {
	return kindDoc{
		order:    100,
		options:  "`field: picture`; `folder: .` (relative to the job file)",
		call:     "`POST /users/{id}/picture` (multipart)",
		batching: "one row a call; JPG/PNG, at most 2 MB, checked when the input is read",
		category: "Medium",
	}
}
