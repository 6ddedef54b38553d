// Command gen writes samples/migration/new-hires.xlsx: 60 new hires as an
// HR system exports them, with the mess real exports have (trailing
// spaces, mixed case, accented names, employee IDs as formatted numbers,
// an empty row, one broken email and one misspelt group), so that the
// migration sample shows what zoombulk does with each.
//
//	go run ./samples/migration/gen            # from the repository root
//	go run ./samples/migration/gen -o FILE.xlsx
//
// The workbook is rebuilt from the code below: edit the code, not the file
// (a test fails when the two differ).
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// SheetName is the sheet the job reads.
const SheetName = "New Hires"

// Header is the HR export's header row.
var Header = []string{"Employee ID", "First Name", "Last Name", "Work Email", "Department", "Job Title",
	"Office", "Start Date", "Zoom License", "Team", "Region", "Webinar"}

// hire is one row of the export.
type hire struct {
	id                int
	first, last       string
	email             string
	dept, title       string
	office, region    string
	start             time.Time
	license, team     string
	webinar           string
	webinarAsNumber   bool // the cell holds the number 500 rather than the text
	blankRowAfterThis bool
}

var names = [][2]string{
	{"José", "Álvarez"}, {"Amara", "Okafor"}, {"Liam", "O'Connor"}, {"Sofia", "Rossi"}, {"Noah", "Kim"},
	{"Zoë", "Müller"}, {"Mateo", "Fernández"}, {"Aisha", "Khan"}, {"Lucas", "Silva"}, {"Hannah", "Schmidt"},
	{"Ethan", "Wright"}, {"Mia", "Johansson"}, {"Arjun", "Mehta"}, {"Chloé", "Martin"}, {"Oliver", "Smith"},
	{"Yuki", "Tanaka"}, {"Søren", "Nielsen"}, {"Isabella", "Costa"}, {"Daniel", "Cohen"}, {"Fatou", "Diallo"},
	{"François", "Lefèvre"}, {"Grace", "Mensah"}, {"Henrik", "Larsen"}, {"Ines", "Moreau"}, {"Jakub", "Nowak"},
	{"Kwame", "Boateng"}, {"Laura", "García"}, {"Marco", "Bianchi"}, {"Nadia", "Haddad"}, {"Omar", "Farouk"},
	{"Paula", "Santos"}, {"Quentin", "Dubois"}, {"Rania", "Aziz"}, {"Samuel", "Adeyemi"}, {"Tara", "Singh"},
	{"Umar", "Sheikh"}, {"Valentina", "Ricci"}, {"William", "Brown"}, {"Ximena", "Torres"}, {"Yosef", "Levi"},
	{"Zara", "Ahmed"}, {"Ana", "Pereira"}, {"Ben", "Carter"}, {"Carmen", "Ruiz"}, {"David", "Nguyen"},
	{"Elif", "Yılmaz"}, {"Felix", "Wagner"}, {"Gabriela", "Mendes"}, {"Hugo", "Lambert"}, {"Ivy", "Chen"},
	{"Jonas", "Becker"}, {"Kiara", "Patel"}, {"Leon", "Hoffmann"}, {"Maya", "Rosen"}, {"Nikolai", "Petrov"},
	{"Olga", "Ivanova"}, {"Pedro", "Almeida"}, {"Rosa", "Jiménez"}, {"Sven", "Lindqvist"}, {"Tomás", "Herrera"},
}

type team struct{ dept, title, license string }

var teams = []team{
	{"Engineering", "Software Engineer", "Licensed"},
	{"Sales", "Account Executive", "Licensed"},
	{"Support", "Support Specialist", "Basic"},
	{"Marketing", "Marketing Specialist", "Licensed"},
	{"Finance", "Financial Analyst", "Basic"},
	{"HR", "HR Coordinator", "Basic"},
	{"Operations", "Operations Analyst", "Basic"},
}

type region struct {
	name    string
	offices []string
}

var regions = []region{
	{"Americas", []string{"New York", "Chicago", "Toronto", "San Francisco"}},
	{"EMEA", []string{"London", "Berlin", "Madrid", "Paris"}},
	{"APAC", []string{"Singapore", "Tokyo", "Sydney", "Bangalore"}},
}

