// Command gen writes samples/new-account/new-account.xlsx: the workbook a
// new account is set up from, one sheet a job: Groups (the groups and
// their admins), Users (the people, their group, region and assistants)
// and Contact groups (who sees whom in the directory).
//
//	go run ./samples/new-account/gen            # from the repository root
//	go run ./samples/new-account/gen -o FILE.xlsx
//
// The workbook is rebuilt from the code below: edit the code, not the file
// (a test fails when the two differ).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/xuri/excelize/v2"
)

// Sheets are the workbook's sheets in order, each with its rows (the
// header first).
var Sheets = []struct {
	Name string
	Rows [][]string
}{
	{"Groups", [][]string{
		{"Group", "Admin"},
		{"Engineering", "adam.admin@globex.example"},
		{"Sales", "olivia.owner@globex.example"},
		{"Sales", "adam.admin@globex.example"},
		{"Support", ""},
		{"Contractors", ""},
	}},
	{"Users", [][]string{
		{"Email", "First Name", "Last Name", "License", "Team", "Region", "Assistants"},
		{"nora.chief@globex.example", "Nora", "Chief", "Licensed", "Sales", "Americas", "ivan.aide@globex.example; tess.aide@globex.example"},
		{"ivan.aide@globex.example", "Ivan", "Aide", "Licensed", "Support", "Americas", ""},
		{"tess.aide@globex.example", "Tess", "Aide", "Licensed", "Support", "EMEA", ""},
		{"eli.engineer@globex.example", "Eli", "Engineer", "Licensed", "Engineering", "EMEA", ""},
		{"fay.engineer@globex.example", "Fay", "Engineer", "Basic", "Engineering", "APAC", ""},
		{"gus.sales@globex.example", "Gus", "Sales", "Licensed", "Sales", "APAC", "ivan.aide@globex.example"},
		{"hal.contractor@globex.example", "Hal", "Contractor", "Basic", "Contractors", "Americas", ""},
		{"ida.sales@globex.example", "Ida", "Sales", "Basic", "Sales", "EMEA", ""},
	}},
	{"Contact groups", [][]string{
		{"Contact Group", "Member", "Privacy", "Description"},
		{"Leadership", "nora.chief@globex.example", "private", "The executive team"},
		{"Leadership", "olivia.owner@globex.example", "", ""},
		{"Builders", "Engineering", "members", "Everyone who builds the product"},
		{"Help Desk", "Support", "public", "Ask us anything"},
		{"Help Desk", "adam.admin@globex.example", "", ""},
	}},
}

// Build makes the workbook.
func Build() (*excelize.File, error) {
	f := excelize.NewFile()
	for i, s := range Sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", s.Name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return nil, err
		}
		for r, row := range s.Rows {
			cell, err := excelize.CoordinatesToCellName(1, r+1)
			if err != nil {
				return nil, err
			}
			vals := make([]any, len(row))
			for j, v := range row {
				vals[j] = v
			}
			if err := f.SetSheetRow(s.Name, cell, &vals); err != nil {
				return nil, err
			}
		}
	}
	return f, nil
}

func main() {
	out := flag.String("o", "samples/new-account/new-account.xlsx", "the workbook to write")
	flag.Parse()
	f, err := Build()
	if err == nil {
		err = f.SaveAs(*out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
