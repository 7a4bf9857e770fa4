// Package radicale runs a private Radicale CardDAV server for tests: a
// child process on loopback with its own configuration, user file and
// storage in a temporary directory. It never touches the system's
// Radicale (/etc/radicale, its service).
//
// Start skips the test when Radicale is not installed, unless CI=true,
// when it fails instead, so that CI can never silently skip the CardDAV
// tests against a real server.
package radicale

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configure a Server. The zero value is ready to use.
type Options struct {
	// User and Password of the one account; "jane" and DefaultPassword
	// by default.
	User, Password string
	// StartTimeout bounds the wait for Radicale to answer; 20 seconds by
	// default (it is a Python program, slow to start on a busy machine).
	StartTimeout time.Duration
	// Keep leaves the temporary directory in place after Close, for
	// looking at the log and the storage.
	Keep bool
}

// DefaultPassword is the account's password when Options.Password is
// empty.
const DefaultPassword = "rekindle-dav-secret"

// Server is a running private Radicale.
type Server struct {
	// URL is the server's root, http://127.0.0.1:PORT/.
	URL string
	// User and Password log in to the one account, whose home is
	// URL + User + "/".
	User, Password string
	// Dir holds everything; LogFile is Radicale's log.
	Dir, LogFile string

	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	keep    bool

	mu       sync.Mutex
	closed   bool
	closeErr error
}

// Binary returns the path of the radicale program, or an error saying
// how to install it. $REKINDLE_RADICALE_BIN, when set, names it.
func Binary() (string, error) {
	if p := os.Getenv("REKINDLE_RADICALE_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("REKINDLE_RADICALE_BIN: %w", err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("radicale"); err == nil {
		return p, nil
	}
	return "", errors.New("radicale is not installed (apt-get install radicale)")
}

// Start starts a private Radicale for a test and stops it when the test
// ends. Without Radicale it skips, or fails when CI=true.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if _, err := Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI=true and %v: the CardDAV tests against Radicale must run in CI", err)
		}
		tb.Skipf("skipping the test against a real CardDAV server: %v", err)
	}
	s, err := New(opts)
	if err != nil {
		tb.Fatalf("start radicale: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("stop radicale: %v", err)
		}
	})
	return s
}

// New starts a private Radicale. The caller must Close it.
func New(opts Options) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if opts.User == "" {
		opts.User = "jane"
	}
	if opts.Password == "" {
		opts.Password = DefaultPassword
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 20 * time.Second
	}
	var lastErr error
	// A port found free can be taken before Radicale binds it: try again
	// with another when that happens.
	for range 3 {
		s, err := start(bin, opts)
		if err == nil {
			return s, nil
		}
		lastErr = err
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	return nil, lastErr
}

func start(bin string, opts Options) (*Server, error) {
	dir, err := os.MkdirTemp("", "radicale-")
	if err != nil {
		return nil, err
	}
	s := &Server{User: opts.User, Password: opts.Password, Dir: dir, LogFile: filepath.Join(dir, "radicale.log"),
		exited: make(chan struct{}), keep: opts.Keep}
	fail := func(err error) (*Server, error) {
		if !opts.Keep {
			os.RemoveAll(dir)
		}
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return fail(err)
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s.URL = "http://" + addr + "/"
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte(s.User+":"+s.Password+"\n"), 0o600); err != nil {
		return fail(err)
	}
	conf := filepath.Join(dir, "config")
	err = os.WriteFile(conf, []byte(fmt.Sprintf(`# A private Radicale for rekindle's tests, written by internal/radicale.
[server]
hosts = %s
[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = plain
# Tests try wrong passwords on purpose.
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = %s
[web]
type = none
[logging]
level = info
`, addr, users, filepath.Join(dir, "collections"))), 0o600)
	if err != nil {
		return fail(err)
	}
	log, err := os.Create(s.LogFile)
	if err != nil {
		return fail(err)
	}
	defer log.Close()
	// --config replaces the default configuration files
	// (/etc/radicale/config, ~/.config/radicale/config).
	s.cmd = exec.Command(bin, "--config", conf)
	s.cmd.Stdout, s.cmd.Stderr = log, log
	s.cmd.Dir = dir
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return fail(fmt.Errorf("run %s: %w", bin, err))
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(opts.StartTimeout); err != nil {
		s.stop()
		return fail(fmt.Errorf("%w\nradicale log (%s):\n%s", err, s.LogFile, s.LogTail(30)))
	}
	return s, nil
}

