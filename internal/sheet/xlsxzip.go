package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Size limits for workbook parts, inflated.
const (
	// DefaultMaxInflated caps the inflated size of the sheet being read.
	DefaultMaxInflated = 1 << 30
	// maxSharedStrings caps the shared strings table, which is held in
	// memory.
	maxSharedStrings = 256 << 20
	// maxMetaPart caps workbook.xml, relationships and styles.
	maxMetaPart = 32 << 20
	// bombRatio and bombMinBytes: a part that inflates to more than
	// bombMinBytes at more than bombRatio times its compressed size is a
	// decompression bomb. Real sheet XML compresses 5 to 30 times.
	bombRatio    = 200
	bombMinBytes = 16 << 20
	// maxCellChars is Excel's limit for one cell; a longer cell is not
	// something Excel wrote.
	maxCellChars = 32767
)

// DefaultMaxColumns is how many columns a sheet may have unless
// Options.MaxColumns says otherwise.
const DefaultMaxColumns = 1000

// LimitError says an input is over one of the reader's size limits: a
// decompression bomb, a cell larger than Excel allows, too many columns.
// It comes wrapped in an *InputError naming the file.
type LimitError struct {
	What  string // e.g. "inflated size of xl/worksheets/sheet1.xml"
	Limit int64
	Got   int64 // 0 when not known exactly (the limit was crossed)
}

func (e *LimitError) Error() string {
	if e.Got > 0 {
		return fmt.Sprintf("%s is %d, over the limit of %d", e.What, e.Got, e.Limit)
	}
	return fmt.Sprintf("%s is over the limit of %d", e.What, e.Limit)
}

func limitInputError(file string, row int, le *LimitError, msg, hint string) *InputError {
	return &InputError{File: file, Row: row, Msg: msg, Hint: hint, Err: le}
}

func openXLSX(path, name string, opts Options) (r Reader, err error) {
	if isOLE(path) {
		return nil, &InputError{File: name, Msg: "not an .xlsx workbook: it is password-protected or in the old .xls format",
			Hint: "remove the password, or open it in Excel and save it as .xlsx or CSV"}
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return nil, openError(name, err)
	}
	x := &xlsxReader{name: name, opts: opts, zr: zr}
	defer func() {
		if p := recover(); p != nil {
			err = &InputError{File: name, Msg: fmt.Sprintf("the workbook could not be read (%v)", p),
				Hint: "open it in Excel and save it again, or export it as CSV"}
		}
		if err != nil {
			_ = x.Close()
			r = nil
		}
	}()
	if err := x.load(opts.Sheet); err != nil {
		return nil, err
	}
	if err := x.readHeader(opts.headerRow()); err != nil {
		return nil, err
	}
	return x, nil
}

func isOLE(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var head [8]byte
	if _, err := io.ReadFull(f, head[:]); err != nil {
		return false
	}
	return bytes.Equal(head[:], []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
}

func openError(name string, err error) error {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return err
	}
	var ie *InputError
	if errors.As(err, &ie) {
		return err
	}
	switch {
	case errors.Is(err, zip.ErrFormat), errors.Is(err, zip.ErrAlgorithm), errors.Is(err, zip.ErrChecksum),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return &InputError{File: name, Msg: "not a valid .xlsx workbook (" + err.Error() + ")",
			Hint: "open it in Excel and save it as .xlsx, or export it as CSV", Err: err}
	}
	return &InputError{File: name, Msg: "the workbook could not be read (" + err.Error() + ")",
		Hint: "open it in Excel and save it again, or export it as CSV", Err: err}
}

// zipFile finds a part by name, case-insensitively (OPC part names are).
func (x *xlsxReader) zipFile(name string) *zip.File {
	name = strings.TrimPrefix(name, "/")
	for _, f := range x.zr.File {
		if strings.EqualFold(f.Name, name) {
			return f
		}
	}
	return nil
}

