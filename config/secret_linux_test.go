package config

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// groupAlive reports whether a process other than a zombie is in process
// group pgid. Zombies are left out: an orphan's zombie waits for a PID 1
// that may never reap it (in a container), but it runs nothing.
func groupAlive(t *testing.T, pgid int) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var alive []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		if g, _ := strconv.Atoi(f[2]); g == pgid {
			alive = append(alive, e.Name()+" "+s[strings.IndexByte(s, '('):strings.LastIndexByte(s, ')')+1])
		}
	}
	return alive
}

// waitGroupGone waits until nothing of process group pgid runs.
func waitGroupGone(t *testing.T, pgid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		alive := groupAlive(t, pgid)
		if len(alive) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d still runs after the command was stopped: %v", pgid, alive)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// groupCommand is a password command that starts a grandchild and waits:
// it writes its process group (its shell's PID, since the shell leads the
// group) to a file.
func groupCommand(t *testing.T) (command string, pgid func() int) {
	dir := t.TempDir()
	file := filepath.Join(dir, "pgid")
	command = fmt.Sprintf(`echo $$ > %s.tmp && mv %s.tmp %s; sleep 1000 & sleep 1000`, file, file, file)
	return command, func() int {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if b, err := os.ReadFile(file); err == nil {
				n, err := strconv.Atoi(strings.TrimSpace(string(b)))
				if err != nil {
					t.Fatal(err)
				}
				return n
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatal("the command never started")
		return 0
	}
}

// TestCommandTimeoutKillsGroup: after the timeout, nothing the command
// started is left running (the shell's children included), and the
// command ran in a group of its own, not rekindle's.
func TestCommandTimeoutKillsGroup(t *testing.T) {
	command, pgid := groupCommand(t)
	imap := IMAP{SecretSource: SecretSource{PasswordCommand: command, key: "accounts[0].imap", timeout: time.Second}}
	_, err := imap.Resolve(context.Background(), "work")
	var te *SecretTimeoutError
	if !errors.As(err, &te) || !strings.Contains(err.Error(), "accounts[0].imap.password_command") {
		t.Fatalf("error = %v, want a timeout naming accounts[0].imap.password_command", err)
	}
	g := pgid()
	if g == syscall.Getpgrp() {
		t.Fatal("the command ran in rekindle's own process group")
	}
	waitGroupGone(t, g)
}

// TestCommandCancelKillsGroup: cancelling the context (SIGTERM, Ctrl-C,
// the daemon stopping) kills the whole group at once, and the error is
// the context's, so that the CLI reports an interruption.
func TestCommandCancelKillsGroup(t *testing.T) {
	command, pgid := groupCommand(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	imap := IMAP{SecretSource: SecretSource{PasswordCommand: command}}
	done := make(chan error, 1)
	go func() {
		_, err := imap.Resolve(ctx, "work")
		done <- err
	}()
	g := pgid()
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "password_command") {
			t.Errorf("error = %v, want context.Canceled naming password_command", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Resolve did not return within 10s of the cancel")
	}
	waitGroupGone(t, g)
}

// TestCommandOnTerminal runs rekindle's side in a process whose
// controlling terminal is a pseudo-terminal, as in an interactive shell:
// a command that prompts on the terminal and reads the answer from it
// works although it runs in its own process group (it is given the
// terminal's foreground, then rekindle takes it back), and Ctrl-C at its
// prompt interrupts rekindle too.
func TestCommandOnTerminal(t *testing.T) {
	if os.Getenv("REKINDLE_TTY_HELPER") != "" {
		ttyHelper()
		return
	}
	for _, tc := range []struct {
		name, input string
		want        []string
	}{
		{"passphrase", "hunter2\n", []string{"GOT hunter2", "FOREGROUND ok"}},
		{"ctrl-c", "\x03", []string{"SIGINT ok", "FOREGROUND ok"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			master, slave := openPTY(t)
			cmd := exec.Command(os.Args[0], "-test.run=^TestCommandOnTerminal$")
			cmd.Env = append(os.Environ(), "REKINDLE_TTY_HELPER=1")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
			cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			slave.Close()
			defer cmd.Process.Kill()

			lines := make(chan string, 100)
			go func() {
				sc := bufio.NewScanner(master)
				for sc.Scan() {
					lines <- strings.TrimSpace(sc.Text())
				}
				close(lines)
			}()
			var got []string
			timeout := time.After(20 * time.Second)
		read:
			for {
				select {
				case l, ok := <-lines:
					if !ok {
						break read
					}
					got = append(got, l)
					if l == "PROMPT" {
						// The command is in the foreground, reading.
						master.Write([]byte(tc.input))
					}
					if l == "DONE" {
						break read
					}
				case <-timeout:
					t.Fatalf("the helper did not finish within 20s; it printed %q", got)
				}
			}
			out := strings.Join(got, "\n")
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("helper output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// ttyHelper is the process on the pseudo-terminal.
func ttyHelper() {
	sigint := make(chan os.Signal, 1)
	signal.Notify(sigint, os.Interrupt)
	c := secretCommand{who: "account \"work\"", key: "password_command", timeout: 10 * time.Second,
		command: `echo PROMPT > /dev/tty; read -r pw < /dev/tty && echo "$pw"`}
	v, err := c.run(context.Background())
	switch {
	case err == nil:
		fmt.Println("GOT", v)
	default:
		fmt.Println("ERROR", err)
	}
	select {
	case <-sigint:
		fmt.Println("SIGINT ok")
	case <-time.After(200 * time.Millisecond):
	}
	tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
	if err == nil {
		pgrp, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
		if err == nil && pgrp == syscall.Getpgrp() {
			fmt.Println("FOREGROUND ok")
		} else {
			fmt.Println("FOREGROUND lost:", pgrp, err)
		}
	}
	fmt.Println("DONE")
	os.Exit(0)
}

// openPTY opens a pseudo-terminal pair.
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open the pseudo-terminal: %v", err)
	}
	return m, s
}
