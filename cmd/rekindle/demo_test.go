package main

import (
	"regexp"
	"strings"
	"testing"
)

// The demo runs the real sync, model and pick against generated mail: its
// output names the people the generator made cold or cooling, and never a
// newsletter, robot or list.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, "demo", "--messages", "1500", "--dir", dir)
	if code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"Sync (headers only):", "Relationships:", "Worth reconnecting with today:", "1. ", "last exchange", "Follow-ups:", dir} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if m := regexp.MustCompile(`(?i)noreply|newsletter|golang-nuts|jane@example`).FindString(out[strings.Index(out, "Worth"):]); m != "" {
		t.Errorf("demo suggests %q:\n%s", m, out)
	}
	// The store it leaves behind works with the other commands.
	code, out, _ = run(t, "--config", dir+"/config.yaml", "status")
	if code != 0 || !strings.Contains(out, "unique messages") {
		t.Errorf("status on the demo store (exit %d):\n%s", code, out)
	}
}
