package e2e

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rekindle/rekindle/daemon"
	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/store"
	"github.com/rekindle/rekindle/synth"
)

// BenchmarkDaemonIdle runs "rekindle run" under a NOTIFY_SOCKET, as
// systemd would, against Dovecot with the end-to-end suite's mailbox
// (about 5,000 messages) and a one-minute sync interval, twice: polling
// only (poll), and with sync.idle: true, one more connection waiting in
// IMAP IDLE on INBOX (idle). It reports the time from start to READY=1,
// then, after the first sync, the daemon's CPU use and RSS over
// REKINDLE_BENCH_IDLE_MINUTES (default 3) minutes of syncs that find
// nothing new, and the median time the daemon logged for each of those
// syncs (nochange-sync-ms: no process to start, the store open); then
// deliver-ms, the time from a message's APPEND to INBOX, right after a
// sync finished, to the store holding it: the worst case of polling,
// about the interval, against IDLE's debounce and a sync; then the time
// SIGTERM takes. Run with -benchtime 1x.
func BenchmarkDaemonIdle(b *testing.B) {
	minutes := 3
	if v := os.Getenv("REKINDLE_BENCH_IDLE_MINUTES"); v != "" {
		fmt.Sscan(v, &minutes)
	}
	srv := dovecot.Start(b, dovecot.Options{})
	if _, err := srv.LoadSynth(synth.Options{Seed: 11, Messages: 5000}); err != nil {
		b.Fatal(err)
	}
	bin := buildRekindle(b)
	for _, mode := range []struct {
		name string
		idle bool
	}{{"poll", false}, {"idle", true}} {
		b.Run(mode.name, func(b *testing.B) {
			dir := b.TempDir()
			cfg := writeConfig(b, dir, srv)
			appendConfig(b, cfg, fmt.Sprintf("sync: {interval: 1m, idle: %v}", mode.idle))
			for i := 0; i < b.N; i++ {
				d := startDaemon(b, bin, cfg, dir)
				ready := d.wait(b, "READY=1", 30*time.Second)
				d.wait(b, "STATUS=last sync", 2*time.Minute)
				cpu0, _ := procCPU(d.cmd.Process.Pid)
				logFrom := len(d.log())
				t0 := time.Now()
				var maxRSS int64
				for time.Since(t0) < time.Duration(minutes)*time.Minute {
					time.Sleep(5 * time.Second)
					rss, err := procRSS(d.cmd.Process.Pid)
					if err != nil {
						b.Fatal(err)
					}
					maxRSS = max(maxRSS, rss)
				}
				cpu1, _ := procCPU(d.cmd.Process.Pid)
				elapsed := time.Since(t0)
				log := d.log()
				syncs := strings.Count(log, "sync finished")
				// The syncs of the window found nothing new: what the
				// service spends on each, with no process to start and
				// the store open.
				idleSyncs := syncElapsed(b, log[logFrom:])

				// Deliver right after a sync: polling finds the message
				// an interval later, IDLE at once.
				d.drain()
				d.wait(b, "STATUS=syncing since", 2*time.Minute)
				d.wait(b, "STATUS=last sync", 2*time.Minute)
				deliver := deliverAndWait(b, srv, filepath.Join(dir, "rekindle.db"), fmt.Sprintf("bench-%s-%d@e2e.example", mode.name, i), 3*time.Minute)
				stopped := d.stop(b)

				idle := 100 * float64(cpu1-cpu0) / float64(elapsed)
				b.ReportMetric(float64(ready.Milliseconds()), "ready-ms")
				b.ReportMetric(idle, "idle-cpu-%")
				b.ReportMetric(float64(maxRSS)/1024, "idle-rss-MB")
				b.ReportMetric(float64(deliver.Milliseconds()), "deliver-ms")
				b.ReportMetric(float64(stopped.Milliseconds()), "stop-ms")
				var syncMedian time.Duration
				if len(idleSyncs) > 0 {
					slices.Sort(idleSyncs)
					syncMedian = idleSyncs[len(idleSyncs)/2]
					b.ReportMetric(float64(syncMedian.Microseconds())/1000, "nochange-sync-ms")
				}
				b.Logf("%s: READY after %s; over %s of idle syncs (%d logged, %d in the window, median %s each): CPU %.3f%% of a core, RSS up to %.1f MB; "+
					"APPEND to store %s; stopped in %s",
					mode.name, ready.Round(time.Millisecond), elapsed.Round(time.Second), syncs, len(idleSyncs), syncMedian.Round(100*time.Microsecond),
					idle, float64(maxRSS)/1024, deliver.Round(time.Millisecond), stopped.Round(time.Millisecond))
			}
		})
	}
}

// finishedSync matches the daemon's log line of a sync that succeeded,
// with its time.
var finishedSync = regexp.MustCompile(`msg="sync finished" .*\belapsed=(\S+)`)

// syncElapsed reads the time of each successful sync in a daemon's text
// log.
func syncElapsed(tb testing.TB, log string) []time.Duration {
	tb.Helper()
	var out []time.Duration
	for _, m := range finishedSync.FindAllStringSubmatch(log, -1) {
		d, err := time.ParseDuration(m[1])
		if err != nil {
			tb.Fatalf("sync finished with elapsed=%q: %v", m[1], err)
		}
		out = append(out, d)
	}
	return out
}

