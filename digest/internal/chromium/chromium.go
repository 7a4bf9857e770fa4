// Package chromium runs headless Chromium on a local HTML file: to check
// that the digest loads cleanly, and to take screenshots of it.
package chromium

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Find returns the Chromium binary to use: $CHROMIUM when set, else the
// first of chromium, chromium-browser, google-chrome and google-chrome-stable
// on PATH; "" when there is none.
func Find() string {
	if c := os.Getenv("CHROMIUM"); c != "" {
		return c
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// baseArgs keep Chromium offline and self-contained: no sandbox (tests
// run as root in containers), no GPU, and nothing fetched in the
// background, so a network request in the log can only be the page's.
var baseArgs = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--disable-default-apps", "--disable-extensions", "--mute-audio", "--hide-scrollbars",
	"--enable-logging=stderr", "--v=0",
	// No name resolves: whatever is requested, nothing leaves the machine.
	"--host-resolver-rules=MAP * ~NOTFOUND",
}

// ownHosts are where Chromium itself phones home (updates, time, account
// checks) whatever the flags say; requests to them are not the page's.
var ownHosts = regexp.MustCompile(`^https?://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gstatic\.com|gvt1\.com|googleusercontent\.com)(:\d+)?/`)

// netURL finds the URLs in a net log.
var netURL = regexp.MustCompile(`"url":"([^"]*)"`)

// Result is what one Chromium run printed, and the network requests it
// made for the page.
type Result struct {
	Stdout, Stderr string
	// Requests are the URLs Chromium's net log shows requested, sorted,
	// other than file: URLs and Chromium's own traffic (ownHosts): for a
	// self-contained page, none.
	Requests []string
}

// Run runs bin with baseArgs, a fresh profile directory, args and url,
// and waits at most timeout.
func Run(ctx context.Context, bin string, timeout time.Duration, url string, args ...string) (Result, error) {
	profile, err := os.MkdirTemp("", "rekindle-chromium-")
	if err != nil {
		return Result{}, err
	}
	defer os.RemoveAll(profile)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	netlog := filepath.Join(profile, "netlog.json")
	all := append(append(append([]string{}, baseArgs...), "--user-data-dir="+profile, "--log-net-log="+netlog), args...)
	cmd := exec.CommandContext(ctx, bin, append(all, url)...)
	// Output goes to files rather than pipes: Chromium's helper processes
	// outlive it for a moment holding its stdout and stderr, and Wait
	// would wait for them to close a pipe.
	stdout, err := os.Create(filepath.Join(profile, "stdout"))
	if err != nil {
		return Result{}, err
	}
	defer stdout.Close()
	stderr, err := os.Create(filepath.Join(profile, "stderr"))
	if err != nil {
		return Result{}, err
	}
	defer stderr.Close()
	cmd.Stdout, cmd.Stderr = stdout, stderr
	err = cmd.Run()
	outb, _ := os.ReadFile(stdout.Name())
	errb, _ := os.ReadFile(stderr.Name())
	r := Result{Stdout: string(outb), Stderr: string(errb)}
	if log, rerr := os.ReadFile(netlog); rerr == nil {
		seen := map[string]bool{}
		for _, m := range netURL.FindAllStringSubmatch(string(log), -1) {
			u := m[1]
			if !seen[u] && !strings.HasPrefix(u, "file:") && !ownHosts.MatchString(u) {
				seen[u] = true
				r.Requests = append(r.Requests, u)
			}
		}
		slices.Sort(r.Requests)
	}
	if err != nil {
		return r, fmt.Errorf("run %s: %w\n%s", bin, err, r.Stderr)
	}
	return r, nil
}

// DumpDOM loads url and returns the DOM Chromium built from it.
func DumpDOM(ctx context.Context, bin, url string) (Result, error) {
	return Run(ctx, bin, time.Minute, url, "--dump-dom")
}

// Shot describes a screenshot: the viewport width in CSS pixels, the
// device scale factor, and whether the page sees prefers-color-scheme:
// dark.
type Shot struct {
	Width int
	// Height is the window's height; 0 means 10000, enough for any
	// digest. The PNG is cropped to the content either way.
	Height int
	Scale  float64
	Dark   bool
}

// Screenshot writes a PNG of url to out, as tall as the page: the window
// is tall, and the background below the content is cropped away.
func Screenshot(ctx context.Context, bin, url, out string, s Shot) error {
	if s.Scale <= 0 {
		s.Scale = 1
	}
	if s.Height <= 0 {
		s.Height = 10000
	}
	args := []string{
		"--window-size=" + strconv.Itoa(s.Width) + "," + strconv.Itoa(s.Height),
		"--force-device-scale-factor=" + strconv.FormatFloat(s.Scale, 'f', -1, 64),
		"--screenshot=" + out,
	}
	if s.Dark {
		args = append(args, "--force-dark-mode")
	}
	if _, err := Run(ctx, bin, time.Minute, url, args...); err != nil {
		return err
	}
	return cropFile(out, int(24*s.Scale))
}

// cropFile cuts the rows at the bottom of a PNG that are all the colour of
// its bottom-left pixel, keeping margin of them.
func cropFile(p string, margin int) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("read screenshot: %w", err)
	}
	b := img.Bounds()
	bg := img.At(b.Min.X, b.Max.Y-1)
	br, bgc, bb, _ := bg.RGBA()
	same := func(x, y int) bool {
		r, g, b, _ := img.At(x, y).RGBA()
		d := func(a, b uint32) uint32 {
			if a > b {
				return a - b
			}
			return b - a
		}
		return d(r, br)+d(g, bgc)+d(b, bb) < 3*0x0400
	}
	last := b.Min.Y
	for y := b.Max.Y - 1; y >= b.Min.Y; y-- {
		blank := true
		for x := b.Min.X; x < b.Max.X; x++ {
			if !same(x, y) {
				blank = false
				break
			}
		}
		if !blank {
			last = y
			break
		}
	}
	bottom := min(b.Max.Y, last+1+margin)
	sub, ok := img.(interface {
		SubImage(image.Rectangle) image.Image
	})
	if !ok {
		return nil
	}
	cropped := sub.SubImage(image.Rect(b.Min.X, b.Min.Y, b.Max.X, bottom))
	var buf bytes.Buffer
	if err := png.Encode(&buf, cropped); err != nil {
		return err
	}
	return os.WriteFile(p, buf.Bytes(), 0o644)
}
