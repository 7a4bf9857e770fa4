package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// refItems is the reference workload of the sync benchmarks (issue 14):
// what a raw client fetches, whatever rekindle fetches. It is what the
// sync once fetched itself, ENVELOPE included.
const refItems = "UID FLAGS INTERNALDATE ENVELOPE BODY.PEEK[HEADER.FIELDS (LIST-ID LIST-UNSUBSCRIBE PRECEDENCE AUTO-SUBMITTED REFERENCES)]"

// sameItems is exactly what rekindle's sync fetches of each message.
func sameItems() string {
	return "UID INTERNALDATE BODY.PEEK[HEADER.FIELDS (" + strings.Join(imapsync.HeaderFields, " ") + ")]"
}

// BenchmarkSync is the sync benchmark of the README, on a generated
// mailbox of 50,000 messages (override with REKINDLE_BENCH_MESSAGES) in
// Dovecot over TLS. Its sub-benchmarks time, in each run (-benchtime Nx:
// N runs, medians reported, each run logged), one after the other:
//
//	(a) the reference floor: a raw client (internal/imapfloor) sending
//	    UID FETCH 1:* (refItems) in each folder rekindle syncs and
//	    reading the bytes, parsing nothing;
//	(b) the same raw client fetching exactly what rekindle fetches;
//	(c) "rekindle sync" from an empty store, as a separate process, with
//	    its peak RSS and CPU time;
//	(d) a second "rekindle sync" with nothing new (no SELECT, no FETCH);
//	(e) the floor of (d): the raw client doing what (d) does with the
//	    server (TLS, LOGIN, the LIST with the folders' status, a LOGOUT
//	    left unanswered) from this process.
//
// "local" connects straight to Dovecot; "latency" goes through a slow
// link, a proxy (syStartShapedProxy) that delays every byte by 25 ms each
// way (a 50 ms round trip, TCP's handshake included) and carries at most
// 100 Mbit/s each way, shared by all connections.
//
// Each reports ratio (c/a), ratio-same (c/b), the times, nochange-ms
// and nochange-floor-ms (d and e: their difference is rekindle's own
// share, its process start included), peak-MB, the sync's CPU per
// message, and the CPU behind each phase: the client's, and the
// server's (Dovecot's processes, whatever else the machine runs).
// cpu-ratio compares client and server CPU of (c) with those of (a):
// what the wall-time ratio tends to on two busy cores.
// "latency" adds link-ms, the time the link takes to carry the bytes the
// sync read, ratio-link (sync-ms / link-ms), where the rest of (c)'s
// time went as the link saw it (syLinkTimes): link-head-ms to the first
// FETCH data, link-gap-ms idle after it, link-tail-ms after the last
// byte; and nochange-rtt and nochange-floor-rtt, (d) and (e) in round
// trips. Before the runs, one
// unmeasured pass of each floor lets Dovecot build its cache.
//
// REKINDLE_BENCH_CPUPROFILE=file writes the CPU profile of the first
// run's (c); REKINDLE_BENCH_BIN runs another rekindle binary instead,
// and REKINDLE_BENCH_BEFORE=binary (an older build) adds its first sync
// to each run, for before-ratio and before-cpu-us/msg measured in the
// same conditions: right after (c) in the first, third... run, right
// before it in the second, fourth..., because the first of two syncs in
// a row took a few percent more CPU through the link than the second,
// whichever build it was.
func BenchmarkSync(b *testing.B) {
	n := benchEnvInt("REKINDLE_BENCH_MESSAGES", 50_000)
	srv := dovecot.Start(b, benchServerOptions())
	start := time.Now()
	loaded, err := srv.LoadSynth(synth.Options{Seed: 7, Messages: n, Hostile: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d messages into Dovecot in %s", loaded, time.Since(start).Round(time.Millisecond))
	benchSyncBoth(b, srv, func(dir, addr string) string { return writeConfigAt(b, dir, srv, addr) })
}

// BenchmarkSyncRealMail is BenchmarkSync on a real mailbox,
// ../shared/mailboxes/wolfgang.tar.gz (REKINDLE_BENCH_REALMAIL names
// another), loaded into Dovecot as the real-mail tests load it.
func BenchmarkSyncRealMail(b *testing.B) {
	name := os.Getenv("REKINDLE_BENCH_REALMAIL")
	if name == "" {
		name = "wolfgang"
	}
	start := time.Now()
	s := loadReal(b, name, "")
	b.Logf("loaded %s (%d messages) into Dovecot in %s", name, len(s.mb.Mails), time.Since(start).Round(time.Millisecond))
	s.mb = nil // the messages are in Dovecot; free the memory
	benchSyncBoth(b, s.srv, func(dir, addr string) string { return writeConfigAt(b, dir, s.srv, addr) })
}

// Link of the latency sub-benchmarks: 25 ms each way, 100 Mbit/s.
const (
	benchDelay = 25 * time.Millisecond
	benchRate  = 100e6 / 8 // bytes per second
)

// benchSyncBoth warms srv's cache and runs the local and the latency
// sub-benchmarks against it; config writes a config for a store in dir
// and the server at addr.
func benchSyncBoth(b *testing.B, srv *dovecot.Server, config func(dir, addr string) string) {
	bin := os.Getenv("REKINDLE_BENCH_BIN")
	if bin == "" {
		bin = buildRekindle(b)
	}
	folders := syncedFolders(b, srv)
	// Warm Dovecot's cache with both item lists, unmeasured.
	for _, items := range []string{refItems, sameItems()} {
		t0 := time.Now()
		if _, err := imapfloor.Fetch(context.Background(), imapfloor.Config{Addr: srv.Addr, CAFile: srv.CAFile,
			User: srv.User, Password: srv.Password, Folders: folders, Items: items}); err != nil {
			b.Fatal(err)
		}
		b.Logf("cold floor (%.40s...): %s", items, time.Since(t0).Round(time.Millisecond))
	}
	b.Run("local", func(b *testing.B) {
		dir := b.TempDir()
		newSyncBench(srv, bin, folders, srv.Addr, dir, config(dir, srv.Addr)).run(b)
	})
	b.Run("latency", func(b *testing.B) {
		proxy := syStartShapedProxy(b, srv.Addr, benchDelay, benchRate)
		dir := b.TempDir()
		cfg := config(dir, proxy.syAddr())
		sb := newSyncBench(srv, bin, folders, proxy.syAddr(), dir, cfg)
		sb.proxy = proxy
		// The proxy listens on loopback, where compress: auto does not
		// compress; a server across the internet it would. The
		// compressed sync runs with always, into its own store.
		sb.zcfg = benchVariant(b, cfg, "z", "security: tls,", "security: tls, compress: always,")
		sb.run(b)
	})
}

func benchEnvInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		fmt.Sscan(v, &def)
	}
	return def
}