// appendConfig adds lines to the configuration file at path.
func appendConfig(tb testing.TB, path, lines string) {
	tb.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	fmt.Fprintln(f, lines)
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// daemonProc is "rekindle run" started as systemd would start it, with a
// NOTIFY_SOCKET whose datagrams go to msgs, and its output in a file.
type daemonProc struct {
	cmd     *exec.Cmd
	start   time.Time
	msgs    chan string
	ln      *net.UnixConn
	logFile *os.File
	exited  bool
}

var daemonProcs atomic.Int32

// startDaemon starts "rekindle run" with cfg; its socket and log are in
// dir. The test's cleanup kills it if it still runs.
func startDaemon(tb testing.TB, bin, cfg, dir string) *daemonProc {
	tb.Helper()
	n := daemonProcs.Add(1)
	sock := filepath.Join(dir, fmt.Sprintf("notify-%d.sock", n))
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		tb.Fatal(err)
	}
	d := &daemonProc{msgs: make(chan string, 1000), ln: ln}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := ln.Read(buf)
			if err != nil {
				close(d.msgs)
				return
			}
			d.msgs <- string(buf[:n])
		}
	}()
	d.cmd = exec.Command(bin, "--config", cfg, "run")
	d.cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
	if d.logFile, err = os.Create(filepath.Join(dir, fmt.Sprintf("daemon-%d.log", n))); err != nil {
		tb.Fatal(err)
	}
	d.cmd.Stdout, d.cmd.Stderr = d.logFile, d.logFile
	d.start = time.Now()
	if err := d.cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if !d.exited {
			d.cmd.Process.Kill()
			d.cmd.Wait()
		}
		ln.Close()
		d.logFile.Close()
	})
	return d
}

// log is what the daemon wrote so far.
func (d *daemonProc) log() string {
	b, _ := os.ReadFile(d.logFile.Name())
	return string(b)
}

// wait waits at most timeout for a notification holding what, and returns
// the time since the daemon started.
func (d *daemonProc) wait(tb testing.TB, what string, timeout time.Duration) time.Duration {
	tb.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case m, ok := <-d.msgs:
			if !ok {
				tb.Fatalf("notify socket closed while waiting for %q", what)
			}
			if strings.Contains(m, what) {
				return time.Since(d.start)
			}
		case <-deadline:
			tb.Fatalf("no %q within %s; log:\n%s", what, timeout, d.log())
		}
	}
}

// drain forgets the notifications received so far.
func (d *daemonProc) drain() {
	for {
		select {
		case <-d.msgs:
		default:
			return
		}
	}
}

// waitLog waits at most timeout until the log holds what n times.
func (d *daemonProc) waitLog(tb testing.TB, what string, n int, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for strings.Count(d.log(), what) < n {
		if time.Now().After(deadline) {
			tb.Fatalf("%q not logged %d times within %s; log:\n%s", what, n, timeout, d.log())
		}
		time.Sleep(20 * time.Millisecond) // polling the log file
	}
}

// stop sends SIGTERM and returns how long the daemon took to exit; it
// fails the test when the daemon exits with an error or takes longer
// than its shutdown bound and a margin.
func (d *daemonProc) stop(tb testing.TB) time.Duration {
	tb.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	start := time.Now()
	exited := make(chan error, 1)
	go func() { exited <- d.cmd.Wait() }()
	select {
	case err := <-exited:
		d.exited = true
		if err != nil {
			tb.Errorf("rekindle run exited with %v; log:\n%s", err, d.log())
		}
	case <-time.After(daemon.DefaultShutdownTimeout + 5*time.Second):
		tb.Fatalf("rekindle run did not exit within %s of SIGTERM; log:\n%s", daemon.DefaultShutdownTimeout+5*time.Second, d.log())
	}
	return time.Since(start)
}

// deliverAndWait APPENDs a message with Message-ID id to INBOX and
// returns how long, from the APPEND's end, the store at dbPath took to
// hold it (account "bench", as writeConfig names it); at most timeout.
func deliverAndWait(tb testing.TB, srv *dovecot.Server, dbPath, id string, timeout time.Duration) time.Duration {
	tb.Helper()
	ctx := context.Background()
	db, err := store.OpenReadOnly(ctx, dbPath)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	before, err := db.Folder(ctx, "bench", "INBOX")
	if err != nil {
		tb.Fatal(err)
	}
	m := syMail("INBOX", id, "delivered", time.Now())
	m.Flags = nil // arrives unread
	if err := srv.Append("INBOX", m); err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	for {
		f, err := db.Folder(ctx, "bench", "INBOX")
		if err != nil {
			tb.Fatal(err)
		}
		if f.LastUID > before.LastUID {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			tb.Fatalf("the delivered message not in the store after %s", timeout)
		}
		time.Sleep(10 * time.Millisecond) // polling the store
	}
}

// procCPU is a process's user and system CPU time so far.
func procCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) start at ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const clkTck = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / clkTck, nil
}

// procRSS is a process's resident set in KB.
func procRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			return strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}
