package main

import (
	"testing"
	"time"
)

func TestParseAsOf(t *testing.T) {
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	endOfDay := time.Date(2026, 3, 1, 23, 59, 59, 0, time.Local)
	tests := []struct {
		in   string
		want time.Time
		err  bool
	}{
		{"", now, false},
		{"2026-03-01", endOfDay, false},
		{"2026-03-01T07:00:00+01:00", time.Date(2026, 3, 1, 6, 0, 0, 0, time.UTC), false},
		{"March 1st", time.Time{}, true},
	}
	for _, tt := range tests {
		got, err := parseAsOf(tt.in, now)
		if (err != nil) != tt.err || !got.Equal(tt.want) {
			t.Errorf("parseAsOf(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseCadenceAndUntil(t *testing.T) {
	for in, want := range map[string]float64{"30": 30, "30d": 30, "6w": 42, "1.5": 1.5, "36h": 1.5} {
		if got, err := parseCadence(in); err != nil || got != want {
			t.Errorf("parseCadence(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0", "-3", "2h", "soon"} {
		if _, err := parseCadence(bad); err == nil {
			t.Errorf("parseCadence(%q) accepted", bad)
		}
	}
	now := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	if got, _ := parseUntil("2w", now); !got.Equal(now.AddDate(0, 0, 14)) {
		t.Errorf("parseUntil(2w) = %v", got)
	}
	if got, _ := parseUntil("2027-01-02", now); got.Format("2006-01-02") != "2027-01-02" {
		t.Errorf("parseUntil(date) = %v", got)
	}
	if _, err := parseUntil("later", now); err == nil {
		t.Error("parseUntil(later) accepted")
	}
}