func benchServerOptions() dovecot.Options {
	opts := dovecot.Options{Compress: true} // as loadReal

	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() && os.Getenv("REKINDLE_DOVECOT_TMPDIR") == "" {
		// tmpfs: file reads do not depend on the shared disk's mood.
		opts.TempDir = "/dev/shm"
	}
	return opts
}

// syncBench is one benchmark's server, binary and config, and the
// samples of its runs.
type syncBench struct {
	srv       *dovecot.Server
	bin       string
	dir, cfg  string
	ref, same imapfloor.Config // the floors, at addr
	noChange  imapfloor.Config // the floor of the sync with nothing new
	proxy     *syProxy         // the shaped link, or nil
	zcfg      string           // with the proxy: cfg compressed, into z.db
	samples   map[string][]float64
	order     []string
}

func newSyncBench(srv *dovecot.Server, bin string, folders []string, addr, dir, cfg string) *syncBench {
	floor := imapfloor.Config{Addr: addr, CAFile: srv.CAFile, User: srv.User, Password: srv.Password, Folders: folders}
	s := &syncBench{srv: srv, bin: bin, dir: dir, cfg: cfg, ref: floor, same: floor, samples: map[string][]float64{}}
	s.ref.Items, s.same.Items = refItems, sameItems()
	s.noChange = floor
	s.noChange.Folders, s.noChange.List, s.noChange.NoLogoutWait = nil, noChangeList, true
	return s
}

