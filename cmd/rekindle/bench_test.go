package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/store"
	"github.com/rekindle/rekindle/synth"
)

// The performance target of the issue: "rekindle contacts" and the digest's
// pick ("rekindle suggest") answer within 300 ms over a store of 50,000
// messages, and within 3 s and 200 MB of peak RSS over 1,000,000, process
// start included. These benchmarks run the real binary, built once, as a
// separate process on a store built directly from a synthetic mailbox
// (seed 1, as of synth.DefaultNow), and report for each command:
//
//	wall-ms  wall time from exec to exit, the median of the b.N runs
//	peak-MB  the process's peak RSS, the largest of the b.N runs
//
// after one unmeasured run that warms the page cache. Run them with
//
//	go test ./cmd/rekindle -run '^$' -bench 'Contacts50k' -benchtime 5x
//	REKINDLE_BENCH_1M=1 go test ./cmd/rekindle -run '^$' -bench 'Contacts1M' -benchtime 5x -timeout 30m
//
// A store takes a while to build (about 5 s for 50,000 messages, 2 to 3
// minutes for a million). Each is kept under $TMPDIR/rekindle-bench
// (REKINDLE_BENCH_DIR overrides it) and reused until the store's
// migrations or the synth package change.

// BenchmarkContacts50k is the 50,000-message case; it runs in CI.
func BenchmarkContacts50k(b *testing.B) { benchCommands(b, 50_000) }

// BenchmarkContacts1M is the million-message case. Building its store
// takes minutes, so it runs only with REKINDLE_BENCH_1M=1.
func BenchmarkContacts1M(b *testing.B) {
	skipUnless1M(b)
	benchCommands(b, 1_000_000)
}

// BenchmarkModel50k and BenchmarkModel1M run "contacts --json" in this
// process, for profiles:
//
//	GOGC=400 GOMEMLIMIT=48MiB go test ./cmd/rekindle -run '^$' -bench 'Model50k' -benchtime 10x -cpuprofile cpu.out
//
// (main sets the same GC settings; a test binary does not run main).
func BenchmarkModel50k(b *testing.B) { benchInProcess(b, 50_000) }

func BenchmarkModel1M(b *testing.B) {
	skipUnless1M(b)
	benchInProcess(b, 1_000_000)
}

func skipUnless1M(b *testing.B) {
	if os.Getenv("REKINDLE_BENCH_1M") != "1" {
		b.Skip("set REKINDLE_BENCH_1M=1 to run the 1,000,000-message benchmark (building its store takes minutes)")
	}
}

// asOfArg pins --as-of to the mailbox's present, so that the answers do
// not depend on the day the benchmark runs.
var asOfArg = synth.DefaultNow.Format(time.RFC3339)

