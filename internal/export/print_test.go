package export

import (
	"archive/zip"
	"context"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/xuri/excelize/v2"

	"github.com/zoombulk/zoombulk/internal/zoom/zoomtest"
)

// printedSheet is what a sheet's XML says about printing it.
type printedSheet struct {
	fitToPage               bool
	fitToWidth, fitToHeight string
	orientation             string
	titles, area            string   // the _xlnm defined names
	charts                  [][2]int // each chart's far corner (column, row), 1-based
	chartXML                []string
}

// readPrintSetup reads the print setup of every sheet of an XLSX file
// from its parts: sheetPr, pageSetup, the defined names, and the anchors
// of the drawings on each sheet.
func readPrintSetup(t *testing.T, file string) map[string]*printedSheet {
	t.Helper()
	zr, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	parts := map[string]string{}
	for _, f := range zr.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		parts[f.Name] = string(b)
	}
	type rel struct {
		ID     string `xml:"Id,attr"`
		Target string `xml:"Target,attr"`
	}
	rels := func(name string) map[string]string {
		var x struct {
			Rels []rel `xml:"Relationship"`
		}
		_ = xml.Unmarshal([]byte(parts[name]), &x)
		out := map[string]string{}
		for _, r := range x.Rels {
			out[r.ID] = r.Target
		}
		return out
	}
	resolve := func(base, target string) string {
		if strings.HasPrefix(target, "/") {
			return strings.TrimPrefix(target, "/")
		}
		return path.Clean(path.Join(path.Dir(base), target))
	}
	var wbx struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
		Names []struct {
			Name  string `xml:"name,attr"`
			Local int    `xml:"localSheetId,attr"`
			Ref   string `xml:",chardata"`
		} `xml:"definedNames>definedName"`
	}
	if err := xml.Unmarshal([]byte(parts["xl/workbook.xml"]), &wbx); err != nil {
		t.Fatal(err)
	}
	wbRels := rels("xl/_rels/workbook.xml.rels")
	out := map[string]*printedSheet{}
	for i, s := range wbx.Sheets {
		ps := &printedSheet{}
		out[s.Name] = ps
		sheetPart := resolve("xl/workbook.xml", wbRels[s.RID])
		var ws struct {
			SheetPr struct {
				PageSetUpPr struct {
					FitToPage string `xml:"fitToPage,attr"`
				} `xml:"pageSetUpPr"`
			} `xml:"sheetPr"`
			PageSetup struct {
				FitToWidth  string `xml:"fitToWidth,attr"`
				FitToHeight string `xml:"fitToHeight,attr"`
				Orientation string `xml:"orientation,attr"`
			} `xml:"pageSetup"`
			Drawing struct {
				RID string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
			} `xml:"drawing"`
		}
		if err := xml.Unmarshal([]byte(parts[sheetPart]), &ws); err != nil {
			t.Fatalf("%s: %v", sheetPart, err)
		}
		ps.fitToPage = ws.SheetPr.PageSetUpPr.FitToPage == "true" || ws.SheetPr.PageSetUpPr.FitToPage == "1"
		ps.fitToWidth, ps.fitToHeight, ps.orientation = ws.PageSetup.FitToWidth, ws.PageSetup.FitToHeight, ws.PageSetup.Orientation
		for _, n := range wbx.Names {
			if n.Local != i {
				continue
			}
			switch n.Name {
			case "_xlnm.Print_Titles":
				ps.titles = n.Ref
			case "_xlnm.Print_Area":
				ps.area = n.Ref
			}
		}
		if ws.Drawing.RID == "" {
			continue
		}
		dir, file := path.Split(sheetPart)
		drawingPart := resolve(sheetPart, rels(dir + "_rels/" + file + ".rels")[ws.Drawing.RID])
		var dr struct {
			Anchors []struct {
				To struct {
					Col int `xml:"col"`
					Row int `xml:"row"`
				} `xml:"to"`
				Chart struct {
					RID string `xml:"id,attr"`
				} `xml:"graphicFrame>graphic>graphicData>chart"`
			} `xml:"twoCellAnchor"`
		}
		if err := xml.Unmarshal([]byte(parts[drawingPart]), &dr); err != nil {
			t.Fatalf("%s: %v", drawingPart, err)
		}
		ddir, dfile := path.Split(drawingPart)
		drels := rels(ddir + "_rels/" + dfile + ".rels")
		for _, a := range dr.Anchors {
			ps.charts = append(ps.charts, [2]int{a.To.Col + 1, a.To.Row + 1})
			ps.chartXML = append(ps.chartXML, parts[resolve(drawingPart, drels[a.Chart.RID])])
		}
	}
	return out
}

