// Package dovecot runs a private Dovecot IMAP server for end-to-end tests
// and benchmarks: a child process on loopback with its own configuration,
// certificates, ports and Maildir in a temporary directory. It never
// touches the system's Dovecot (/etc/dovecot, systemd).
//
// Start skips the test when Dovecot is not installed, unless CI=true, when
// it fails instead, so that CI can never silently skip the suite.
//
// Running as root (as CI does), the Dovecot master runs as root, its login
// processes as dovenull, its internal services as dovecot (the users the
// Debian package creates; nobody when they are missing) and the mail
// processes as nobody:nogroup, which owns the Maildir. Running as another
// user, every process runs as that user.
package dovecot

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"
)

// Options configure a Server. The zero value is ready to use.
type Options struct {
	// User and Password of the one account; "jane" and a fixed test
	// password by default.
	User, Password string
	// StartTimeout bounds the wait for Dovecot to greet on both ports;
	// 20 seconds by default.
	StartTimeout time.Duration
	// Keep leaves the temporary directory in place after Close, for
	// looking at the log and the Maildir.
	Keep bool
	// Compress loads the imap_zlib plugin: the server offers
	// COMPRESS=DEFLATE (RFC 4978) after login, at Dovecot's default
	// level, as servers across the internet commonly do.
	Compress bool
	// TempDir is where the server's directory is made: TempDir, else
	// $REKINDLE_DOVECOT_TMPDIR, else os.TempDir(). On a shared or slow
	// disk, file creation dominates LoadMaildir and varies widely; a
	// tmpfs such as /dev/shm makes benchmark timings stable.
	TempDir string
}

// DefaultPassword is the account's password when Options.Password is empty.
const DefaultPassword = "rekindle-test-secret"

// Server is a running private Dovecot.
type Server struct {
	// Addr is 127.0.0.1:PORT of the implicit-TLS listener (imaps).
	Addr string
	// StartTLSAddr is 127.0.0.1:PORT of the plain listener offering
	// STARTTLS. Dovecot 2.3 counts a loopback connection as secure and
	// lets it log in without STARTTLS; a test that a client insists on
	// TLS must check the client, not rely on this server refusing.
	StartTLSAddr string
	// CAFile is the PEM file of the CA that signed the server's
	// certificate (for 127.0.0.1, ::1 and localhost); CAPEM is its content.
	CAFile string
	CAPEM  []byte
	// User and Password log in to the one account.
	User, Password string
	// Dir is the temporary directory holding everything; Maildir is the
	// account's Maildir (LAYOUT=fs: INBOX at its root, "Lists/x" in
	// Lists/x); LogFile is Dovecot's log.
	Dir, Maildir, LogFile string

	greeting string
	compress bool
	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	owner    owner // who the mail processes run as
	keep     bool

	mu       sync.Mutex
	folders  map[string]*folder
	seq      uint64
	epoch    int64
	closed   bool
	closeErr error
}

// Binary returns the path of the dovecot binary, or an error saying how
// to install it. $REKINDLE_DOVECOT_BIN, when set, names the binary.
func Binary() (string, error) {
	if p := os.Getenv("REKINDLE_DOVECOT_BIN"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("REKINDLE_DOVECOT_BIN: %w", err)
		}
		return p, nil
	}
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p, nil
	}
	for _, p := range []string{"/usr/sbin/dovecot", "/usr/local/sbin/dovecot"} {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", errors.New("dovecot is not installed (apt-get install dovecot-imapd)")
}

// Start starts a private Dovecot for a test or benchmark and stops it when
// the test ends. Without Dovecot it skips, or fails when CI=true.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	if _, err := Binary(); err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("CI=true and %v: the Dovecot end-to-end tests must run in CI", err)
		}
		tb.Skipf("skipping the Dovecot end-to-end test: %v", err)
	}
	s, err := New(opts)
	if err != nil {
		tb.Fatalf("start dovecot: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("stop dovecot: %v", err)
		}
	})
	return s
}

// New starts a private Dovecot. The caller must Close it.
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
	// A port picked free can be taken before Dovecot binds it; try again
	// with new ports when that happens.
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