// benchCommands times "contacts --json" and "suggest --json" over a store
// of n messages.
func benchCommands(b *testing.B, n int) {
	bin := buildBinary(b)
	cfg := benchStore(b, n)
	for _, args := range [][]string{{"contacts", "--json"}, {"suggest", "--json"}} {
		b.Run(args[0], func(b *testing.B) {
			runBinary(b, bin, cfg, args)
			var walls []time.Duration
			var peak int64
			for b.Loop() {
				wall, rss := runBinary(b, bin, cfg, args)
				walls = append(walls, wall)
				peak = max(peak, rss)
			}
			slices.Sort(walls)
			b.ReportMetric(float64(walls[len(walls)/2].Microseconds())/1000, "wall-ms")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}

// runBinary runs a command (with --as-of pinned) once, checks that it
// printed a non-empty JSON array, and returns its wall time and its peak
// RSS in bytes.
func runBinary(b *testing.B, bin, cfg string, args []string) (time.Duration, int64) {
	b.Helper()
	full := append([]string{"--config", cfg}, args...)
	full = append(full, "--as-of", asOfArg)
	out, wall, rss := execMeasured(b, bin, full)
	if !bytes.HasPrefix(out, []byte("[")) || bytes.HasPrefix(out, []byte("[]")) {
		b.Fatalf("rekindle %s: want a non-empty JSON array, got:\n%.300s", strings.Join(args, " "), out)
	}
	return wall, rss
}

// execMeasured runs the binary with args once and returns its standard
// output, its wall time and its peak RSS in bytes.
func execMeasured(b *testing.B, bin string, args []string) ([]byte, time.Duration, int64) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("rekindle %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		b.Skip("no rusage on this platform")
	}
	return stdout.Bytes(), wall, ru.Maxrss * 1024 // kilobytes on Linux
}

func benchInProcess(b *testing.B, n int) {
	cfg := benchStore(b, n)
	args := []string{"--config", cfg, "contacts", "--json", "--as-of", asOfArg}
	for b.Loop() {
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr); code != 0 {
			b.Fatalf("exit %d: %s", code, stderr.String())
		}
	}
}

var (
	rootOnce sync.Once
	rootDir  string
	rootErr  error

	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// moduleRoot is the directory of the module's go.mod.
func moduleRoot(b *testing.B) string {
	b.Helper()
	rootOnce.Do(func() {
		out, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			rootErr = fmt.Errorf("go env GOMOD: %w", err)
			return
		}
		rootDir = filepath.Dir(strings.TrimSpace(string(out)))
	})
	if rootErr != nil {
		b.Fatal(rootErr)
	}
	return rootDir
}

// buildBinary builds the rekindle binary once per test process into a
// temporary directory.
func buildBinary(b *testing.B) string {
	b.Helper()
	root := moduleRoot(b)
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "rekindle-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "rekindle")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/rekindle")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		b.Fatal(buildErr)
	}
	return binPath
}

// benchStore returns the config of a store holding a synthetic mailbox of
// at least n messages, building the store unless a valid one is cached.
func benchStore(b *testing.B, n int) string {
	b.Helper()
	parent := os.Getenv("REKINDLE_BENCH_DIR")
	if parent == "" {
		parent = filepath.Join(os.TempDir(), "rekindle-bench")
	}
	name := fmt.Sprintf("synth-%d-%s", n, storeVersion(b))
	dir := filepath.Join(parent, name)
	cfg := filepath.Join(dir, "config.yaml")
	if _, err := os.Stat(filepath.Join(dir, "done")); err == nil {
		return cfg
	}
	// Stores of this size built by another version are stale.
	stale, _ := filepath.Glob(filepath.Join(parent, fmt.Sprintf("synth-%d-*", n)))
	for _, d := range stale {
		os.RemoveAll(d)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		b.Fatal(err)
	}
	// About 4% of a synthetic mailbox is in folders a sync skips or is a
	// second copy of a message: ask for a little more so that the store
	// holds at least n distinct messages.
	opts := synth.Options{Seed: 1, Messages: n + n/25}
	db := filepath.Join(dir, "rekindle.db")
	start := time.Now()
	if err := fillStore(context.Background(), db, opts); err != nil {
		b.Fatal(err)
	}
	totals, err := storeTotals(db)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("built a store of %d messages (%d folder copies) in %s", totals.Messages, totals.Locations, time.Since(start).Round(time.Second))
	if totals.Messages < n {
		b.Fatalf("the store holds %d messages, want at least %d", totals.Messages, n)
	}
	me := synth.Describe(opts).Addresses
	if err := os.WriteFile(cfg, []byte(storeConfig(me, db)), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "done"), nil, 0o600); err != nil {
		b.Fatal(err)
	}
	return cfg
}

// storeVersion is a digest of what a cached store depends on: the store's
// migrations and codec, and the generator.
func storeVersion(b *testing.B) string {
	root := moduleRoot(b)
	var files []string
	for _, glob := range []string{"store/migrations/*.sql", "store/codec.go", "synth/*.go"} {
		m, err := filepath.Glob(filepath.Join(root, glob))
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, m...)
	}
	h := sha256.New()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(data))
		h.Write(data)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// storeConfig is a configuration for reading a store that is never synced:
// the account is there only because a configuration needs one.
func storeConfig(me []string, db string) string {
	return fmt.Sprintf(`me:
  name: Jane Doe
  addresses: [%s]
accounts:
  - name: synth
    imap: {host: 127.0.0.1, port: 1, security: none, username: jane, password: "unused-Passw0rd"}
store: {path: %s}
`, strings.Join(me, ", "), db)
}

