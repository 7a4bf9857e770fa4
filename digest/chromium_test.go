package digest_test

import (
	"context"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/digest/internal/chromium"
)

// chromiumBin returns the Chromium to test with. Without one the test is
// skipped, except in CI (CI=true), where .ci/run installs Debian's
// chromium and its absence is a failure.
func chromiumBin(t *testing.T) string {
	t.Helper()
	bin := chromium.Find()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("no Chromium found, and CI=true: .ci/run installs Debian's chromium; set $CHROMIUM to use another")
		}
		t.Skip("no Chromium found (apt-get install chromium, or set $CHROMIUM); skipping the browser check")
	}
	return bin
}

// writeHTML writes html to a temporary file and returns its file: URL.
func writeHTML(t *testing.T, html string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "digest.html")
	if err := os.WriteFile(p, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	return "file://" + p
}

// checkLog fails when the page requested anything over the network (an
// external image, font or stylesheet) or Chromium logged a network error or
// a console message.
func checkLog(t *testing.T, r chromium.Result) {
	t.Helper()
	if len(r.Requests) > 0 {
		t.Errorf("the page requested %v; a digest must be self-contained", r.Requests)
	}
	for _, bad := range []string{"ERR_", "CONSOLE", "Uncaught", "Refused to"} {
		if strings.Contains(r.Stdout, bad) || strings.Contains(r.Stderr, bad) {
			t.Errorf("Chromium logged %q:\n%s", bad, r.Stderr)
		}
	}
}

// TestChromiumLoadsDigest opens the rendered HTML digest in headless
// Chromium: it must load without errors and show every person.
func TestChromiumLoadsDigest(t *testing.T) {
	bin := chromiumBin(t)
	t.Parallel()
	d, r := render(t, defaults(t), fixtureJobSearch)
	res, err := chromium.DumpDOM(context.Background(), bin, writeHTML(t, r.HTML))
	if err != nil {
		t.Fatal(err)
	}
	checkLog(t, res)
	dom := res.Stdout
	if !strings.Contains(dom, "Good morning, Jane") {
		t.Errorf("DOM lacks the greeting:\n%.2000s", dom)
	}
	for _, list := range [][]string{names(d.People), names(d.AwaitingReply), names(d.OwesReply)} {
		for _, n := range list {
			if !strings.Contains(dom, n) {
				t.Errorf("DOM lacks %q", n)
			}
		}
	}
	if n, want := strings.Count(dom, `href="mailto:`), len(d.People)+len(d.AwaitingReply)+len(d.OwesReply)+len(actionURLs(d)); n != want {
		t.Errorf("%d mailto links in the DOM, want %d (a draft button and the actions for each person, and the pause)", n, want)
	}
	if !strings.Contains(dom, "Since your last digest: Anna Kowalski snoozed until 1 April; 1 follow-up dismissed.") {
		t.Error("DOM lacks what earlier taps did")
	}
}

// actionURLs lists the URLs of every action d offers, the pause last.
func actionURLs(d *digest.Digest) []string {
	var out []string
	for _, list := range [][]digest.Person{d.People, d.AwaitingReply, d.OwesReply} {
		for _, p := range list {
			for _, a := range p.Actions {
				out = append(out, a.URL)
			}
		}
	}
	if d.Pause != nil {
		out = append(out, d.Pause.URL)
	}
	return out
}

// TestChromiumHostile opens the digest of hostile names and subjects: the
// browser must build no element from them.
func TestChromiumHostile(t *testing.T) {
	bin := chromiumBin(t)
	t.Parallel()
	_, r := hostile(t)
	res, err := chromium.DumpDOM(context.Background(), bin, writeHTML(t, r.HTML))
	if err != nil {
		t.Fatal(err)
	}
	checkLog(t, res)
	low := strings.ToLower(res.Stdout)
	for _, bad := range []string{"<script", "<img", "<b>"} {
		if strings.Contains(low, bad) {
			t.Errorf("the browser built %q from untrusted input", bad)
		}
	}
	if m := regexp.MustCompile(`<[^>]*\son\w+=`).FindString(low); m != "" {
		t.Errorf("the browser built an event handler from untrusted input: %s", m)
	}
	if !strings.Contains(res.Stdout, "Eve &lt;script&gt;") {
		t.Error("Eve's name is not shown as text")
	}
}

// TestChromiumDarkMode photographs the top of the digest with the page
// told the user prefers light, then dark: the background must follow.
func TestChromiumDarkMode(t *testing.T) {
	bin := chromiumBin(t)
	t.Parallel()
	_, r := render(t, defaults(t), fixtureJobSearch)
	url := writeHTML(t, r.HTML)
	for _, dark := range []bool{false, true} {
		out := filepath.Join(t.TempDir(), "shot.png")
		if err := chromium.Screenshot(context.Background(), bin, url, out, chromium.Shot{Width: 390, Height: 300, Dark: dark}); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		rr, g, b, _ := img.At(2, 2).RGBA()
		lum := (rr>>8*299 + g>>8*587 + b>>8*114) / 1000
		if dark && lum > 60 || !dark && lum < 200 {
			t.Errorf("dark=%v: background luminance %d", dark, lum)
		}
	}
}

func names(ps []digest.Person) []string {
	var out []string
	for _, p := range ps {
		n := p.Name
		if n == "" {
			n = p.Email
		}
		out = append(out, strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(n))
	}
	return out
}
