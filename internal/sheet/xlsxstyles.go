package sheet

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// xfInfo is what a cell style means for reading: its number format code
// and date flavour.
type xfInfo struct {
	code   string
	flavor byte
}

// parseStyles returns, per cellXfs entry, its number format code and date
// flavour. Damaged styles leave the rest unformatted rather than failing:
// values then read as plain numbers.
func parseStyles(data []byte) []xfInfo {
	custom := map[int]string{}
	var xfIDs []int
	d := xml.NewDecoder(bytes.NewReader(data))
	inCellXfs := false
	for {
		tok, err := d.RawToken()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				id, code := -1, ""
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "numFmtId":
						id, _ = strconv.Atoi(a.Value)
					case "formatCode":
						code = a.Value
					}
				}
				if id >= 0 {
					custom[id] = code
				}
			case "cellXfs":
				inCellXfs = true
			case "xf":
				if inCellXfs {
					id := 0
					for _, a := range t.Attr {
						if a.Name.Local == "numFmtId" {
							id, _ = strconv.Atoi(a.Value)
						}
					}
					xfIDs = append(xfIDs, id)
				}
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inCellXfs = false
			}
		}
	}
	out := make([]xfInfo, len(xfIDs))
	for i, id := range xfIDs {
		code, ok := custom[id]
		if !ok {
			code = builtinFormats[id]
		}
		out[i] = xfInfo{code: code, flavor: numFmtFlavor(custom, id)}
	}
	return out
}

// builtinFormats are the number formats every workbook has without
// declaring them (ECMA-376 part 1, 18.8.30), in their en-US form.
var builtinFormats = map[int]string{
	0: "General", 1: "0", 2: "0.00", 3: "#,##0", 4: "#,##0.00",
	9: "0%", 10: "0.00%", 11: "0.00E+00", 12: "# ?/?", 13: "# ??/??",
	14: "mm-dd-yy", 15: "d-mmm-yy", 16: "d-mmm", 17: "mmm-yy",
	18: "h:mm AM/PM", 19: "h:mm:ss AM/PM", 20: "h:mm", 21: "h:mm:ss", 22: "m/d/yy h:mm",
	37: "#,##0 ;(#,##0)", 38: "#,##0 ;[Red](#,##0)", 39: "#,##0.00;(#,##0.00)", 40: "#,##0.00;[Red](#,##0.00)",
	45: "mm:ss", 46: "[h]:mm:ss", 47: "mmss.0", 48: "##0.0E+0", 49: "@",
}

// builtinFormatID is the id of a built-in format code, for writing a read
// cell back with the same (locale-following) built-in format.
func builtinFormatID(code string) (int, bool) {
	for id, c := range builtinFormats {
		if c == code {
			return id, true
		}
	}
	return 0, false
}

// canonicalAlready reports whether a stored number is already in the form
// canonicalNumber gives (most are: 42, 6589310093, 0.125), which saves
// formatting it twice.
func canonicalAlready(s string) bool {
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if s == "" || s[0] == '.' || (len(s) > 1 && s[0] == '0' && s[1] != '.') {
		return false
	}
	digits, dot := 0, -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && dot < 0:
			dot = i
		default:
			return false
		}
	}
	if dot >= 0 && (dot == len(s)-1 || s[len(s)-1] == '0') {
		return false
	}
	lead := strings.TrimLeft(strings.ReplaceAll(s, ".", ""), "0")
	return digits <= 15 && len(lead) <= 15
}

// excelTime converts a serial date to a UTC time, false outside Excel's
// range.
func excelTime(serial float64, date1904 bool) (time.Time, bool) {
	limit := float64(maxSerial)
	if date1904 {
		limit -= 1462
	}
	if serial < 1 || serial >= limit || math.IsNaN(serial) {
		return time.Time{}, false
	}
	days := math.Floor(serial)
	secs := int(math.Round((serial - days) * 86400))
	var base time.Time
	switch {
	case date1904:
		base = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	case days < 61:
		if days == 60 {
			return time.Time{}, false // the phantom 1900-02-29
		}
		base = time.Date(1899, 12, 31, 0, 0, 0, 0, time.UTC)
	default:
		base = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	}
	return base.AddDate(0, 0, int(days)).Add(time.Duration(secs) * time.Second), true
}

// date flavours of a number format.
const (
	flavorNone    byte = 0
	flavorDate    byte = 'D' // date only
	flavorTime    byte = 'T' // time of day only
	flavorStamp   byte = 'X' // date, plus the time when not midnight
	flavorAuto    byte = 'A' // locale-dependent built-in: date+time, or time below 1
	flavorElapsed byte = 'E' // [h]:mm:ss and friends: a duration, H:MM:SS
)