// noChangeList is the LIST that a sync finding nothing new sends (to a
// server with LIST-STATUS, SPECIAL-USE and CONDSTORE, as Dovecot): with
// LOGIN right before it (the LIST goes without waiting for its answer)
// and an unanswered LOGOUT after, its whole exchange.
const noChangeList = `LIST "" "*" RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ) SPECIAL-USE)`

// sample records one run's value of a metric.
func (s *syncBench) sample(name string, v float64) {
	if _, ok := s.samples[name]; !ok {
		s.order = append(s.order, name)
	}
	s.samples[name] = append(s.samples[name], v)
}

// serverCPU reads the server's CPU time once the processes of the
// clients that just left have exited: when two readings 50 ms apart
// agree, or after a second.
func (s *syncBench) serverCPU() time.Duration {
	last := s.srv.CPU()
	for range 20 {
		time.Sleep(50 * time.Millisecond)
		now := s.srv.CPU()
		if now == last {
			break
		}
		last = now
	}
	return last
}

// floor runs one measured pass of a raw client.
func (s *syncBench) floor(b *testing.B, cfg imapfloor.Config) (imapfloor.Result, time.Duration, time.Duration, time.Duration) {
	server0, client0 := s.serverCPU(), selfCPU()
	t0 := time.Now()
	res, err := imapfloor.Fetch(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	wall := time.Since(t0)
	client := selfCPU() - client0
	return res, wall, client, s.serverCPU() - server0
}

func (s *syncBench) run(b *testing.B) {
	for i := 0; i < b.N; i++ {
		for _, db := range []string{"rekindle.db", "z.db", "before.db"} {
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(filepath.Join(s.dir, db+suffix))
			}
		}

		ref, refWall, refClient, refServer := s.floor(b, s.ref)
		same, sameWall, _, sameServer := s.floor(b, s.same)

		// The build before, when there is one, runs right after the sync
		// in the first, third... run and right before it in the others.
		var before struct {
			ran       bool
			wall, cpu time.Duration
			rss       int64
		}
		runBefore := func() {
			if bin := os.Getenv("REKINDLE_BENCH_BEFORE"); bin != "" {
				before.wall, before.rss, before.cpu, _ = runSync(b, bin, benchVariant(b, s.cfg, "before", "", ""), "")
				before.ran = true
			}
		}
		if i%2 == 1 {
			runBefore()
		}

		var linkBytes int64
		if s.proxy != nil {
			s.proxy.syWaitIdle(b)
			linkBytes = s.proxy.toClient.Load()
		}
		profile := ""
		if i == 0 {
			profile = os.Getenv("REKINDLE_BENCH_CPUPROFILE")
		}
		server0 := s.serverCPU()
		if s.proxy != nil {
			s.proxy.syRecord()
		}
		start := time.Now()
		full, rss, cpu, out := runSync(b, s.bin, s.cfg, profile)
		syncServer := s.serverCPU() - server0
		var head, busy, gap, tail time.Duration
		if s.proxy != nil {
			head, busy, gap, tail = s.proxy.syLinkTimes(start, start.Add(full))
			s.proxy.syWaitIdle(b)
			linkBytes = s.proxy.toClient.Load() - linkBytes
		}
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
		if stored != ref.Messages || stored != same.Messages {
			b.Errorf("rekindle stored %d folder messages; the floors fetched %d and %d", stored, ref.Messages, same.Messages)
		}

		// go test keeps 10 lines of a benchmark's log: one a run, and
		// the medians.
		if i%2 == 0 {
			runBefore()
		}
		var beforeLine string
		if before.ran {
			s.sample("before-ratio", before.wall.Seconds()/refWall.Seconds())
			s.sample("before-cpu-us/msg", float64(before.cpu.Microseconds())/float64(stored))
			s.sample("before-peak-MB", float64(before.rss)/1024)
			order := "after"
			if i%2 == 1 {
				order = "before"
			}
			beforeLine = fmt.Sprintf("; the build before (run %s this one): sync %s (%.2fx), %.1f µs/message, peak RSS %.1f MB", order,
				before.wall.Round(time.Millisecond), before.wall.Seconds()/refWall.Seconds(), float64(before.cpu.Microseconds())/float64(stored), float64(before.rss)/1024)
		}

		again, _, _, out := runSync(b, s.bin, s.cfg, "")
		res = nil
		if err := json.Unmarshal(out, &res); err != nil {
			b.Fatalf("second sync --json: %v\n%s", err, out)
		}
		for _, f := range res[0].Folders {
			if !f.Unchanged || f.Added != 0 {
				b.Errorf("second sync: folder %s changed: %+v (a folder seen as changed is SELECTed and FETCHed)", f.Name, f)
			}
		}

		// The same exchange with the server from a raw client in this
		// process: what Dovecot and the link take of the sync with
		// nothing new, without rekindle's process, store and parsing.
		_, againFloor, _, _ := s.floor(b, s.noChange)

		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		s.sample("ratio", full.Seconds()/refWall.Seconds())
		s.sample("ratio-same", full.Seconds()/sameWall.Seconds())
		s.sample("ref-ms", ms(refWall))
		s.sample("same-ms", ms(sameWall))
		s.sample("sync-ms", ms(full))
		s.sample("nochange-ms", ms(again))
		s.sample("nochange-floor-ms", ms(againFloor))
		s.sample("peak-MB", float64(rss)/1024)
		s.sample("sync-cpu-ms", ms(cpu))
		s.sample("cpu-us/msg", float64(cpu.Microseconds())/float64(stored))
		s.sample("cpu-ratio", (cpu+syncServer).Seconds()/(refClient+refServer).Seconds())
		s.sample("ref-client-cpu-ms", ms(refClient))
		s.sample("ref-server-cpu-ms", ms(refServer))
		s.sample("same-server-cpu-ms", ms(sameServer))
		s.sample("sync-server-cpu-ms", ms(syncServer))
		line := fmt.Sprintf("run %d: %d messages in %d folders; reference floor %s (%.1f MB), same-items floor %s (%.1f MB), sync %s: %.2fx, %.2fx; "+
			"no-change sync %s (its floor %s); peak RSS %.1f MB; CPU: sync %s (%.1f µs/message) + server %s, reference floor %s + server %s, same-items server %s",
			i+1, stored, len(s.ref.Folders), refWall.Round(time.Millisecond), float64(ref.FetchBytes)/1e6, sameWall.Round(time.Millisecond),
			float64(same.FetchBytes)/1e6, full.Round(time.Millisecond), full.Seconds()/refWall.Seconds(), full.Seconds()/sameWall.Seconds(),
			again.Round(time.Millisecond), againFloor.Round(time.Millisecond), float64(rss)/1024, cpu.Round(time.Millisecond), float64(cpu.Microseconds())/float64(stored),
			syncServer.Round(time.Millisecond), refClient.Round(time.Millisecond), refServer.Round(time.Millisecond), sameServer.Round(time.Millisecond))
		if s.zcfg != "" {
			s.proxy.syWaitIdle(b)
			zBytes := s.proxy.toClient.Load()
			wall, rss, cpu, out := runSync(b, s.bin, s.zcfg, "")
			var zres []struct{ Compressed bool }
			if err := json.Unmarshal(out, &zres); err != nil || len(zres) != 1 || !zres[0].Compressed {
				b.Fatalf("the sync with compress: always was not compressed (%v): %s", err, out)
			}
			s.proxy.syWaitIdle(b)
			zBytes = s.proxy.toClient.Load() - zBytes
			s.sample("z-ratio", wall.Seconds()/refWall.Seconds())
			s.sample("z-ms", ms(wall))
			s.sample("z-MB", float64(zBytes)/1e6)
			s.sample("z-cpu-us/msg", float64(cpu.Microseconds())/float64(stored))
			line += fmt.Sprintf("; compressed: sync %s (%.2fx), %.1f MB read, %.1f µs/message, peak RSS %.1f MB",
				wall.Round(time.Millisecond), wall.Seconds()/refWall.Seconds(), float64(zBytes)/1e6, float64(cpu.Microseconds())/float64(stored), float64(rss)/1024)
		}
		if s.proxy != nil {
			link := time.Duration(float64(linkBytes) / benchRate * float64(time.Second))
			s.sample("link-ms", ms(link))
			s.sample("ratio-link", full.Seconds()/link.Seconds())
			s.sample("nochange-rtt", again.Seconds()/(2*benchDelay).Seconds())
			s.sample("nochange-floor-rtt", againFloor.Seconds()/(2*benchDelay).Seconds())
			s.sample("link-head-ms", ms(head))
			s.sample("link-gap-ms", ms(gap))
			s.sample("link-tail-ms", ms(tail))
			line += fmt.Sprintf("; link: %.1f MB read by the sync, %s at %.0f Mbit/s (sync %.2fx: %s to the first FETCH data, then %s carrying and %s idle, %s after the last byte); no-change sync %.1f round trips",
				float64(linkBytes)/1e6, link.Round(time.Millisecond), benchRate*8/1e6, full.Seconds()/link.Seconds(),
				head.Round(time.Millisecond), busy.Round(time.Millisecond), gap.Round(time.Millisecond), tail.Round(time.Millisecond),
				again.Seconds()/(2*benchDelay).Seconds())
		}
		b.Log(line + beforeLine)
	}
	// Medians, and the range when there are several runs.
	for _, name := range s.order {
		v := slices.Clone(s.samples[name])
		slices.Sort(v)
		b.ReportMetric(v[len(v)/2], name)
	}
	if b.N > 1 {
		var ranges []string
		for _, name := range s.order {
			v := slices.Clone(s.samples[name])
			slices.Sort(v)
			ranges = append(ranges, fmt.Sprintf("%s %.3g (%.3g-%.3g)", name, v[len(v)/2], v[0], v[len(v)-1]))
		}
		b.Logf("medians (range) over %d runs: %s", b.N, strings.Join(ranges, ", "))
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
	return writeConfigAt(tb, dir, srv, srv.Addr)
}

// writeConfigAt writes a config for srv reached at addr (a proxy's).
func writeConfigAt(tb testing.TB, dir string, srv *dovecot.Server, addr string) string {
	tb.Helper()
	host, port, _ := strings.Cut(addr, ":")
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

// benchVariant writes a copy of the config at cfg whose store is
// name+".db" beside it, with old replaced by new (when old is not
// empty), and returns its path.
func benchVariant(tb testing.TB, cfg, name, old, new string) string {
	tb.Helper()
	data, err := os.ReadFile(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	dir := filepath.Dir(cfg)
	c := strings.Replace(string(data), filepath.Join(dir, "rekindle.db"), filepath.Join(dir, name+".db"), 1)
	if old != "" {
		if !strings.Contains(c, old) {
			tb.Fatalf("config %s lacks %q", cfg, old)
		}
		c = strings.Replace(c, old, new, 1)
	}
	path := filepath.Join(dir, name+".yaml")
	if err := os.WriteFile(path, []byte(c), 0o600); err != nil {
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
//
// The peak RSS is the child's VmHWM, read from /proc every few
// milliseconds while it runs: its rusage would not do, since a child
// started from this (large) process reports this process's peak too
// (Linux accounts the forking process's memory to it until the exec).
// Without /proc, it is that rusage.
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
	if err := cmd.Start(); err != nil {
		tb.Fatalf("rekindle sync: %v", err)
	}
	var (
		hwm  int64
		stop = make(chan struct{})
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		name := filepath.Base(bin)
		if len(name) > 15 {
			name = name[:15] // the kernel's comm
		}
		for {
			if kb := vmHWM(status, name); kb > hwm {
				hwm = kb
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	err := cmd.Wait()
	wall := time.Since(start)
	close(stop)
	<-done
	if err != nil {
		tb.Fatalf("rekindle sync: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	rss := hwm
	if ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage); rss == 0 && ru != nil {
		rss = ru.Maxrss
	}
	return wall, rss, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), stdout.Bytes()
}

// vmHWM reads the VmHWM line of a /proc/PID/status file, in KB, when
// the process is called name; 0 otherwise (the process is gone, or it has
// not exec'd yet and is still a copy of this one).
func vmHWM(path, name string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	s := string(b)
	if first, _, _ := strings.Cut(s, "\n"); strings.TrimSpace(strings.TrimPrefix(first, "Name:")) != name {
		return 0
	}
	_, v, ok := strings.Cut(s, "VmHWM:")
	if !ok {
		return 0
	}
	v, _, _ = strings.Cut(v, "\n")
	var kb int64
	fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), &kb)
	return kb
}

// selfCPU is the CPU time (user and system) this process has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(syscall.TimevalToNsec(ru.Utime) + syscall.TimevalToNsec(ru.Stime))
}

// BenchmarkSyncSmallMailbox times the first sync of a small mailbox
// through the latency link (benchDelay each way, benchRate): 600 messages
// in INBOX, 300 in Sent, and five empty folders, as a new user's account
// often has (Archive, Notes...). At this size the round trips are most of
// the time: sync-ms, and sync-rtt in round trips. REKINDLE_BENCH_BIN runs
// another binary; REKINDLE_BENCH_BEFORE=binary alternates an older build
// with it, for before-sync-ms.
func BenchmarkSyncSmallMailbox(b *testing.B) {
	srv := dovecot.Start(b, benchServerOptions())
	if err := srv.LoadMaildir("INBOX", syMails("INBOX", "in", 600)); err != nil {
		b.Fatal(err)
	}
	if err := srv.LoadMaildir("Sent", syMails("Sent", "out", 300)); err != nil {
		b.Fatal(err)
	}
	c, err := srv.Login(nil)
	if err != nil {
		b.Fatal(err)
	}
	for _, f := range []string{"Archive", "Notes", "Receipts", "Projects", "Travel"} {
		if err := c.Create(f, nil).Wait(); err != nil {
			b.Fatal(err)
		}
	}
	c.Close()
	bin := os.Getenv("REKINDLE_BENCH_BIN")
	if bin == "" {
		bin = buildRekindle(b)
	}
	bins := map[string]string{"sync-ms": bin}
	if before := os.Getenv("REKINDLE_BENCH_BEFORE"); before != "" {
		bins["before-sync-ms"] = before
	}
	proxy := syStartShapedProxy(b, srv.Addr, benchDelay, benchRate)
	samples := map[string][]float64{}
	b.ResetTimer()
	for i := range b.N {
		order := []string{"sync-ms", "before-sync-ms"}
		if i%2 == 1 {
			slices.Reverse(order)
		}
		for _, name := range order {
			if bins[name] == "" {
				continue
			}
			dir := b.TempDir()
			wall, _, _, out := runSync(b, bins[name], writeConfigAt(b, dir, srv, proxy.syAddr()), "")
			var res []struct{ Folders []struct{ Messages int } }
			stored := 0
			if err := json.Unmarshal(out, &res); err == nil && len(res) == 1 {
				for _, f := range res[0].Folders {
					stored += f.Messages
				}
			}
			if stored != 900 {
				b.Fatalf("%s stored %d messages, want 900: %s", bins[name], stored, out)
			}
			samples[name] = append(samples[name], float64(wall.Microseconds())/1000)
		}
	}
	b.StopTimer()
	for name, v := range samples {
		slices.Sort(v)
		b.ReportMetric(v[len(v)/2], name)
		if name == "sync-ms" {
			b.ReportMetric(v[len(v)/2]/float64((2*benchDelay).Milliseconds()), "sync-rtt")
		}
	}
}
