package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// Durations in logs read as people write them ("1.234s"), in JSON too,
// where slog would print nanoseconds; in groups and With attributes as
// well. Under the journal the time is still left out.
func TestLogDurations(t *testing.T) {
	for _, journal := range []bool{false, true} {
		var buf bytes.Buffer
		log, err := newLogger(&buf, "json", false, journal)
		if err != nil {
			t.Fatal(err)
		}
		log.With("interval", 15*time.Minute).Info("synced",
			"took", 1234567891*time.Nanosecond,
			slog.Group("fetch", slog.Duration("wait", 2500*time.Microsecond)),
			"count", 3)
		var got map[string]any
		if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
			t.Fatalf("%v: %s", err, buf.String())
		}
		want := map[string]any{"interval": "15m0s", "took": "1.235s", "count": float64(3)}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("journal %v: %s = %#v, want %#v (%s)", journal, k, got[k], v, buf.String())
			}
		}
		if g, _ := got["fetch"].(map[string]any); g == nil || g["wait"] != "2.5ms" {
			t.Errorf("journal %v: fetch.wait = %#v, want \"2.5ms\" (%s)", journal, got["fetch"], buf.String())
		}
		if _, ok := got["time"]; ok == journal {
			t.Errorf("journal %v: time present %v (%s)", journal, ok, buf.String())
		}
	}

	var buf bytes.Buffer
	log, err := newLogger(&buf, "text", false, false)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("synced", "took", 1234567891*time.Nanosecond)
	if !strings.Contains(buf.String(), "took=1.235s") {
		t.Errorf("text log: %s", buf.String())
	}
}
