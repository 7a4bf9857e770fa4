package e2e

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/synth"
)

// BenchmarkDaemonIdle runs "rekindle run" under a NOTIFY_SOCKET, as
// systemd would, against Dovecot with the end-to-end suite's mailbox
// (about 5,000 messages) and a one-minute sync interval. It reports the
// time from start to READY=1, then, after the first sync, the daemon's CPU
// use and RSS over REKINDLE_BENCH_IDLE_MINUTES (default 3) minutes of
// syncs that find nothing new. Run with -benchtime 1x.
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
	dir := b.TempDir()
	cfg := writeConfig(b, dir, srv)
	f, _ := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintln(f, "sync: {interval: 1m}")
	f.Close()

	for i := 0; i < b.N; i++ {
		sock := filepath.Join(dir, fmt.Sprintf("notify-%d.sock", i))
		ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
		if err != nil {
			b.Fatal(err)
		}
		msgs := make(chan string, 100)
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := ln.Read(buf)
				if err != nil {
					close(msgs)
					return
				}
				msgs <- string(buf[:n])
			}
		}()
		cmd := exec.Command(bin, "--config", cfg, "run")
		cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+sock)
		logs, _ := os.Create(filepath.Join(dir, "daemon.log"))
		cmd.Stdout, cmd.Stderr = logs, logs
		start := time.Now()
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		wait := func(what string, d time.Duration) time.Duration {
			deadline := time.After(d)
			for {
				select {
				case m := <-msgs:
					if strings.Contains(m, what) {
						return time.Since(start)
					}
				case <-deadline:
					cmd.Process.Kill()
					log, _ := os.ReadFile(logs.Name())
					b.Fatalf("no %q within %s; log:\n%s", what, d, log)
				}
			}
		}
		ready := wait("READY=1", 30*time.Second)
		wait("last sync", 2*time.Minute)
		cpu0, _ := procCPU(cmd.Process.Pid)
		t0 := time.Now()
		var maxRSS int64
		for time.Since(t0) < time.Duration(minutes)*time.Minute {
			time.Sleep(5 * time.Second)
			rss, err := procRSS(cmd.Process.Pid)
			if err != nil {
				b.Fatal(err)
			}
			maxRSS = max(maxRSS, rss)
		}
		cpu1, _ := procCPU(cmd.Process.Pid)
		elapsed := time.Since(t0)
		cmd.Process.Signal(syscall.SIGTERM)
		stop := time.Now()
		cmd.Wait()
		stopped := time.Since(stop)
		ln.Close()
		logs.Close()
		syncs := 0
		if log, err := os.ReadFile(logs.Name()); err == nil {
			syncs = strings.Count(string(log), "sync finished")
		}
		idle := 100 * float64(cpu1-cpu0) / float64(elapsed)
		b.ReportMetric(float64(ready.Milliseconds()), "ready-ms")
		b.ReportMetric(idle, "idle-cpu-%")
		b.ReportMetric(float64(maxRSS)/1024, "idle-rss-MB")
		b.ReportMetric(float64(stopped.Milliseconds()), "stop-ms")
		b.Logf("READY after %s; over %s of idle syncs (%d logged): CPU %.2f%% of a core, RSS up to %.1f MB; stopped in %s",
			ready.Round(time.Millisecond), elapsed.Round(time.Second), syncs, idle, float64(maxRSS)/1024, stopped.Round(time.Millisecond))
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