func start(bin string, opts Options) (s *Server, err error) {
	dir, err := tempDir(opts.TempDir)
	if err != nil {
		return nil, err
	}
	s = &Server{
		User: opts.User, Password: opts.Password, Dir: dir, keep: opts.Keep, compress: opts.Compress,
		Maildir: filepath.Join(dir, "home", "Maildir"), LogFile: filepath.Join(dir, "dovecot.log"),
		folders: map[string]*folder{}, epoch: time.Now().Unix(), exited: make(chan struct{}),
	}
	defer func() {
		if err != nil && !opts.Keep {
			os.RemoveAll(dir)
		}
	}()
	if s.owner, err = mailOwner(); err != nil {
		return nil, err
	}
	if err := s.writeFiles(); err != nil {
		return nil, err
	}
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	s.StartTLSAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	id := make([]byte, 6)
	_, _ = rand.Read(id)
	s.greeting = "rekindle test dovecot " + hex.EncodeToString(id) + " ready."
	conf, err := s.config(ports, hex.EncodeToString(id))
	if err != nil {
		return nil, err
	}
	confPath := filepath.Join(dir, "dovecot.conf")
	if err := os.WriteFile(confPath, conf, 0o644); err != nil {
		return nil, err
	}

	var out bytes.Buffer
	s.cmd = exec.Command(bin, "-F", "-c", confPath)
	s.cmd.Stdout, s.cmd.Stderr = &out, &out
	s.cmd.SysProcAttr = sysProcAttr()
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitReady(opts.StartTimeout); err != nil {
		s.stop()
		<-s.exited
		return nil, fmt.Errorf("%w\ndovecot output: %s\ndovecot log (%s):\n%s", err, strings.TrimSpace(out.String()), s.LogFile, s.LogTail(30))
	}
	return s, nil
}

// tempDir makes the server's directory, short enough for Dovecot's UNIX
// sockets (108 bytes) and open to the unprivileged mail processes.
func tempDir(base string) (string, error) {
	if base == "" {
		base = os.Getenv("REKINDLE_DOVECOT_TMPDIR")
	}
	if base == "" {
		if base = os.TempDir(); len(base) > 40 {
			base = "/tmp"
		}
	}
	if len(base) > 40 {
		return "", fmt.Errorf("temporary directory %s: too long for Dovecot's UNIX sockets", base)
	}
	dir, err := os.MkdirTemp(base, "dovecot-")
	if err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	return dir, nil
}

// owner is who the mail processes run as and own the Maildir.
type owner struct {
	uid, gid int
	// chown is set when running as root: the files written must be given
	// to the mail user. Otherwise every process is the current user.
	chown bool
}

// mailOwner is nobody:nogroup when running as root (Dovecot refuses mail
// access as root) and the current user otherwise.
func mailOwner() (owner, error) {
	name := "nobody"
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return owner{}, fmt.Errorf("find the current user: %w", err)
		}
		name = u.Username
	}
	u, err := user.Lookup(name)
	if err != nil {
		return owner{}, fmt.Errorf("find user %s for the mail processes: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return owner{uid: uid, gid: gid, chown: os.Geteuid() == 0}, nil
}

// users returns the login and internal users for the config.
func (s *Server) users() (login, internal string, err error) {
	if !s.owner.chown {
		u, err := user.Current()
		if err != nil {
			return "", "", err
		}
		return u.Username, u.Username, nil
	}
	login, internal = "dovenull", "dovecot"
	if _, err := user.Lookup(login); err != nil {
		login = "nobody"
	}
	if _, err := user.Lookup(internal); err != nil {
		internal = "nobody"
	}
	return login, internal, nil
}

func (s *Server) writeFiles() error {
	certPEM, keyPEM, caPEM, err := certificates()
	if err != nil {
		return fmt.Errorf("make certificates: %w", err)
	}
	s.CAPEM = caPEM
	s.CAFile = filepath.Join(s.Dir, "ca.pem")
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"ca.pem", caPEM, 0o644},
		{"cert.pem", certPEM, 0o644},
		{"key.pem", keyPEM, 0o600},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(s.Dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	home := filepath.Dir(s.Maildir)
	for _, d := range []string{home, s.Maildir, filepath.Join(s.Maildir, "cur"), filepath.Join(s.Maildir, "new"), filepath.Join(s.Maildir, "tmp")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return err
		}
		if err := s.chown(d); err != nil {
			return err
		}
	}
	s.folders["INBOX"] = &folder{dir: s.Maildir}
	return nil
}

// chown gives a file to the mail user when running as root.
func (s *Server) chown(path string) error {
	if !s.owner.chown {
		return nil
	}
	return os.Lchown(path, s.owner.uid, s.owner.gid)
}

