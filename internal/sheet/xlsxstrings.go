package sheet

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

func (x *xlsxReader) loadSharedStrings(f *zip.File) error {
	rc, err := x.openPart(f, maxSharedStrings)
	if err != nil {
		return err
	}
	defer rc.Close()
	sc := newXMLScanner(rc)
	var buf []byte
	inSI, inT, inRPh := false, false, false
	for {
		err := sc.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var ie *InputError
			if errors.As(err, &ie) {
				return err
			}
			return &InputError{File: x.name, Msg: "the workbook's shared strings are damaged (" + err.Error() + ")",
				Hint: "open it in Excel and save it again, or export it as CSV", Err: err}
		}
		switch sc.kind {
		case tokStart:
			switch string(sc.local()) {
			case "si":
				inSI, buf = true, buf[:0]
			case "t":
				inT = inSI && !inRPh
			case "rPh":
				inRPh = true
			}
		case tokText:
			if inT {
				buf = append(buf, sc.text...)
				if len(buf) > 4*maxCellChars {
					le := &LimitError{What: fmt.Sprintf("the size of shared string %d", len(x.sst)), Limit: maxCellChars}
					return limitInputError(x.name, 0, le,
						fmt.Sprintf("a text in the workbook holds more than the %d characters Excel allows in a cell", maxCellChars),
						"the workbook is damaged or was not written by a spreadsheet program; export the data as CSV")
				}
			}
		case tokEnd:
			switch string(sc.local()) {
			case "si":
				x.sst = append(x.sst, unescapeOOXML(string(buf)))
				inSI = false
			case "t":
				inT = false
			case "rPh":
				inRPh = false
			}
		}
	}
}

// unescapeOOXML decodes the _xHHHH_ escapes OOXML uses for characters XML
// cannot hold (a literal "_x" is itself escaped as _x005F_x).
func unescapeOOXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				b.WriteRune(rune(v))
				i += 7
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}
