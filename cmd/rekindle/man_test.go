package main

import (
	"bytes"
	"flag"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestManPage: the manual page has every command, with its synopsis and
// each of its flags, and the global options; the hidden commands stay out.
func TestManPage(t *testing.T) {
	code, page, errOut := run(t, "man")
	if code != 0 || errOut != "" {
		t.Fatalf("man: exit %d, stderr %q", code, errOut)
	}
	for _, want := range []string{".TH REKINDLE 1 ", ".SH NAME\nrekindle \\- ", ".SH SYNOPSIS", ".SH DESCRIPTION",
		".SH OPTIONS", ".SH COMMANDS", ".SH EXIT STATUS", ".SH FILES", ".SH ENVIRONMENT", ".SH SEE ALSO"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, c := range commands() {
		heading := ".SS " + roffArg(c.name) + "\n"
		if c.hidden {
			if strings.Contains(page, heading) {
				t.Errorf("the hidden command %s is in the page", c.name)
			}
			continue
		}
		if !strings.Contains(page, heading+`\fBrekindle\fR \fB`+c.name+`\fR`) {
			t.Errorf("the page lacks the command %s with its synopsis", c.name)
		}
		if !strings.Contains(page, roffText(sentence(c.summary))) {
			t.Errorf("the page lacks the summary of %s", c.name)
		}
		section := page[strings.Index(page, heading):]
		if next := strings.Index(section[len(heading):], "\n.S"); next >= 0 {
			section = section[:len(heading)+next]
		}
		flagsOf(c).VisitAll(func(f *flag.Flag) {
			if !strings.Contains(section, ".TP\n"+roffSynopsis("--"+f.Name)) {
				t.Errorf("the page lacks %s --%s", c.name, f.Name)
			}
		})
	}
	for _, g := range globalFlags {
		if !strings.Contains(page, ".TP\n"+roffSynopsis(g.flag)+"\n") {
			t.Errorf("the page lacks the global option %s", g.flag)
		}
	}
	if _, out, _ := run(t, "help"); strings.Contains(out, "  man ") {
		t.Errorf("the usage lists the hidden command man:\n%s", out)
	}
}

// TestManPageRenders runs the page through groff with every warning on:
// any warning fails. CI installs groff; elsewhere its absence skips.
func TestManPageRenders(t *testing.T) {
	groff, err := exec.LookPath("groff")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no groff, and CI=true: .ci/run installs groff-base")
		}
		t.Skip("no groff (apt-get install groff-base); skipping the rendering check")
	}
	_, page, _ := run(t, "man")
	cmd := exec.Command(groff, "-man", "-ww", "-z")
	cmd.Stdin = strings.NewReader(page)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil || stderr.Len() > 0 {
		t.Errorf("groff -man -ww -z: %v\n%s", err, stderr.String())
	}
}

func TestRoff(t *testing.T) {
	for in, want := range map[string]string{
		`a\b`:              `a\eb`,
		"--send":           `\-\-send`,
		".starts a line":   `\&.starts a line`,
		"x\n'quoted":       "x\n\\&'quoted",
		"2026-12-01 is ok": `2026\-12\-01 is ok`,
	} {
		if got := roffText(in); got != want {
			t.Errorf("roffText(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"rekindle [--config PATH] COMMAND": `\fBrekindle\fR [\fB\-\-config\fR \fIPATH\fR] \fICOMMAND\fR`,
		"-v, --verbose":                    `\fB\-v\fR, \fB\-\-verbose\fR`,
		"WHO|PATTERN TAG...":               `\fIWHO\fR|\fIPATTERN\fR \fITAG\fR...`,
		"DAYS|off":                         `\fIDAYS\fR|off`,
	} {
		if got := roffSynopsis(in); got != want {
			t.Errorf("roffSynopsis(%q) = %q, want %q", in, got, want)
		}
	}
}