// maxSerial is 9999-12-31 plus one day, in the 1900 date system.
const maxSerial = 2958466

// excelDateString renders an Excel serial date as ISO 8601 per flavour.
func excelDateString(serial float64, flavor byte, date1904 bool) string {
	if flavor == flavorElapsed {
		return elapsedString(serial)
	}
	limit := float64(maxSerial)
	if date1904 {
		limit -= 1462
	}
	if serial < 0 || serial >= limit || math.IsNaN(serial) {
		return canonicalNumber(serial)
	}
	days := math.Floor(serial)
	secs := int(math.Round((serial - days) * 86400))
	if secs >= 86400 {
		days++
		secs -= 86400
	}
	clock := fmt.Sprintf("%02d:%02d:%02d", secs/3600, secs/60%60, secs%60)
	if flavor == flavorTime || (days == 0 && !date1904) {
		return clock
	}
	var date string
	switch {
	case date1904:
		date = time.Date(1904, 1, 1+int(days), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	case days == 60:
		date = "1900-02-29" // Excel's (Lotus's) phantom leap day
	case days < 60:
		date = time.Date(1899, 12, 31+int(days), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	default:
		date = time.Date(1899, 12, 30+int(days), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	}
	if flavor == flavorDate || secs == 0 {
		return date
	}
	return date + "T" + clock
}

// elapsedString renders a duration in days as H:MM:SS, hours unbounded.
func elapsedString(days float64) string {
	if math.IsNaN(days) || math.Abs(days) > 1e9 {
		return canonicalNumber(days)
	}
	secs := int64(math.Round(math.Abs(days) * 86400))
	sign := ""
	if days < 0 && secs > 0 {
		sign = "-"
	}
	return fmt.Sprintf("%s%d:%02d:%02d", sign, secs/3600, secs/60%60, secs%60)
}

// canonicalNumber renders f as Excel would in a wide General cell: at most
// 15 significant digits, plain decimal, no exponent.
func canonicalNumber(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	g, _ := strconv.ParseFloat(strconv.FormatFloat(f, 'g', 15, 64), 64)
	return strconv.FormatFloat(g, 'f', -1, 64)
}

// numFmtFlavor classifies a number format id of the workbook, given its
// custom formats.
func numFmtFlavor(custom map[int]string, id int) byte {
	if code, ok := custom[id]; ok {
		return codeFlavor(code)
	}
	switch {
	case id >= 14 && id <= 17:
		return flavorDate
	case id >= 18 && id <= 21, id == 45, id == 47:
		return flavorTime
	case id == 22:
		return flavorStamp
	case id == 46:
		return flavorElapsed
	case id >= 27 && id <= 36, id >= 50 && id <= 58, id >= 71 && id <= 81:
		return flavorAuto
	}
	return flavorNone
}

// codeFlavor classifies a number format code by the tokens of its first
// section, skipping literals ("..." \x _x *x) and bracketed parts other than
// elapsed-time ones ([h] [mm] [ss]).
func codeFlavor(code string) byte {
	var hasDate, hasTime, hasM bool
	lower := strings.ToLower(code)
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		switch c {
		case ';':
			i = len(lower) // first section only
			continue
		case '"':
			if j := strings.IndexByte(lower[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(lower)
			}
			continue
		case '\\', '_', '*':
			i++
			continue
		case '[':
			j := strings.IndexByte(lower[i+1:], ']')
			if j < 0 {
				i = len(lower)
				continue
			}
			inner := lower[i+1 : i+1+j]
			if inner != "" && strings.Trim(inner, string(inner[0])) == "" && strings.ContainsAny(inner[:1], "hms") {
				return flavorElapsed
			}
			i += j + 1
			continue
		case 'y', 'd':
			hasDate = true
		case 'e':
			// e+ / e- is scientific notation; a lone e is the era year.
			if i+1 < len(lower) && (lower[i+1] == '+' || lower[i+1] == '-') {
				i++
				continue
			}
			hasDate = true
		case 'h', 's':
			hasTime = true
		case 'm':
			hasM = true
		case 'a':
			if strings.HasPrefix(lower[i:], "am/pm") || strings.HasPrefix(lower[i:], "a/p") {
				hasTime = true
			}
		case 'g':
			if strings.HasPrefix(lower[i:], "general") {
				i += len("general") - 1
				continue
			}
		}
	}
	switch {
	case hasDate && hasTime:
		return flavorStamp
	case hasDate:
		return flavorDate
	case hasTime:
		return flavorTime
	case hasM:
		return flavorDate // "mmm", "mmmm yyyy" without y handled above: months
	}
	return flavorNone
}