// The summary workbook prints well: every sheet one page wide with its
// header row on each page; each chart inside its sheet's print area (so
// it prints whole with its table); the pie's shares outside the slices
// with a legend; axis text dark.
func TestSummaryPrintSetup(t *testing.T) {
	synctest.Test(t, testSummaryPrintSetup)
}

func testSummaryPrintSetup(t *testing.T) {
	srv := exMemSandbox(t, zoomtest.Options{})
	c := exMemClient(t, srv, nil)
	file := exPath(t.TempDir(), "summary.xlsx")
	if _, _, err := Summarize(context.Background(), c, file, SummaryOptions{}); err != nil {
		t.Fatal(err)
	}
	sheets := readPrintSetup(t, file)
	charts := 0
	for _, name := range []string{"Summary", "By Type", "By Status", "By Group", "By Division", "By Department", "Last Login", "Details"} {
		ps := sheets[name]
		if ps == nil {
			t.Fatalf("no sheet %q", name)
		}
		if !ps.fitToPage || ps.fitToWidth != "1" || ps.fitToHeight != "0" {
			t.Errorf("%s: fitToPage %v, fitToWidth %q, fitToHeight %q: want one page wide", name, ps.fitToPage, ps.fitToWidth, ps.fitToHeight)
		}
		if want := "'" + name + "'!$1:$1"; ps.titles != want {
			t.Errorf("%s: print titles %q, want %q", name, ps.titles, want)
		}
		for i, corner := range ps.charts {
			charts++
			m := regexp.MustCompile(`!\$A\$1:\$([A-Z]+)\$(\d+)$`).FindStringSubmatch(ps.area)
			if m == nil {
				t.Errorf("%s: a chart but print area %q", name, ps.area)
				continue
			}
			lastCol, _ := excelize.ColumnNameToNumber(m[1])
			lastRow, _ := strconv.Atoi(m[2])
			if corner[0] > lastCol || corner[1] > lastRow {
				t.Errorf("%s: chart %d reaches column %d row %d, outside the print area %s", name, i+1, corner[0], corner[1], ps.area)
			}
			if ps.orientation != "landscape" {
				t.Errorf("%s: a table with a chart beside it prints %q", name, ps.orientation)
			}
			x := ps.chartXML[i]
			if !strings.Contains(x, `<a:srgbClr val="262626">`) {
				t.Errorf("%s: chart %d has no dark axis or label text", name, i+1)
			}
			if strings.Contains(x, "<c:pieChart>") || strings.Contains(x, "<pieChart>") {
				if !regexp.MustCompile(`dLblPos val="outEnd"`).MatchString(x) || !regexp.MustCompile(`legendPos val="r"`).MatchString(x) {
					t.Errorf("%s: pie labels not outside with a legend", name)
				}
			}
		}
	}
	if charts != 3 {
		t.Errorf("%d charts found on the sheets, want 3", charts)
	}
	if sheets["Summary"].orientation != "portrait" {
		t.Errorf("the two-column Summary sheet prints %q", sheets["Summary"].orientation)
	}
}

// The summary converted to PDF by LibreOffice: each of its eight sheets,
// charts included, prints on one page. LibreOffice is not part of the
// build, so this runs only with ZOOMBULK_PDF_TEST=1 and soffice on PATH.
func TestSummaryPDF(t *testing.T) {
	synctest.Test(t, testSummaryPDF)
}

func testSummaryPDF(t *testing.T) {
	if os.Getenv("ZOOMBULK_PDF_TEST") == "" {
		t.Skip("converts with LibreOffice: set ZOOMBULK_PDF_TEST=1 (needs soffice)")
	}
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("no soffice on PATH")
	}
	srv := exMemSandbox(t, zoomtest.Options{})
	c := exMemClient(t, srv, nil)
	dir := t.TempDir()
	file := exPath(dir, "summary.xlsx")
	if _, _, err := Summarize(context.Background(), c, file, SummaryOptions{}); err != nil {
		t.Fatal(err)
	}
	// A profile of its own, so that a LibreOffice the user has open does
	// not take the conversion over.
	cmd := exec.Command(soffice, "-env:UserInstallation=file://"+filepath.Join(dir, "profile"), "--headless", "--convert-to", "pdf", "--outdir", dir, file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "summary.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1)); pages != 8 {
		t.Errorf("the summary prints on %d pages, want 8 (one a sheet, charts included)", pages)
	}
}