// freePort finds a free loopback port. It is free when returned, not
// reserved: New retries when Radicale loses a race for it.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// waitReady waits until the server answers a PROPFIND of the user's home
// as this Radicale would (a stranger on a reused port does not know the
// user), or exits, or timeout passes.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	var last error
	for {
		select {
		case <-s.exited:
			if logHas(s.LogFile, "in use") {
				return errors.New("radicale: the port is already in use")
			}
			return fmt.Errorf("radicale exited at start: %v", s.waitErr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("radicale did not answer within %v: %v", timeout, last)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		status, body, err := s.Do(ctx, "PROPFIND", s.URL+s.User+"/", "", nil, map[string]string{"Depth": "0"})
		cancel()
		switch {
		case err != nil:
			last = err
		case status == http.StatusMultiStatus && strings.Contains(body, "/"+s.User+"/"):
			return nil
		default:
			last = fmt.Errorf("PROPFIND answered %d", status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Do sends one request as the user and returns the status and the body.
func (s *Server) Do(ctx context.Context, method, url, contentType string, body []byte, header map[string]string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.SetBasicAuth(s.User, s.Password)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, string(b), err
}

// CreateAddressBook creates an address book named name (a path segment)
// in the user's home, with an extended MKCOL (RFC 5689), and returns its
// URL.
func (s *Server) CreateAddressBook(ctx context.Context, name, displayName string) (string, error) {
	url := s.URL + s.User + "/" + name + "/"
	body := `<?xml version="1.0" encoding="utf-8"?>
<D:mkcol xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
  <D:set><D:prop>
    <D:resourcetype><D:collection/><C:addressbook/></D:resourcetype>
    <D:displayname>` + displayName + `</D:displayname>
  </D:prop></D:set>
</D:mkcol>`
	status, resp, err := s.Do(ctx, "MKCOL", url, "application/xml; charset=utf-8", []byte(body), nil)
	if err != nil {
		return "", err
	}
	if status != http.StatusCreated {
		return "", fmt.Errorf("MKCOL %s: %d %s", url, status, strings.TrimSpace(resp))
	}
	return url, nil
}

// PutCard stores a card in the address book at bookURL under name
// ("jane.vcf"), as a CardDAV client would.
func (s *Server) PutCard(ctx context.Context, bookURL, name, card string) error {
	status, resp, err := s.Do(ctx, http.MethodPut, bookURL+name, "text/vcard; charset=utf-8", []byte(card), nil)
	if err != nil {
		return err
	}
	if status != http.StatusCreated && status != http.StatusNoContent {
		return fmt.Errorf("PUT %s: %d %s", bookURL+name, status, strings.TrimSpace(resp))
	}
	return nil
}

func logHas(path, s string) bool {
	b, _ := os.ReadFile(path)
	return bytes.Contains(b, []byte(s))
}

// LogTail returns the last n lines of Radicale's log.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.LogFile)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Close stops Radicale, waiting at most ten seconds, and removes the
// directory unless Options.Keep was set. It is safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.closeErr
	}
	s.closed = true
	s.stop()
	if !s.keep {
		if err := os.RemoveAll(s.Dir); err != nil && s.closeErr == nil {
			s.closeErr = err
		}
	}
	return s.closeErr
}

// stop asks Radicale to stop and waits for it, killing it after ten
// seconds.
func (s *Server) stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.closeErr = fmt.Errorf("radicale did not stop within 10s; killed\n%s", s.LogTail(20))
	}
}
