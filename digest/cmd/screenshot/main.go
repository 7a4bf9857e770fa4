// Command screenshot renders the morning digest of the synthetic test
// mailbox (or of nobody, with -empty) and photographs it in headless
// Chromium at phone and desktop widths, in light and dark mode, so a
// person can see what the email looks like. `make screenshot` runs it.
//
//	go run ./digest/cmd/screenshot [-out DIR] [-templates DIR] [-jobsearch] [-empty] [-company] [-noactions]
//
// -templates renders with a templates directory of your own, to preview
// your changes before the next morning. -company strips every display
// name from the mail (a company mailbox of bare first.last addresses) and
// shows at most two follow-ups of each kind. The digest offers the one-tap
// actions and says what earlier taps did, unless -noactions.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/rekindle/rekindle/digest/internal/chromium"
	"github.com/rekindle/rekindle/digest/internal/fixture"
	"github.com/rekindle/rekindle/templates"
)

func main() { os.Exit(run()) }

func run() int {
	out := flag.String("out", "out", "write the HTML, text and PNGs into `DIR`")
	dir := flag.String("templates", "", "use the templates in `DIR` over the defaults")
	job := flag.Bool("jobsearch", true, "fill in job-search settings (pitch, role, target companies)")
	empty := flag.Bool("empty", false, "render the digest of a morning with nobody due")
	company := flag.Bool("company", false, "strip display names from the mail, and cap follow-ups at two of each kind")
	noActions := flag.Bool("noactions", false, "offer no one-tap actions, as a digest built without them")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	o := fixture.Options{JobSearch: *job, Empty: *empty, NoActions: *noActions}
	if *company {
		o.Company, o.MaxFollowups = true, 2
	}
	if err := shoot(ctx, *out, *dir, o); err != nil {
		fmt.Fprintln(os.Stderr, "screenshot:", err)
		return 1
	}
	return 0
}

func shoot(ctx context.Context, out, dir string, o fixture.Options) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	set, err := templates.Load(dir, log)
	if err != nil {
		return err
	}
	d, err := fixture.Digest(set, o)
	if err != nil {
		return err
	}
	r, err := d.Render(set)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	htmlPath, err := filepath.Abs(filepath.Join(out, "digest.html"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(htmlPath, []byte(r.HTML), 0o644); err != nil {
		return err
	}
	text := "Subject: " + r.Subject + "\n\n" + r.Text
	if err := os.WriteFile(filepath.Join(out, "digest.txt"), []byte(text), 0o644); err != nil {
		return err
	}
	fmt.Println(filepath.Join(out, "digest.html"))
	fmt.Println(filepath.Join(out, "digest.txt"))
	bin := chromium.Find()
	if bin == "" {
		return fmt.Errorf("no Chromium found (install Debian's chromium, or set $CHROMIUM); the HTML is in %s", htmlPath)
	}
	shots := []struct {
		name string
		shot chromium.Shot
	}{
		{"digest-phone-light.png", chromium.Shot{Width: 390, Scale: 2}},
		{"digest-phone-dark.png", chromium.Shot{Width: 390, Scale: 2, Dark: true}},
		{"digest-desktop-light.png", chromium.Shot{Width: 1200, Scale: 1}},
		{"digest-desktop-dark.png", chromium.Shot{Width: 1200, Scale: 1, Dark: true}},
	}
	for _, s := range shots {
		p := filepath.Join(out, s.name)
		if err := chromium.Screenshot(ctx, bin, "file://"+htmlPath, p, s.shot); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		fmt.Println(p)
	}
	return nil
}