// openPart inflates a part, refusing it up front when its declared size is
// over limit or looks like a decompression bomb, and cutting it off when it
// inflates to more than limit anyway.
func (x *xlsxReader) openPart(f *zip.File, limit int64) (io.ReadCloser, error) {
	size, packed := f.UncompressedSize64, f.CompressedSize64
	bad := func(le *LimitError) error {
		return limitInputError(x.name, 0, le, "the workbook is too large to read safely: "+le.Error(),
			"a workbook that inflates this much is damaged or a decompression bomb; export the data as CSV")
	}
	if size > uint64(limit) {
		return nil, bad(&LimitError{What: "the inflated size of " + f.Name, Limit: limit, Got: int64(min(size, math.MaxInt64))})
	}
	if size > bombMinBytes && size/max(packed, 1) > bombRatio {
		return nil, bad(&LimitError{What: fmt.Sprintf("the compression ratio of %s (%d bytes from %d)", f.Name, size, packed),
			Limit: bombRatio, Got: int64(size / max(packed, 1))})
	}
	rc, err := f.Open()
	if err != nil {
		return nil, openError(x.name, err)
	}
	return &cappedReader{rc: rc, left: limit, bad: bad, what: "the inflated size of " + f.Name, limit: limit, declared: size}, nil
}

// cappedReader fails once more than limit bytes came out.
type cappedReader struct {
	rc    io.ReadCloser
	left  int64
	limit int64
	what  string
	bad   func(*LimitError) error
	// declared is the size the zip directory gives; archive/zip answers
	// ErrFormat when the data inflates to more than that.
	declared uint64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, c.bad(&LimitError{What: c.what, Limit: c.limit})
	}
	if int64(len(p)) > c.left+1 {
		p = p[:c.left+1]
	}
	n, err := c.rc.Read(p)
	c.left -= int64(n)
	if errors.Is(err, zip.ErrFormat) {
		return n, c.bad(&LimitError{What: c.what + " (more than the " + strconv.FormatUint(c.declared, 10) + " bytes its zip entry declares)",
			Limit: int64(min(c.declared, math.MaxInt64))})
	}
	if c.left < 0 {
		return n, c.bad(&LimitError{What: c.what, Limit: c.limit})
	}
	return n, err
}

func (c *cappedReader) Close() error { return c.rc.Close() }

func (x *xlsxReader) readPart(name string, limit int64) ([]byte, error) {
	f := x.zipFile(name)
	if f == nil {
		return nil, fs.ErrNotExist
	}
	rc, err := x.openPart(f, limit)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		var ie *InputError
		if errors.As(err, &ie) {
			return nil, err
		}
		return nil, openError(x.name, err)
	}
	return data, nil
}

// bookSheet is a sheet listed in workbook.xml.
type bookSheet struct {
	name, state, rid, path string
}

