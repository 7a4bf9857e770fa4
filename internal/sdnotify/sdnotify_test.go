package sdnotify

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// env returns a getenv reading m.
func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// listen opens a unixgram socket at name (a path, or @abstract).
func listen(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// read reads one datagram, failing after a generous deadline.
func read(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64<<10)
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestNotifySockets(t *testing.T) {
	for _, tc := range []struct {
		name string
		sock func(t *testing.T) string
	}{
		{"path", func(t *testing.T) string { return filepath.Join(t.TempDir(), "notify") }},
		{"abstract", func(t *testing.T) string {
			return "@rekindle-sdnotify-test-" + strconv.Itoa(os.Getpid()) + "-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sock := tc.sock(t)
			conn := listen(t, sock)
			n, err := FromEnv(env(map[string]string{"NOTIFY_SOCKET": sock}))
			if err != nil {
				t.Fatal(err)
			}
			if !n.Enabled() {
				t.Fatal("Enabled() = false with NOTIFY_SOCKET set")
			}
			if err := n.Notify(Ready, "", Status("synced\n3 folders")); err != nil {
				t.Fatal(err)
			}
			if got, want := read(t, conn), "READY=1\nSTATUS=synced 3 folders\n"; got != want {
				t.Errorf("datagram = %q, want %q", got, want)
			}
			if err := n.Notify(Reloading, MonotonicUsec()); err != nil {
				t.Fatal(err)
			}
			got := read(t, conn)
			if !strings.HasPrefix(got, "RELOADING=1\nMONOTONIC_USEC=") {
				t.Errorf("datagram = %q, want RELOADING=1 and MONOTONIC_USEC", got)
			}
		})
	}
}

func TestNotifyNoListener(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "gone")
	n, err := FromEnv(env(map[string]string{"NOTIFY_SOCKET": sock}))
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Notify(Ready); err == nil {
		t.Error("Notify to a missing socket: no error")
	}
}

func TestDisabled(t *testing.T) {
	var nilN *Notifier
	unset, err := FromEnv(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, n := range map[string]*Notifier{"nil": nilN, "unset": unset} {
		if n.Enabled() {
			t.Errorf("%s: Enabled() = true", name)
		}
		if err := n.Notify(Ready); err != nil {
			t.Errorf("%s: Notify: %v", name, err)
		}
		if d := n.WatchdogInterval(); d != 0 {
			t.Errorf("%s: WatchdogInterval() = %v", name, d)
		}
	}
}

func TestFromEnv(t *testing.T) {
	pid := strconv.Itoa(os.Getpid())
	for _, tc := range []struct {
		name     string
		env      map[string]string
		watchdog time.Duration
		fail     bool
	}{
		{name: "no watchdog", env: map[string]string{}},
		{name: "watchdog", env: map[string]string{"WATCHDOG_USEC": "30000000"}, watchdog: 30 * time.Second},
		{name: "watchdog for us", env: map[string]string{"WATCHDOG_USEC": "1500", "WATCHDOG_PID": pid}, watchdog: 1500 * time.Microsecond},
		{name: "watchdog for another process", env: map[string]string{"WATCHDOG_USEC": "1500", "WATCHDOG_PID": "1"}},
		{name: "watchdog zero", env: map[string]string{"WATCHDOG_USEC": "0"}},
		{name: "bad usec", env: map[string]string{"WATCHDOG_USEC": "30s"}, fail: true},
		{name: "negative usec", env: map[string]string{"WATCHDOG_USEC": "-1"}, fail: true},
		{name: "bad pid", env: map[string]string{"WATCHDOG_USEC": "1", "WATCHDOG_PID": "me"}, fail: true},
		{name: "relative socket", env: map[string]string{"NOTIFY_SOCKET": "run/notify"}, fail: true},
		{name: "vsock", env: map[string]string{"NOTIFY_SOCKET": "vsock:2:1234"}, fail: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := tc.env["NOTIFY_SOCKET"]; !ok {
				tc.env["NOTIFY_SOCKET"] = "/run/systemd/notify"
			}
			n, err := FromEnv(env(tc.env))
			if tc.fail {
				if err == nil {
					t.Fatalf("FromEnv: no error")
				}
				if n.Enabled() {
					t.Error("FromEnv failed but returned an enabled Notifier")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := n.WatchdogInterval(); got != tc.watchdog {
				t.Errorf("WatchdogInterval() = %v, want %v", got, tc.watchdog)
			}
		})
	}
}

func TestMonotonicUsec(t *testing.T) {
	a := MonotonicUsec()
	if a == "" {
		t.Skip("no CLOCK_MONOTONIC here")
	}
	usec := func(s string) uint64 {
		v, err := strconv.ParseUint(strings.TrimPrefix(s, "MONOTONIC_USEC="), 10, 64)
		if err != nil || !strings.HasPrefix(s, "MONOTONIC_USEC=") {
			t.Fatalf("MonotonicUsec() = %q", s)
		}
		return v
	}
	if b := MonotonicUsec(); usec(b) < usec(a) {
		t.Errorf("CLOCK_MONOTONIC went back: %s then %s", a, b)
	}
}