var confTmpl = template.Must(template.New("dovecot.conf").Parse(`# A private Dovecot for rekindle's tests, written by internal/dovecot.
# Everything lives in {{.Dir}}; nothing here is fit for production.
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/state
instance_name = rekindle-{{.ID}}
log_path = {{.Dir}}/dovecot.log
info_log_path = {{.Dir}}/dovecot.log
debug_log_path = {{.Dir}}/dovecot.log
protocols = imap
listen = 127.0.0.1
shutdown_clients = yes
login_greeting = {{.Greeting}}

# TLS for every login: imaps, or STARTTLS on the plain port (Dovecot
# still counts loopback clients as secure and lets them log in without it).
ssl = required
ssl_cert = <{{.Dir}}/cert.pem
ssl_key = <{{.Dir}}/key.pem
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes

default_login_user = {{.LoginUser}}
default_internal_user = {{.InternalUser}}
{{- if .Group}}
default_internal_group = {{.Group}}
{{- end}}
first_valid_uid = 1
first_valid_gid = 1

auth_mechanisms = plain login
# Tests try wrong passwords on purpose: no delay after a failure, and no
# anvil auth penalty (see service anvil below) slowing later logins.
auth_failure_delay = 0
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{.Dir}}/passwd
}
userdb {
  driver = passwd-file
  args = username_format=%u {{.Dir}}/passwd
}

# INBOX is the Maildir's root; folder "Lists/x" is the Maildir "Lists/x".
mail_location = maildir:~/Maildir:LAYOUT=fs
# Tests do not survive power cuts; skip the fsyncs.
mail_fsync = never

namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \Drafts
    auto = subscribe
  }
  mailbox Junk {
    special_use = \Junk
    auto = subscribe
  }
  mailbox Trash {
    special_use = \Trash
    auto = subscribe
  }
  mailbox Archive {
    special_use = \Archive
    auto = subscribe
  }
  mailbox "All Mail" {
    special_use = \All
  }
}

protocol imap {
  mail_max_userip_connections = 100
{{- if .Compress}}
  mail_plugins = $mail_plugins imap_zlib
{{- end}}
}

service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = {{.PlainPort}}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = {{.TLSPort}}
    ssl = yes
  }
{{- if .NoChroot}}
  chroot =
{{- end}}
}
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
{{- if .NoChroot}}
  chroot =
{{- end}}
}
{{- if .NoChroot}}
service imap-urlauth-login {
  chroot =
}
{{- end}}
`))

func (s *Server) config(ports []int, id string) ([]byte, error) {
	login, internal, err := s.users()
	if err != nil {
		return nil, err
	}
	uid, gid := s.owner.uid, s.owner.gid
	home := filepath.Dir(s.Maildir)
	passwd := fmt.Sprintf("%s:{PLAIN}%s:%d:%d::%s::\n", s.User, s.Password, uid, gid, home)
	if err := os.WriteFile(filepath.Join(s.Dir, "passwd"), []byte(passwd), 0o644); err != nil {
		return nil, err
	}
	// Not root, every process runs as the current user and group; the
	// sockets Dovecot would give to group "dovecot" go to that group.
	group := ""
	if !s.owner.chown {
		g, err := user.LookupGroupId(strconv.Itoa(gid))
		if err != nil {
			return nil, fmt.Errorf("find the current group: %w", err)
		}
		group = g.Name
	}
	var b bytes.Buffer
	err = confTmpl.Execute(&b, map[string]any{
		"Dir": s.Dir, "ID": id, "Greeting": s.greeting, "LoginUser": login, "InternalUser": internal,
		"Group": group, "PlainPort": ports[0], "TLSPort": ports[1], "NoChroot": !s.owner.chown,
		"Compress": s.compress,
	})
	return b.Bytes(), err
}

// freePorts finds n free loopback ports by listening on port 0. They are
// free when returned, not reserved: New retries when Dovecot loses a race.
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// waitReady waits until both listeners greet with this instance's
// greeting, so a stranger on a reused port is never mistaken for it.
func (s *Server) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tlsConf := s.TLSConfig()
	var last error
	for _, probe := range []func() (net.Conn, error){
		func() (net.Conn, error) { return net.DialTimeout("tcp", s.StartTLSAddr, time.Second) },
		func() (net.Conn, error) {
			return tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", s.Addr, tlsConf)
		},
	} {
		for {
			select {
			case <-s.exited:
				return fmt.Errorf("dovecot exited at start: %v", s.waitErr)
			default:
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("dovecot did not greet within %v: %v", timeout, last)
			}
			last = greets(probe, s.greeting)
			if last == nil {
				break
			}
			if logHas(s.LogFile, "Address already in use") {
				return errors.New("dovecot: a port is already in use")
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return nil
}

func greets(dial func() (net.Conn, error), want string) error {
	c, err := dial()
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return fmt.Errorf("read greeting: %w", err)
		}
		// "* OK Waiting for authentication process to respond.." may
		// come first while auth starts.
		if strings.Contains(line, want) {
			return nil
		}
		if !strings.HasPrefix(line, "* OK") {
			return fmt.Errorf("unexpected greeting %q", line)
		}
	}
}

func logHas(path, s string) bool {
	b, _ := os.ReadFile(path)
	return bytes.Contains(b, []byte(s))
}

// LogTail returns the last n lines of Dovecot's log.
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

// TLSConfig returns a client configuration that trusts only the server's
// CA, for tls.Dial or imapclient.Options.TLSConfig.
func (s *Server) TLSConfig() *tls.Config {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM)
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}
}

// Close stops Dovecot, waiting at most ten seconds, and removes the
// directory unless Options.Keep was set. It is safe to call twice.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return s.closeErr
	}
	s.closed = true
	s.stop()
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
		s.closeErr = fmt.Errorf("dovecot did not stop within 10s; killed\n%s", s.LogTail(20))
	}
	if !s.keep {
		if err := os.RemoveAll(s.Dir); err != nil && s.closeErr == nil {
			s.closeErr = err
		}
	}
	return s.closeErr
}

// stop asks the Dovecot master to shut down; it takes its children along.
func (s *Server) stop() {
	_ = s.cmd.Process.Signal(terminate)
}