// fillStore writes a synthetic mailbox straight into a store the way a
// sync leaves it: without the folders a sync skips (drafts, junk, trash),
// with UIDs counted per folder, in batches of 1000 per folder.
func fillStore(ctx context.Context, path string, opts synth.Options) error {
	db, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer db.Close()
	const batch = 1000
	pending := map[string][]rekindle.Message{}
	uids := map[string]uint32{}
	flush := func(folder string) error {
		msgs := pending[folder]
		if len(msgs) == 0 {
			return nil
		}
		if err := db.PutMessages(ctx, "synth", folder, msgs, msgs[len(msgs)-1].UID); err != nil {
			return err
		}
		pending[folder] = msgs[:0]
		return nil
	}
	err = synth.Stream(opts, func(m synth.Mail) error {
		switch m.Folder {
		case synth.FolderDrafts, synth.FolderJunk, synth.FolderTrash:
			return nil
		}
		uids[m.Folder]++
		pending[m.Folder] = append(pending[m.Folder], rekindle.Message{
			Header: m.Header, InternalDate: m.InternalDate, UID: uids[m.Folder], Flags: m.Flags,
		})
		if len(pending[m.Folder]) >= batch {
			return flush(m.Folder)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, folder := range slices.Sorted(maps.Keys(pending)) {
		if err := flush(folder); err != nil {
			return err
		}
	}
	return nil
}

func storeTotals(path string) (store.Totals, error) {
	ctx := context.Background()
	db, err := store.Open(ctx, path)
	if err != nil {
		return store.Totals{}, err
	}
	defer db.Close()
	return db.Totals(ctx)
}

// BenchmarkReplay50k is the replay target of the issue: "rekindle replay"
// of 90 mornings over a store of 50,000 messages within 2 s, process start
// included (one model build, not 90). It reports wall-ms (median) and
// peak-MB like the others:
//
//	go test ./cmd/rekindle -run '^$' -bench 'Replay50k' -benchtime 5x
func BenchmarkReplay50k(b *testing.B) {
	bin := buildBinary(b)
	cfg := benchStore(b, 50_000)
	to := synth.DefaultNow
	args := []string{"--config", cfg, "replay", "--from", to.AddDate(0, 0, -89).Format("2006-01-02"), "--to", to.Format("2006-01-02"), "--json"}
	run := func() (time.Duration, int64) {
		stdout, wall, rss := execMeasured(b, bin, args)
		var out struct {
			Mornings []struct {
				People []struct{ Key string } `json:"people"`
			} `json:"mornings"`
		}
		if err := json.Unmarshal(stdout, &out); err != nil || len(out.Mornings) != 90 {
			b.Fatalf("replay: %d mornings (%v), want 90:\n%.300s", len(out.Mornings), err, stdout)
		}
		picks := 0
		for _, m := range out.Mornings {
			picks += len(m.People)
		}
		if picks == 0 {
			b.Fatal("replay picked nobody in 90 mornings")
		}
		return wall, rss
	}
	run()
	var walls []time.Duration
	var peak int64
	for b.Loop() {
		wall, rss := run()
		walls = append(walls, wall)
		peak = max(peak, rss)
	}
	slices.Sort(walls)
	b.ReportMetric(float64(walls[len(walls)/2].Microseconds())/1000, "wall-ms")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
}

// BenchmarkContacts50kAddressBook is the address book's cost at a model
// build: "contacts --json" over the 50,000-message store, without an
// address book and with address_book.files holding one vCard file of
// 2,000 cards (about 3.5 MB as Apple Contacts exports them, a photo on
// one card in five): one card for each contact the model finds, which
// names them, tags them, and joins every other pair into one person, and
// the rest for people the mail never saw. It reports wall-ms (median)
// and peak-MB for each:
//
//	go test ./cmd/rekindle -run '^$' -bench 'Contacts50kAddressBook' -benchtime 5x
func BenchmarkContacts50kAddressBook(b *testing.B) {
	bin := buildBinary(b)
	cfg := benchStore(b, 50_000)
	// The contacts, one-way ones too, to write cards for.
	out, _, _ := execMeasured(b, bin, []string{"--config", cfg, "contacts", "--json", "--all", "--as-of", asOfArg})
	var contacts []struct {
		Name      string   `json:"name"`
		Addresses []string `json:"addresses"`
	}
	if err := json.Unmarshal(out, &contacts); err != nil || len(contacts) == 0 {
		b.Fatalf("contacts: %v", err)
	}
	vcf := benchCards(2000, contacts)
	dir := b.TempDir()
	path := filepath.Join(dir, "contacts.vcf")
	if err := os.WriteFile(path, []byte(vcf), 0o600); err != nil {
		b.Fatal(err)
	}
	base, err := os.ReadFile(cfg)
	if err != nil {
		b.Fatal(err)
	}
	withBook := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(withBook, append(base, []byte("address_book: {files: ["+path+"]}\n")...), 0o600); err != nil {
		b.Fatal(err)
	}
	b.Logf("%d contacts; address book of 2,000 cards, %.1f MB", len(contacts), float64(len(vcf))/(1<<20))
	for _, c := range []struct{ name, cfg string }{{"without", cfg}, {"with", withBook}} {
		b.Run(c.name, func(b *testing.B) {
			args := []string{"contacts", "--json"}
			runBinary(b, bin, c.cfg, args)
			var walls []time.Duration
			var peak int64
			for b.Loop() {
				wall, rss := runBinary(b, bin, c.cfg, args)
				walls = append(walls, wall)
				peak = max(peak, rss)
			}
			slices.Sort(walls)
			b.ReportMetric(float64(walls[len(walls)/2].Microseconds())/1000, "wall-ms")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}

// benchCards writes n vCards in Apple Contacts' style: first one for
// each pair of contacts (both their addresses on one card, which merges
// them), then one per remaining contact, then people never mailed.
func benchCards(n int, contacts []struct {
	Name      string   `json:"name"`
	Addresses []string `json:"addresses"`
}) string {
	photo := strings.Repeat("/9j/4AAQSkZJRgABAQAASABIAAD", 230) // about 6 KB of base64
	var sb strings.Builder
	line := func(s string) {
		for first := true; len(s) > 0; first = false {
			w := 75
			if !first {
				sb.WriteByte(' ')
				w = 74
			}
			w = min(w, len(s))
			sb.WriteString(s[:w] + "\r\n")
			s = s[w:]
		}
	}
	for i := range n {
		var name string
		var addrs []string
		switch {
		case i < len(contacts)/4:
			// Two contacts on one card.
			a, b := contacts[2*i], contacts[2*i+1]
			name, addrs = "Card "+a.Name, append(slices.Clone(a.Addresses), b.Addresses...)
		case i < len(contacts)/4+len(contacts)/2:
			c := contacts[len(contacts)/2+i-len(contacts)/4]
			name, addrs = "Card "+c.Name, c.Addresses
		default:
			name, addrs = fmt.Sprintf("Stranger %d", i), []string{fmt.Sprintf("stranger%d@nowhere.example", i)}
		}
		line("BEGIN:VCARD")
		line("VERSION:3.0")
		line("PRODID:-//Apple Inc.//macOS 14.5//EN")
		line("FN:" + name)
		for k, a := range addrs {
			line(fmt.Sprintf("item%d.EMAIL;type=INTERNET:%s", k+1, a))
		}
		line(fmt.Sprintf("TEL;type=CELL;type=VOICE;type=pref:+44 7700 9%05d", i))
		if i%3 == 0 {
			line("CATEGORIES:Friends,Book Club")
		}
		if i%5 == 0 {
			line("PHOTO;ENCODING=b;TYPE=JPEG:" + photo)
		}
		line(fmt.Sprintf("UID:%08X-0000-4000-8000-%012X", i, i))
		line("END:VCARD")
	}
	return sb.String()
}

// BenchmarkQuery50k is the latency target of "rekindle query", which mail
// clients may run on every keystroke: under 100 ms over a store of 50,000
// messages, process start included. It reports, like the others, wall-ms
// (median) and peak-MB for three cases:
//
//	snapshot/broad   "query a": many matches, the first 30 printed
//	snapshot/narrow  the strongest contact's name
//	stale/broad      "query a" with no current snapshot: the fallback that
//	                 works the contacts out from the store
//
// The snapshot is made the way a user gets it: the binary syncs (a copy
// of the store, with an account on an in-process IMAP server that holds
// nothing new), which refreshes it.
//
//	go test ./cmd/rekindle -run '^$' -bench 'Query50k' -benchtime 20x
func BenchmarkQuery50k(b *testing.B) {
	bin := buildBinary(b)
	staleCfg := benchStore(b, 50_000)
	cfg := syncedCopy(b, bin, staleCfg)

	// The strongest contact's first name, for the narrow query.
	var top []contactJSON
	out, _, _ := execMeasured(b, bin, []string{"--config", cfg, "contacts", "--json"})
	if err := json.Unmarshal(out, &top); err != nil || len(top) == 0 || top[0].Name == "" {
		b.Fatalf("contacts --json: %v, %d contacts", err, len(top))
	}
	narrow := strings.Fields(top[0].Name)[0]

	for _, c := range []struct {
		name, cfg, q string
		fresh        bool
	}{
		{"snapshot/broad", cfg, "a", true},
		{"snapshot/narrow", cfg, narrow, true},
		{"stale/broad", staleCfg, "a", false},
	} {
		b.Run(c.name, func(b *testing.B) {
			args := []string{"--config", c.cfg, "query", c.q}
			// The unmeasured first run also checks where the answer came
			// from (-v logs the fallback) and its form.
			stdout, stderr := runQueryBinary(b, bin, append([]string{"-v"}, args...))
			if fromSnapshot(stderr) != c.fresh {
				b.Fatalf("query %q: from the snapshot %v, want %v\n%s", c.q, fromSnapshot(stderr), c.fresh, stderr)
			}
			lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
			if len(lines) < 2 || !strings.HasPrefix(lines[0], "rekindle: ") || strings.Count(lines[1], "\t") != 2 {
				b.Fatalf("query %q:\n%.500s", c.q, stdout)
			}
			var walls []time.Duration
			var peak int64
			for b.Loop() {
				_, wall, rss := execMeasured(b, bin, args)
				walls = append(walls, wall)
				peak = max(peak, rss)
			}
			slices.Sort(walls)
			b.ReportMetric(float64(walls[len(walls)/2].Microseconds())/1000, "wall-ms")
			b.ReportMetric(float64(peak)/(1<<20), "peak-MB")
		})
	}
}

// runQueryBinary runs the binary once and returns its standard output and
// error.
func runQueryBinary(b *testing.B, bin string, args []string) (string, string) {
	b.Helper()
	cmd := exec.Command(bin, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("rekindle %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String(), stderr.String()
}

// syncedCopy copies the store of the benchmark configuration cfg into a
// temporary directory and syncs the copy with the binary, from an
// in-process IMAP server whose one account holds nothing: the sync stores
// nothing and refreshes the contacts snapshot, as any sync does. It
// returns the copy's configuration.
func syncedCopy(b *testing.B, bin, cfg string) string {
	b.Helper()
	dir := b.TempDir()
	src := filepath.Join(filepath.Dir(cfg), "rekindle.db")
	data, err := os.ReadFile(src)
	if err != nil {
		b.Fatal(err)
	}
	db := filepath.Join(dir, "rekindle.db")
	if err := os.WriteFile(db, data, 0o600); err != nil {
		b.Fatal(err)
	}
	srv, err := memimap.Start(memimap.Options{User: "jane", Password: testPassword})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	host, port, _ := strings.Cut(srv.Addr, ":")
	me := synth.Describe(synth.Options{Seed: 1, Messages: 50_000 + 50_000/25}).Addresses
	yaml := fmt.Sprintf(`me:
  name: Jane Doe
  addresses: [%s]
accounts:
  - name: empty
    imap: {host: %s, port: %s, security: none, username: jane, password: %q}
store: {path: %s}
`, strings.Join(me, ", "), host, port, testPassword, db)
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	runQueryBinary(b, bin, []string{"--config", path, "sync"})
	b.Logf("the sync that refreshed the snapshot took %s", time.Since(start).Round(time.Millisecond))
	return path
}
