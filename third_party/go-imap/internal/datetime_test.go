package internal

import (
	"testing"
	"time"
	_ "time/tzdata"
)

// sameAsParse checks parseDateTime(s) against time.Parse(DateTimeLayout,
// s): the same error or none, the same instant, and the same zone (name
// and offset), whatever the local zone.
func sameAsParse(t *testing.T, s string) {
	t.Helper()
	want, wantErr := time.Parse(DateTimeLayout, s)
	got, err := parseDateTime(s)
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("parseDateTime(%q): error %v, time.Parse's %v", s, err, wantErr)
	}
	if err != nil {
		return
	}
	gotName, gotOff := got.Zone()
	wantName, wantOff := want.Zone()
	if !got.Equal(want) || gotName != wantName || gotOff != wantOff || got.Location().String() != want.Location().String() {
		t.Fatalf("parseDateTime(%q) = %v (%s %q %d), time.Parse = %v (%s %q %d)", s,
			got, got.Location(), gotName, gotOff, want, want.Location(), wantName, wantOff)
	}
}

var dateTimeSamples = []string{
	"17-Jul-1996 02:44:25 -0700",
	" 7-Jul-1996 02:44:25 -0700",
	"07-Jul-1996 02:44:25 -0700",
	"7-Jul-1996 02:44:25 -0700",
	"02-Dec-2026 07:14:40 +0000",
	"02-Dec-2026 07:14:40 -0000",
	"29-Feb-2024 23:59:59 +0100",
	"29-Feb-2023 23:59:59 +0100",
	"31-Apr-2024 12:00:00 +0200",
	"00-Jan-2024 12:00:00 +0200",
	"31-Mar-2024 02:30:00 +0100", // Berlin's spring gap
	"27-Oct-2024 02:30:00 +0200", // and its autumn repeat
	"27-Oct-2024 02:30:00 +0100",
	"15-jul-2024 12:00:00 +0200",
	"15-JUL-2024 12:00:00 +0200",
	"15-Jux-2024 12:00:00 +0200",
	"15-Jul-2024 24:00:00 +0200",
	"15-Jul-2024 12:60:00 +0200",
	"15-Jul-2024 12:00:60 +0200",
	"15-Jul-2024 12:00:00 +2400",
	"15-Jul-2024 12:00:00 +0060",
	"15-Jul-2024 12:00:00 +1459",
	"15-Jul-2024 12:00:00 -1200",
	"15-Jul-2024 12:00:00 +0530",
	"15-Jul-2024 12:00:00 *0530",
	"15-Jul-2024 12:00:00  0530",
	"15-Jul-0000 12:00:00 +0000",
	"15-Jul-9999 12:00:00 +0000",
	"15-Jul-20x4 12:00:00 +0000",
	"1x-Jul-2024 12:00:00 +0000",
	"x5-Jul-2024 12:00:00 +0000",
	"15-Jul-2024 12:00:00 +0000x",
	"15-Jul-2024T12:00:00 +0000",
	"",
}

func TestParseDateTime(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	for _, zone := range []string{"UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		time.Local = loc
		for _, s := range dateTimeSamples {
			sameAsParse(t, s)
		}
	}
	// The fast path takes the common forms (else the test above proves
	// little about it).
	for _, s := range []string{"17-Jul-1996 02:44:25 -0700", " 7-Jul-1996 02:44:25 -0700", "07-Jul-1996 02:44:25 +0000"} {
		if _, ok := fastDateTime(s); !ok {
			t.Errorf("fastDateTime(%q) left it to time.Parse", s)
		}
	}
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range dateTimeSamples {
		f.Add(s)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	time.Local = berlin
	f.Fuzz(func(t *testing.T, s string) {
		sameAsParse(t, s)
	})
}

func BenchmarkParseDateTime(b *testing.B) {
	const s = "17-Jul-1996 02:44:25 -0700"
	b.Run("time.Parse", func(b *testing.B) {
		for b.Loop() {
			time.Parse(DateTimeLayout, s)
		}
	})
	b.Run("parseDateTime", func(b *testing.B) {
		for b.Loop() {
			parseDateTime(s)
		}
	})
}

func TestDaysIn(t *testing.T) {
	for year := 1896; year <= 2104; year++ {
		for m := time.January; m <= time.December; m++ {
			if got, want := daysIn(m, year), time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day(); got != want {
				t.Fatalf("daysIn(%s, %d) = %d, want %d", m, year, got, want)
			}
		}
	}
}