// asciiFold spells a name for an email address.
var asciiFold = strings.NewReplacer("é", "e", "É", "E", "á", "a", "Á", "A", "ë", "e", "ü", "u", "ö", "o",
	"ø", "o", "ç", "c", "è", "e", "í", "i", "ı", "i", "ñ", "n", "'", "")

// Hires returns the rows, in order.
func Hires() []hire {
	start := time.Date(2027, time.January, 4, 0, 0, 0, 0, time.UTC)
	var out []hire
	for i, n := range names {
		tm := teams[i%len(teams)]
		rg := regions[(i/2)%len(regions)]
		h := hire{
			id:    100231 + i*7,
			first: n[0], last: n[1],
			email:   strings.ToLower(asciiFold.Replace(n[0]+"."+n[1])) + "@acme.example",
			dept:    tm.dept,
			title:   tm.title,
			office:  rg.offices[i%len(rg.offices)],
			region:  rg.name,
			start:   start.AddDate(0, 0, 7*(i/20)),
			license: tm.license,
			team:    tm.dept,
		}
		if tm.dept == "Marketing" && i < 40 {
			h.webinar = "500"
		}
		out = append(out, h)
	}
	// The mess of a real export.
	out[2].email = "Liam.OConnor@ACME.example"  // mixed case: emails are lower-cased
	out[3].first = "Sofia "                     // trailing spaces are trimmed
	out[4].email = " noah.kim@acme.example  "   //
	out[5].license = "licensed"                 // values match in any case
	out[6].team = "engineering"                 // group names match in any case
	out[8].region = "emea "                     // and so do division names
	out[9].license = "BASIC"                    //
	out[10].email = "ethan.wright.acme.example" // no @: fails validation, never sent
	out[17].team = "Enginering"                 // no such group: fails with "did you mean"
	out[24].webinarAsNumber = true              // a number cell reads as "500"
	out[29].blankRowAfterThis = true            // blank rows are skipped
	out[33].title += "  "                       //
	return out
}

// Build makes the workbook.
func Build() (*excelize.File, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", SheetName); err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	idStyle, err := f.NewStyle(&excelize.Style{NumFmt: 3}) // #,##0: the ID shows as 100,231
	if err != nil {
		return nil, err
	}
	dateFmt := "dd/mm/yyyy"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return nil, err
	}
	header := make([]any, len(Header))
	for i, h := range Header {
		header[i] = h
	}
	if err := f.SetSheetRow(SheetName, "A1", &header); err != nil {
		return nil, err
	}
	last, _ := excelize.CoordinatesToCellName(len(Header), 1)
	if err := f.SetCellStyle(SheetName, "A1", last, bold); err != nil {
		return nil, err
	}
	row := 2
	for _, h := range Hires() {
		var webinar any = h.webinar
		if h.webinarAsNumber {
			webinar = 500
		}
		cells := []any{h.id, h.first, h.last, h.email, h.dept, h.title, h.office, h.start, h.license, h.team, h.region, webinar}
		cell := fmt.Sprintf("A%d", row)
		if err := f.SetSheetRow(SheetName, cell, &cells); err != nil {
			return nil, err
		}
		if err := f.SetCellStyle(SheetName, cell, cell, idStyle); err != nil {
			return nil, err
		}
		if err := f.SetCellStyle(SheetName, fmt.Sprintf("H%d", row), fmt.Sprintf("H%d", row), dateStyle); err != nil {
			return nil, err
		}
		row++
		if h.blankRowAfterThis {
			row++
		}
	}
	for col, w := range map[string]float64{"A": 12, "B": 14, "C": 14, "D": 32, "E": 14, "F": 26, "G": 14, "H": 12, "I": 13, "J": 13, "K": 10, "L": 9} {
		if err := f.SetColWidth(SheetName, col, col, w); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func main() {
	out := flag.String("o", "samples/migration/new-hires.xlsx", "the workbook to write")
	flag.Parse()
	f, err := Build()
	if err == nil {
		err = f.SaveAs(*out)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	fmt.Printf("Wrote %s (%d hires)\n", *out, len(Hires()))
}
