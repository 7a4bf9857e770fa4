package main

import (
	"strconv"
	"strings"
	"time"

	"github.com/rekindle/rekindle/config"
)

// parseAsOf reads --as-of: a date (YYYY-MM-DD, meaning the end of that day
// in local time, so mail of that day counts) or a full RFC 3339 time. An
// empty value is now.
func parseAsOf(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return now, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return d.AddDate(0, 0, 1).Add(-time.Second), nil
	}
	return time.Time{}, usagef("--as-of %q: want a date (2026-03-01) or an RFC 3339 time (2026-03-01T07:00:00+01:00)", s)
}

// parseUntil reads a date (YYYY-MM-DD) or a duration from now (30d, 2w).
func parseUntil(s string, now time.Time) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if strings.HasSuffix(s, "w") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "w")); err == nil && n > 0 {
			return now.AddDate(0, 0, 7*n), nil
		}
	}
	if d, err := config.ParseDuration(s); err == nil && d > 0 {
		return now.Add(d), nil
	}
	return time.Time{}, usagef("%q: want a date (2026-12-01) or a time from now (30d, 6w)", s)
}

// parseCadence reads a cadence: days as a number, or a duration (30d, 6w).
func parseCadence(s string) (float64, error) {
	if n, err := strconv.ParseFloat(s, 64); err == nil && n > 0 {
		return n, nil
	}
	if strings.HasSuffix(s, "w") {
		if n, err := strconv.Atoi(strings.TrimSuffix(s, "w")); err == nil && n > 0 {
			return float64(7 * n), nil
		}
	}
	if d, err := config.ParseDuration(s); err == nil && d >= 24*time.Hour {
		return d.Hours() / 24, nil
	}
	return 0, usagef("cadence %q: want days (30), or a duration of at least a day (30d, 6w), or \"off\"", s)
}
