package digest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

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

// measureScript, added at the end of the page's body, writes the box of
// every link, as laid out, into the parent page's <pre id="rk-measure">
// for --dump-dom.
const measureScript = `<script>
(function () {
  var out = {width: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, links: []};
  var as = document.querySelectorAll("a[href]");
  for (var i = 0; i < as.length; i++) {
    var r = as[i].getBoundingClientRect();
    out.links.push({href: as[i].getAttribute("href"), text: as[i].textContent,
      x: r.left + window.scrollX, y: r.top + window.scrollY, w: r.width, h: r.height});
  }
  parent.document.getElementById("rk-measure").textContent = JSON.stringify(out);
})();
</script>
`

// layout is what measureScript reports.
type layout struct {
	Width       float64 `json:"width"`
	ScrollWidth float64 `json:"scrollWidth"`
	Links       []box   `json:"links"`
}

type box struct {
	Href       string `json:"href"`
	Text       string `json:"text"`
	X, Y, W, H float64
}

func (b box) String() string {
	return fmt.Sprintf("%q at (%.0f,%.0f) %.1f×%.1f", strings.TrimSpace(b.Text), b.X, b.Y, b.W, b.H)
}

// measure lays the page out width CSS pixels wide and returns every
// link's box, failing on any network request or error. The page is laid
// out in an iframe of that width: headless Chromium's window is at least
// 500 px wide until it takes a screenshot, so --window-size cannot make a
// phone's width for --dump-dom.
func measure(t *testing.T, bin, page string, width int) layout {
	t.Helper()
	withScript := strings.Replace(page, "</body>", measureScript+"</body>", 1)
	wrapper := fmt.Sprintf(`<!DOCTYPE html><html><head><meta charset="utf-8"></head><body style="margin:0">`+
		`<iframe style="border:0;width:%dpx;height:30000px" srcdoc="%s"></iframe><pre id="rk-measure"></pre></body></html>`,
		width, html.EscapeString(withScript))
	res, err := chromium.Run(context.Background(), bin, time.Minute, writeHTML(t, wrapper),
		"--dump-dom", "--window-size=1400,1000")
	if err != nil {
		t.Fatal(err)
	}
	checkLog(t, res)
	m := regexp.MustCompile(`(?s)<pre id="rk-measure">(.*?)</pre>`).FindStringSubmatch(res.Stdout)
	if m == nil {
		t.Fatalf("the measuring script reported nothing:\n%.2000s", res.Stdout)
	}
	var l layout
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &l); err != nil {
		t.Fatal(err)
	}
	if int(l.Width) != width {
		t.Fatalf("laid out %v px wide, want %d", l.Width, width)
	}
	return l
}

// TestChromiumActionTargets lays the digest out at a phone's width and a
// desktop's: every action link is there once, at least 44 px high and
// wide (a finger's tap target), no two links overlap, nothing overflows
// sideways, and the page makes no network request.
func TestChromiumActionTargets(t *testing.T) {
	bin := chromiumBin(t)
	t.Parallel()
	d, r := render(t, defaults(t), fixtureJobSearch)
	want := actionURLs(d)
	if len(want) < 10 {
		t.Fatalf("the fixture offers %d actions; want a pick's and a follow-up's, and the pause", len(want))
	}
	const minTap = 44
	for _, width := range []int{390, 1280} {
		t.Run(fmt.Sprint(width), func(t *testing.T) {
			t.Parallel()
			l := measure(t, bin, r.HTML, width)
			if l.ScrollWidth > l.Width {
				t.Errorf("the page is %v px wide in a %v px window: it scrolls sideways", l.ScrollWidth, l.Width)
			}
			byHref := map[string][]box{}
			for _, b := range l.Links {
				byHref[b.Href] = append(byHref[b.Href], b)
			}
			minW, minH, maxW, maxH := 1e9, 1e9, 0.0, 0.0
			for _, u := range want {
				bs := byHref[u]
				if len(bs) != 1 {
					t.Errorf("%d links to the action %.90s…, want 1", len(bs), u)
					continue
				}
				b := bs[0]
				if b.W < minTap || b.H < minTap {
					t.Errorf("action %v: smaller than %d×%d px", b, minTap, minTap)
				}
				minW, minH, maxW, maxH = min(minW, b.W), min(minH, b.H), max(maxW, b.W), max(maxH, b.H)
			}
			for _, b := range l.Links {
				if b.H < minTap {
					t.Errorf("link %v: less than %d px high", b, minTap)
				}
			}
			for i, a := range l.Links {
				for _, b := range l.Links[i+1:] {
					if w, h := min(a.X+a.W, b.X+b.W)-max(a.X, b.X), min(a.Y+a.H, b.Y+b.H)-max(a.Y, b.Y); w > 0.5 && h > 0.5 {
						t.Errorf("links overlap by %.1f×%.1f px: %v and %v", w, h, a, b)
					}
				}
			}
			t.Logf("%d px wide: %d links, %d of them actions, %.1f to %.1f px wide and %.1f to %.1f px high", width, len(l.Links), len(want), minW, maxW, minH, maxH)
		})
	}
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
