// Package sdnotify speaks systemd's notification protocol (sd_notify(3)):
// it tells the service manager that the service is ready, reloading or
// stopping, what it is doing (STATUS=), and that it is alive (WATCHDOG=1).
//
// A Notifier is made from the environment systemd sets: NOTIFY_SOCKET,
// WATCHDOG_USEC and WATCHDOG_PID. Outside systemd NOTIFY_SOCKET is unset,
// and the Notifier does nothing, so callers need no "are we under
// systemd?" branch.
package sdnotify

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// The states a service reports; see sd_notify(3).
const (
	// Ready says start-up (or a reload) is finished.
	Ready = "READY=1"
	// Reloading says the service is reloading its configuration; send
	// MonotonicUsec with it, and Ready when done.
	Reloading = "RELOADING=1"
	// Stopping says the service is shutting down.
	Stopping = "STOPPING=1"
	// Watchdog is the keep-alive ping expected every WatchdogInterval.
	Watchdog = "WATCHDOG=1"
)

// Status returns a STATUS= assignment: a one-line description shown by
// systemctl status. Line breaks in s become spaces, since a line break
// would end the assignment.
func Status(s string) string {
	return "STATUS=" + strings.Join(strings.Fields(s), " ")
}

// MonotonicUsec returns the MONOTONIC_USEC= assignment systemd 253 and
// later want with RELOADING=1 (Type=notify-reload): CLOCK_MONOTONIC in
// microseconds. Older versions ignore it. It returns "" where the clock
// cannot be read; Notify skips empty states.
func MonotonicUsec() string {
	usec, ok := monotonicUsec()
	if !ok {
		return ""
	}
	return "MONOTONIC_USEC=" + strconv.FormatUint(usec, 10)
}

// Notifier sends notifications to the service manager. The nil *Notifier
// and the one made outside systemd are disabled: their methods do nothing.
// A Notifier is safe for concurrent use.
type Notifier struct {
	addr     *net.UnixAddr
	watchdog time.Duration
}

// FromEnv returns a Notifier for the socket in NOTIFY_SOCKET, with the
// watchdog interval from WATCHDOG_USEC when WATCHDOG_PID is unset or names
// this process. getenv reads the environment; nil means os.Getenv.
//
// NOTIFY_SOCKET is an absolute path or, with a leading '@', a name in
// Linux's abstract socket namespace. When it is unset the Notifier is
// disabled. An error (a malformed variable) comes with a nil, disabled
// Notifier: a service can log it and run on without notifications.
func FromEnv(getenv func(string) string) (*Notifier, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	sock := getenv("NOTIFY_SOCKET")
	if sock == "" {
		return &Notifier{}, nil
	}
	if sock[0] != '/' && sock[0] != '@' {
		// systemd 254 added vsock: addresses, for virtual machines; they
		// are not supported here.
		return nil, fmt.Errorf("NOTIFY_SOCKET=%q: want an absolute path or an abstract name starting with @", sock)
	}
	wd, err := watchdogInterval(getenv)
	if err != nil {
		return nil, err
	}
	// The net package maps a leading '@' to the NUL byte that marks an
	// abstract socket address.
	return &Notifier{addr: &net.UnixAddr{Name: sock, Net: "unixgram"}, watchdog: wd}, nil
}

// watchdogInterval reads WATCHDOG_USEC and WATCHDOG_PID; 0 means no
// watchdog.
func watchdogInterval(getenv func(string) string) (time.Duration, error) {
	usecs := getenv("WATCHDOG_USEC")
	if usecs == "" {
		return 0, nil
	}
	usec, err := strconv.ParseInt(usecs, 10, 64)
	if err != nil || usec < 0 {
		return 0, fmt.Errorf("WATCHDOG_USEC=%q: want a number of microseconds", usecs)
	}
	if pids := getenv("WATCHDOG_PID"); pids != "" {
		pid, err := strconv.Atoi(pids)
		if err != nil {
			return 0, fmt.Errorf("WATCHDOG_PID=%q: want a process id", pids)
		}
		if pid != os.Getpid() {
			// The watchdog is meant for another process (our parent, say,
			// when it started us with its environment).
			return 0, nil
		}
	}
	return time.Duration(usec) * time.Microsecond, nil
}

// Enabled reports whether notifications go anywhere.
func (n *Notifier) Enabled() bool { return n != nil && n.addr != nil }

// WatchdogInterval returns the interval within which systemd expects
// Watchdog, 0 when it expects none. Ping at half of it, as sd_watchdog_enabled(3)
// advises.
func (n *Notifier) WatchdogInterval() time.Duration {
	if !n.Enabled() {
		return 0
	}
	return n.watchdog
}

// Notify sends the states (Ready, Status("..."), ...) in one datagram.
// Empty states are skipped. It does nothing when n is disabled.
func (n *Notifier) Notify(states ...string) error {
	if !n.Enabled() {
		return nil
	}
	var b strings.Builder
	for _, s := range states {
		if s == "" {
			continue
		}
		b.WriteString(s)
		b.WriteByte('\n')
	}
	if b.Len() == 0 {
		return nil
	}
	// A connection per message, as sd_notify does: the socket may be
	// replaced (systemctl daemon-reexec) while the service runs.
	conn, err := net.DialUnix("unixgram", nil, n.addr)
	if err != nil {
		return fmt.Errorf("notify systemd: %w", err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return fmt.Errorf("notify systemd: send %s: %w", firstLine(b.String()), err)
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
