package internal

import "time"

// parseDateTime is time.Parse(DateTimeLayout, s), with a fast path for
// the form servers send, "dd-Mon-yyyy hh:mm:ss +zzzz" (the day padded
// with a space or a zero): time.Parse walks the layout for every message
// of a FETCH with INTERNALDATE. Anything else, and any value out of
// range, goes to time.Parse, which gives the same result or the error.
func parseDateTime(s string) (time.Time, error) {
	if t, ok := fastDateTime(s); ok {
		return t, nil
	}
	return time.Parse(DateTimeLayout, s)
}

const shortMonths = "JanFebMarAprMayJunJulAugSepOctNovDec"

func fastDateTime(s string) (time.Time, bool) {
	if len(s) != 26 || s[2] != '-' || s[6] != '-' || s[11] != ' ' || s[14] != ':' || s[17] != ':' || s[20] != ' ' {
		return time.Time{}, false
	}
	var day int
	switch d1, ok := digit(s[1]); {
	case !ok:
		return time.Time{}, false
	case s[0] == ' ':
		day = d1
	default:
		d0, ok := digit(s[0])
		if !ok {
			return time.Time{}, false
		}
		day = d0*10 + d1
	}
	month := 0
	for i := 0; i < len(shortMonths); i += 3 {
		if s[3] == shortMonths[i] && s[4] == shortMonths[i+1] && s[5] == shortMonths[i+2] {
			month = i/3 + 1
			break
		}
	}
	y1, ok1 := num2(s, 7)
	y2, ok2 := num2(s, 9)
	hour, ok3 := num2(s, 12)
	min, ok4 := num2(s, 15)
	sec, ok5 := num2(s, 18)
	zh, ok6 := num2(s, 22)
	zm, ok7 := num2(s, 24)
	if month == 0 || !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) ||
		hour > 23 || min > 59 || sec > 59 || zh > 23 || zm > 59 || (s[21] != '+' && s[21] != '-') {
		return time.Time{}, false
	}
	year := y1*100 + y2
	if day < 1 || day > daysIn(time.Month(month), year) {
		return time.Time{}, false
	}
	offset := (zh*60 + zm) * 60
	if s[21] == '-' {
		offset = -offset
	}
	// As time.Parse: the local zone when it had that offset then, else
	// a fixed zone without a name.
	t := time.Date(year, time.Month(month), day, hour, min, sec, 0, time.UTC).Add(-time.Duration(offset) * time.Second)
	if local := t.In(time.Local); zoneOffset(local) == offset {
		return local, true
	}
	return t.In(time.FixedZone("", offset)), true
}

func zoneOffset(t time.Time) int {
	_, offset := t.Zone()
	return offset
}

func digit(c byte) (int, bool) {
	return int(c - '0'), c >= '0' && c <= '9'
}

func num2(s string, i int) (int, bool) {
	a, ok1 := digit(s[i])
	b, ok2 := digit(s[i+1])
	return a*10 + b, ok1 && ok2
}

// daysIn is the number of days of month m of year (proleptic Gregorian,
// as package time).
func daysIn(m time.Month, year int) int {
	if m == time.February {
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	}
	return 30 + int((0xad5>>(m-1))&1) // bit m-1 set: a month of 31 days
}
