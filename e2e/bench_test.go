package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/internal/imapfloor"
	"github.com/rekindle/rekindle/synth"
)

// BenchmarkSync is the sync benchmark of the README: a generated mailbox
// of 50,000 messages (override with REKINDLE_BENCH_MESSAGES) in Dovecot,
// then, in one run:
//
//	(a) the floor: a raw client sending UID FETCH 1:* for the same items
//	    in the same folders and reading the bytes (warm: after one
//	    unmeasured pass that lets Dovecot build its cache);
//	(b) "rekindle sync" from an empty store, as a separate process, with
//	    its peak RSS;
//	(c) a second "rekindle sync" with nothing new.
//
// It reports floor-ms, sync-ms, ratio (b/a), nochange-ms and peak-MB, and
// the CPU behind them: the sync's own, the floor client's, and the whole
// machine's during each of (a) and (b). Run it with -benchtime 1x: each
// phase is one real run, not a loop. REKINDLE_BENCH_CPUPROFILE=file
// writes the CPU profile of (b).
func BenchmarkSync(b *testing.B) {
	n := 50_000
	if v := os.Getenv("REKINDLE_BENCH_MESSAGES"); v != "" {
		fmt.Sscan(v, &n)
	}
	opts := dovecot.Options{}
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() && os.Getenv("REKINDLE_DOVECOT_TMPDIR") == "" {
		// tmpfs: file reads do not depend on the shared disk's mood.
		opts.TempDir = "/dev/shm"
	}
	srv := dovecot.Start(b, opts)
	start := time.Now()
	loaded, err := srv.LoadSynth(synth.Options{Seed: 7, Messages: n, Hostile: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d messages into Dovecot in %s", loaded, time.Since(start).Round(time.Millisecond))

	bin := buildRekindle(b)
	dir := b.TempDir()
	cfg := writeConfig(b, dir, srv)
	folders := syncedFolders(b, srv)
	items := "UID FLAGS INTERNALDATE ENVELOPE BODY.PEEK[HEADER.FIELDS (" + strings.Join(imapsync.HeaderFields, " ") + ")]"
	floorCfg := imapfloor.Config{Addr: srv.Addr, CAFile: srv.CAFile, User: srv.User, Password: srv.Password, Folders: folders, Items: items}

	for i := 0; i < b.N; i++ {
		os.Remove(filepath.Join(dir, "rekindle.db"))
		os.Remove(filepath.Join(dir, "rekindle.db-wal"))
		os.Remove(filepath.Join(dir, "rekindle.db-shm"))

		cold := time.Now()
		if _, err := imapfloor.Fetch(context.Background(), floorCfg); err != nil {
			b.Fatal(err)
		}
		coldFloor := time.Since(cold)
		client0, machine0 := selfCPU(), machineCPU()
		t0 := time.Now()
		fl, err := imapfloor.Fetch(context.Background(), floorCfg)
		if err != nil {
			b.Fatal(err)
		}
		floor := time.Since(t0)
		floorClient, floorMachine := selfCPU()-client0, machineCPU()-machine0

		machine0 = machineCPU()
		full, rss, cpu, out := runSync(b, bin, cfg, os.Getenv("REKINDLE_BENCH_CPUPROFILE"))
		syncMachine := machineCPU() - machine0
		var res []struct {
			Folders []struct {
				Name      string
				Added     int
				Messages  int
				Unchanged bool
			}
		}
		if err := json.Unmarshal(out, &res); err != nil {
			b.Fatalf("sync --json: %v\n%s", err, out)
		}
		stored := 0
		for _, f := range res[0].Folders {
			stored += f.Messages
		}
		if stored != fl.Messages {
			b.Errorf("rekindle stored %d folder messages; the floor fetched %d", stored, fl.Messages)
		}

		again, _, _, out := runSync(b, bin, cfg, "")
		res = nil
		if err := json.Unmarshal(out, &res); err != nil {
			b.Fatalf("second sync --json: %v\n%s", err, out)
		}
		for _, f := range res[0].Folders {
			if !f.Unchanged || f.Added != 0 {
				b.Errorf("second sync: folder %s changed: %+v (a folder seen as changed is SELECTed and FETCHed)", f.Name, f)
			}
		}

		b.ReportMetric(float64(coldFloor.Milliseconds()), "coldfloor-ms")
		b.ReportMetric(float64(floor.Milliseconds()), "floor-ms")
		b.ReportMetric(float64(full.Milliseconds()), "sync-ms")
		b.ReportMetric(full.Seconds()/floor.Seconds(), "ratio")
		b.ReportMetric(float64(again.Microseconds())/1000, "nochange-ms")
		b.ReportMetric(float64(rss)/1024, "peak-MB")
		b.ReportMetric(float64(cpu.Milliseconds()), "sync-cpu-ms")
		b.ReportMetric(float64(floorClient.Milliseconds()), "floor-client-cpu-ms")
		b.ReportMetric(float64(floorMachine.Milliseconds()), "floor-machine-cpu-ms")
		b.ReportMetric(float64(syncMachine.Milliseconds()), "sync-machine-cpu-ms")
		b.Logf("%d messages in %d folders, %.1f MB fetched: floor %s (cold %s), sync %s (%.2fx; %s CPU), no-change sync %s, peak RSS %.1f MB",
			fl.Messages, len(folders), float64(fl.FetchBytes)/1e6, floor.Round(time.Millisecond), coldFloor.Round(time.Millisecond),
			full.Round(time.Millisecond), full.Seconds()/floor.Seconds(), cpu.Round(time.Millisecond), again.Round(time.Millisecond), float64(rss)/1024)
		// Where the CPU went. Both phases keep the machine's cores busy, so
		// the ratio is about CPU, not waiting: the server's share (Dovecot's
		// imap and imap-login processes, and the kernel) is what the
		// machine spent beyond the client.
		b.Logf("CPU (all %d cores): floor %s of %s wall = client %s + server %s; sync %s of %s wall = rekindle %s + server %s",
			runtime.NumCPU(), floorMachine.Round(time.Millisecond), floor.Round(time.Millisecond), floorClient.Round(time.Millisecond),
			(floorMachine - floorClient).Round(time.Millisecond), syncMachine.Round(time.Millisecond), full.Round(time.Millisecond),
			cpu.Round(time.Millisecond), (syncMachine - cpu).Round(time.Millisecond))
	}
}

// buildRekindle builds the binary once per test process.
func buildRekindle(tb testing.TB) string {
	tb.Helper()
	gomod, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(tb.TempDir(), "rekindle")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/rekindle")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func writeConfig(tb testing.TB, dir string, srv *dovecot.Server) string {
	tb.Helper()
	host, port, _ := strings.Cut(srv.Addr, ":")
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte(srv.Password+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	cfg := fmt.Sprintf(`me: {name: Jane Doe, addresses: [jane@example.com, jane.doe@example.org]}
accounts:
  - name: bench
    imap: {host: %s, port: %s, security: tls, username: %s, password_file: %s, ca_file: %s}
store: {path: %s}
`, host, port, srv.User, pw, srv.CAFile, filepath.Join(dir, "rekindle.db"))
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// syncedFolders lists the folders rekindle syncs: all but junk, trash
// and drafts.
func syncedFolders(tb testing.TB, srv *dovecot.Server) []string {
	tb.Helper()
	c, err := srv.Login(nil)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	list, err := c.List("", "*", &imap.ListOptions{ReturnSpecialUse: true}).Collect()
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, l := range list {
		if slices.ContainsFunc(l.Attrs, func(a imap.MailboxAttr) bool {
			return a == imap.MailboxAttrJunk || a == imap.MailboxAttrTrash || a == imap.MailboxAttrDrafts || a == imap.MailboxAttrNoSelect
		}) {
			continue
		}
		out = append(out, l.Mailbox)
	}
	return out
}

// runSync runs "rekindle sync --json" and returns its wall time, peak RSS
// in KB, CPU time (user and system) and output. With a profile path, the
// sync writes its CPU profile there (REKINDLE_CPUPROFILE).
func runSync(tb testing.TB, bin, cfg, profile string) (time.Duration, int64, time.Duration, []byte) {
	tb.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(bin, "--config", cfg, "sync", "--json")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "REKINDLE_CPUPROFILE=") })
	if profile != "" {
		cmd.Env = append(cmd.Env, "REKINDLE_CPUPROFILE="+profile)
	}
	start := time.Now()
	err := cmd.Run()
	wall := time.Since(start)
	if err != nil {
		tb.Fatalf("rekindle sync: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	var rss int64
	if ru != nil {
		rss = ru.Maxrss
	}
	return wall, rss, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), stdout.Bytes()
}

// selfCPU is the CPU time (user and system) this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
}

// machineCPU is the CPU time every core of the machine has spent busy
// (everything but idle and I/O wait) since boot, from /proc/stat; zero
// where there is no /proc.
func machineCPU() time.Duration {
	data, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(data), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal ...
	var ticks int64
	for i, f := range fields[1:] {
		if i == 3 || i == 4 {
			continue
		}
		n, _ := strconv.ParseInt(f, 10, 64)
		ticks += n
	}
	// USER_HZ is 100 on every Linux architecture Go supports.
	return time.Duration(ticks) * 10 * time.Millisecond
}
