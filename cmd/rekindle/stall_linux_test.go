package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// groupRuns lists the processes of process group pgid that are not
// zombies (an orphan's zombie may wait forever for a PID 1 that does not
// reap, in a container; it runs nothing).
func groupRuns(pgid int) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) >= 3 && f[0] != "Z" && f[2] == strconv.Itoa(pgid) {
			out = append(out, e.Name())
		}
	}
	return out
}

// Interrupting `rekindle sync` (SIGTERM or Ctrl-C cancel its context)
// while a password_command waits kills the command and everything it
// started, and the sync reports an interruption.
func TestSyncInterruptKillsPasswordCommand(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	e := newDigestEnv(t)
	pgidFile := filepath.Join(t.TempDir(), "pgid")
	rewriteConfig(t, e.cfg, "password: imap-pw",
		fmt.Sprintf(`password_command: "echo $$ > %s.tmp && mv %s.tmp %s; sleep 1000 & sleep 1000"`, pgidFile, pgidFile, pgidFile))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main(ctx, []string{"--config", e.cfg, "sync"}, strings.NewReader(""), &stdout, &stderr)
	}()
	var pgid int
	waitFor(t, "the password command", 10*time.Second, func() bool {
		b, err := os.ReadFile(pgidFile)
		pgid, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pgid > 0
	})
	cancel()
	select {
	case code := <-done:
		if code != 130 || !strings.Contains(stderr.String(), "interrupted") {
			t.Errorf("sync after the interrupt: exit %d\n%s%s", code, &stdout, &stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sync did not return within 10s of the interrupt")
	}
	waitFor(t, "the password command's processes to end", 10*time.Second, func() bool { return len(groupRuns(pgid)) == 0 })
}