// load reads workbook.xml, its relationships, the styles and the shared
// strings, picks the sheet and starts streaming it.
func (x *xlsxReader) load(want string) error {
	wbPath := "xl/workbook.xml"
	if rels, err := x.readPart("_rels/.rels", maxMetaPart); err == nil {
		for id, target := range parseRels(rels, "") {
			_ = id
			if strings.HasSuffix(strings.ToLower(target), ".xml") && strings.Contains(strings.ToLower(target), "workbook") {
				wbPath = strings.TrimPrefix(target, "/")
			}
		}
	}
	wbData, err := x.readPart(wbPath, maxMetaPart)
	if errors.Is(err, fs.ErrNotExist) {
		return &InputError{File: x.name, Msg: "not a valid .xlsx workbook (it has no workbook part)",
			Hint: "open it in Excel and save it as .xlsx, or export it as CSV"}
	}
	if err != nil {
		return err
	}
	sheets, date1904, err := parseWorkbook(wbData)
	if err != nil {
		return &InputError{File: x.name, Msg: "the workbook's list of sheets is damaged (" + err.Error() + ")",
			Hint: "open it in Excel and save it again, or export it as CSV"}
	}
	x.date1904 = date1904
	dir := path.Dir(wbPath)
	relsPath := path.Join(dir, "_rels", path.Base(wbPath)+".rels")
	targets := map[string]string{}
	if data, err := x.readPart(relsPath, maxMetaPart); err == nil {
		targets = parseRels(data, dir)
	}
	for i := range sheets {
		if t, ok := targets[sheets[i].rid]; ok {
			sheets[i].path = t
		} else {
			sheets[i].path = path.Join(dir, fmt.Sprintf("worksheets/sheet%d.xml", i+1))
		}
	}
	sh, err := pickSheet(sheets, x.name, want)
	if err != nil {
		return err
	}
	x.sheet = sh.name
	if data, err := x.readPart(path.Join(dir, "styles.xml"), maxMetaPart); err == nil {
		x.xfs = parseStyles(data)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if f := x.zipFile(path.Join(dir, "sharedStrings.xml")); f != nil {
		if err := x.loadSharedStrings(f); err != nil {
			return err
		}
	}
	f := x.zipFile(sh.path)
	if f == nil {
		return &InputError{File: x.name, Msg: fmt.Sprintf("sheet %q is missing from the workbook", sh.name),
			Hint: "open it in Excel and save it again, or export it as CSV"}
	}
	limit := x.opts.MaxInflated
	if limit <= 0 {
		limit = DefaultMaxInflated
	}
	if err := x.scanMerges(f, limit); err != nil {
		return err
	}
	slices.SortStableFunc(x.merges, func(a, b mergeRange) int { return a.r1 - b.r1 })
	if x.part, err = x.openPart(f, limit); err != nil {
		return err
	}
	x.sc = newXMLScanner(x.part)
	return nil
}

// parseRels maps relationship ids to part paths, resolved against dir.
func parseRels(data []byte, dir string) map[string]string {
	out := map[string]string{}
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.RawToken()
		if err != nil {
			return out
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "Relationship" {
			var id, target, mode string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "Id":
					id = a.Value
				case "Target":
					target = a.Value
				case "TargetMode":
					mode = a.Value
				}
			}
			if mode == "External" || target == "" {
				continue
			}
			if strings.HasPrefix(target, "/") {
				out[id] = path.Clean(strings.TrimPrefix(target, "/"))
			} else {
				out[id] = path.Clean(path.Join(dir, target))
			}
		}
	}
}

func parseWorkbook(data []byte) ([]bookSheet, bool, error) {
	var sheets []bookSheet
	date1904 := false
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return sheets, date1904, nil
		}
		if err != nil {
			return nil, false, err
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			for _, a := range se.Attr {
				if a.Name.Local == "date1904" {
					date1904 = a.Value == "1" || strings.EqualFold(a.Value, "true")
				}
			}
		case "sheet":
			var s bookSheet
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "name":
					s.name = a.Value
				case a.Name.Local == "state":
					s.state = a.Value
				case a.Name.Local == "id" && a.Name.Space != "":
					s.rid = a.Value
				}
			}
			sheets = append(sheets, s)
		}
	}
}

// pickSheet resolves the sheet to read: the named one (exact, then
// case-insensitive match) or the first visible one.
func pickSheet(list []bookSheet, file, want string) (bookSheet, error) {
	if len(list) == 0 {
		return bookSheet{}, &InputError{File: file, Msg: "the workbook has no sheets"}
	}
	if want == "" {
		for _, s := range list {
			if s.state == "" || s.state == "visible" {
				return s, nil
			}
		}
		return list[0], nil
	}
	for _, s := range list {
		if s.name == want {
			return s, nil
		}
	}
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(s.name), strings.TrimSpace(want)) {
			return s, nil
		}
	}
	quoted := make([]string, len(list))
	for i, s := range list {
		quoted[i] = strconv.Quote(s.name)
	}
	return bookSheet{}, &InputError{File: file, Msg: fmt.Sprintf("no sheet named %q", want),
		Hint: "the workbook has " + strings.Join(quoted, ", ")}
}
