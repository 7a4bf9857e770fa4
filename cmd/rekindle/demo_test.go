package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The demo runs the real sync, model, digest and mailer against generated
// mail and in-process servers: the digest it prints names people with
// reasons and drafts, and never a newsletter, robot or list.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, "demo", "--messages", "1500", "--dir", dir)
	if code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"Synced (headers only):", "Sent the digest for", "drafts saved to demo/Drafts",
		"The digest that arrived:", "Subject: ", "1. ", "Why:", "last exchange", "Draft (", "digest.html", dir} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	// The action links are mailto: Jane herself, by design; nobody else
	// who is no person may appear.
	arrived := regexp.MustCompile(`<mailto:[^>]*>`).ReplaceAllString(out[strings.Index(out, "arrived"):], "<mailto>")
	if m := regexp.MustCompile(`(?i)noreply|newsletter|golang-nuts|jane@example`).FindString(arrived); m != "" {
		t.Errorf("demo suggests %q:\n%s", m, out)
	}
	// Jane is job hunting: Marcus, her strongest tie, works at a target
	// company and is asked to be a referral.
	for _, want := range []string{"job hunting", "Marcus Chen <marcus.chen@acme-corp.com>", "target company",
		"Draft (referral request)", "You're at Acme Corp", "a staff engineer position"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	if cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml")); err != nil || !strings.Contains(string(cfg), "target_companies") {
		t.Errorf("the demo's config has no job search: %v\n%s", err, cfg)
	}
	// The store it leaves behind works with the other commands.
	code, out, _ = run(t, "--config", dir+"/config.yaml", "status")
	if code != 0 || !strings.Contains(out, "unique messages") {
		t.Errorf("status on the demo store (exit %d):\n%s", code, out)
	}
}

// --no-job-search: the plain digest, with no referral request and no
// target company, for someone who is not looking.
func TestDemoNoJobSearch(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := run(t, "demo", "--messages", "1500", "--dir", dir, "--no-job-search")
	if code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{"Sent the digest for", "The digest that arrived:", "Why:", "Draft ("} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	for _, bad := range []string{"job hunting", "referral", "target compan", "job search"} {
		if strings.Contains(out, bad) {
			t.Errorf("demo --no-job-search output holds %q:\n%s", bad, out)
		}
	}
	if cfg, err := os.ReadFile(filepath.Join(dir, "config.yaml")); err != nil || strings.Contains(string(cfg), "looking_for") {
		t.Errorf("the demo's config: %v\n%s", err, cfg)
	}
}

func TestDemoWritesHTML(t *testing.T) {
	dir := t.TempDir()
	if code, out, errOut := run(t, "demo", "--messages", "1200", "--dir", dir); code != 0 {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errOut)
	}
	b, err := os.ReadFile(filepath.Join(dir, "digest.html"))
	if err != nil || !strings.Contains(string(b), "mailto:") {
		t.Errorf("digest.html: %v (%d bytes)", err, len(b))
	}
}
