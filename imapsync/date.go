package imapsync

import (
	"sync"
	"time"
)

// rfc5322Date reads the Date most mail carries, "Tue, 3 Mar 2026
// 10:00:00 +0100" (the day name and a trailing "(CET)" optional), without
// the two dozen layouts net/mail.ParseDate tries in turn. ok is false for
// anything else, which parseDate then reads the general way: when ok, the
// time is the one parseDate would give, to the instant and the offset
// (FuzzDate compares them).
func rfc5322Date(v string) (t time.Time, ok bool) {
	s := v
	if len(s) >= 5 && s[3] == ',' && s[4] == ' ' {
		if !isDayName(s[:3]) {
			return t, false
		}
		s = s[5:]
	}
	// day: one or two digits
	day, s, ok := digits(s, 1, 2)
	if !ok || len(s) < 5 || s[0] != ' ' || s[4] != ' ' {
		return t, false
	}
	month := monthOf(s[1:4])
	if month == 0 {
		return t, false
	}
	s = s[5:]
	// "2006 15:04:05 -0700": 19 bytes
	if len(s) < 19 || s[4] != ' ' || s[7] != ':' || s[10] != ':' || s[13] != ' ' || (s[14] != '+' && s[14] != '-') {
		return t, false
	}
	year, _, ok1 := digits(s[0:4], 4, 4)
	hour, _, ok2 := digits(s[5:7], 2, 2)
	minute, _, ok3 := digits(s[8:10], 2, 2)
	sec, _, ok4 := digits(s[11:13], 2, 2)
	zh, _, ok5 := digits(s[15:17], 2, 2)
	zm, _, ok6 := digits(s[17:19], 2, 2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return t, false
	}
	if rest := s[19:]; rest != "" && !isComment(rest) {
		return t, false
	}
	if day < 1 || day > daysIn(time.Month(month), year) || hour > 23 || minute > 59 || sec > 59 || zh > 23 || zm > 59 {
		return t, false
	}
	offset := zh*3600 + zm*60
	if s[14] == '-' {
		offset = -offset
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, 0, fixedZone(offset)), true
}

// digits reads between min and max decimal digits at the start of s.
func digits(s string, min, max int) (n int, rest string, ok bool) {
	i := 0
	for i < len(s) && i < max && '0' <= s[i] && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	return n, s[i:], i >= min
}

// isComment reports whether s is " (text)" with no other parentheses or
// backslashes in text.
func isComment(s string) bool {
	if len(s) < 3 || s[0] != ' ' || s[1] != '(' || s[len(s)-1] != ')' {
		return false
	}
	for i := 2; i < len(s)-1; i++ {
		if c := s[i]; c == '(' || c == ')' || c == '\\' || c < ' ' || c == 0x7f {
			return false
		}
	}
	return true
}

func isDayName(s string) bool {
	switch s {
	case "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun":
		return true
	}
	return false
}

// monthOf is the number of a month's English abbreviation, as written
// ("Mar"); 0 for anything else.
func monthOf(s string) int {
	switch s {
	case "Jan":
		return 1
	case "Feb":
		return 2
	case "Mar":
		return 3
	case "Apr":
		return 4
	case "May":
		return 5
	case "Jun":
		return 6
	case "Jul":
		return 7
	case "Aug":
		return 8
	case "Sep":
		return 9
	case "Oct":
		return 10
	case "Nov":
		return 11
	case "Dec":
		return 12
	}
	return 0
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// zones holds one *time.Location per offset in seconds: a time.FixedZone
// allocates, and mail comes from a few dozen offsets.
var zones sync.Map

func fixedZone(offset int) *time.Location {
	if z, ok := zones.Load(offset); ok {
		return z.(*time.Location)
	}
	z, _ := zones.LoadOrStore(offset, time.FixedZone("", offset))
	return z.(*time.Location)
}
