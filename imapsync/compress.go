package imapsync

import (
	"bufio"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"

	"github.com/emersion/go-imap/v2/imapclient"
)

// Compression says when a connection is compressed with IMAP COMPRESS
// (RFC 4978), which a server offers as the capability COMPRESS=DEFLATE.
// A first sync reads tens of megabytes of headers, which DEFLATE makes
// several times smaller: through a slow link that is most of the wait.
// On the same machine or a local network the link is not what limits the
// sync, and compressing only costs both sides CPU.
type Compression string

// The three choices.
const (
	// CompressAuto compresses when the server offers it and its address
	// is neither loopback nor private (RFC 1918, RFC 4193) nor link-local:
	// a server across the internet. The default.
	CompressAuto Compression = "auto"
	// CompressAlways compresses whenever the server offers it.
	CompressAlways Compression = "always"
	// CompressNever never compresses.
	CompressNever Compression = "never"
)

// capCompressDeflate is the capability of a server that compresses.
const capCompressDeflate = "COMPRESS=DEFLATE"

// compressTag tags the COMPRESS command, which rekindle sends itself
// (go-imap has no COMPRESS): it must not be one go-imap uses (T1, T2...).
const compressTag = "RKZ"

// wantCompress reports whether a connection to remote, with the
// account's setting, asks the server to compress.
func wantCompress(setting Compression, remote net.Addr) bool {
	switch setting {
	case CompressAlways:
		return true
	case CompressNever:
		return false
	}
	ap, err := netip.ParseAddrPort(remote.String())
	if err != nil {
		return false
	}
	ip := ap.Addr().Unmap()
	return !ip.IsLoopback() && !ip.IsPrivate() && !ip.IsLinkLocalUnicast() && !ip.IsUnspecified()
}

// deflateConn is the connection go-imap talks over, which can switch
// both directions to DEFLATE (RFC 4978) once logged in. go-imap has no
// COMPRESS command; this sits below it, so that go-imap reads and writes
// IMAP as always and never sees the switch: start writes the command
// itself, and the reads (go-imap's one reading goroutine) pick the
// server's tagged answer out of the stream, hide it, and inflate what
// follows an OK.
//
// Only one goroutine reads (go-imap's decoder), so the read side's
// fields belong to it; mu guards what start and Write share with it.
type deflateConn struct {
	net.Conn
	br *bufio.Reader // over Conn

	mu      sync.Mutex
	pending bool       // COMPRESS sent, its answer not yet read
	answer  chan error // where the reader reports that answer
	readErr error      // what ended the reads, if they ended
	wmu     sync.Mutex // orders writes; held by start until the answer
	deflate bool       // writes are DEFLATE from now on
	block   []byte     // the stored block being written, reused

	// The reader's own.
	rest []byte    // a line read while pending, not yet handed on
	in   io.Reader // the inflater, once compressed
}

func newDeflateConn(c net.Conn) *deflateConn {
	return &deflateConn{Conn: c, br: bufio.NewReaderSize(c, 32<<10)}
}

// errCompressRefused is the server's NO or BAD to COMPRESS DEFLATE.
var errCompressRefused = errors.New("the server refused COMPRESS DEFLATE")

// start sends COMPRESS DEFLATE and waits for the server's answer (the
// caller bounds the wait: a connection closed ends it); from an OK on,
// both directions are compressed. Nothing else may be in flight: start
// is called right after logging in, before any other command.
func (c *deflateConn) start() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	answer := make(chan error, 1)
	c.mu.Lock()
	if err := c.readErr; err != nil {
		c.mu.Unlock()
		return err
	}
	c.pending, c.answer = true, answer
	c.mu.Unlock()
	if _, err := io.WriteString(c.Conn, compressTag+" COMPRESS DEFLATE\r\n"); err != nil {
		return err
	}
	if err := <-answer; err != nil {
		return err
	}
	c.deflate = true
	return nil
}

// Write writes p, as DEFLATE once COMPRESS took effect. Commands are
// short and unlike one another, so rekindle does not compress them: it
// writes them as stored DEFLATE blocks (RFC 1951 3.2.4), then the empty
// stored block of a sync flush, which RFC 4978 asks for at the end of
// each command: the server inflates all of it at once. (compress/flate's
// writer would write the same at NoCompression, with 640 KB of hash
// tables a connection.)
func (c *deflateConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if !c.deflate {
		return c.Conn.Write(p)
	}
	c.block = appendStored(c.block[:0], p)
	if _, err := c.Conn.Write(c.block); err != nil {
		return 0, err
	}
	return len(p), nil
}

// appendStored appends p to b as non-final stored DEFLATE blocks of at
// most 65,535 bytes each (a header byte: BFINAL 0, BTYPE 00, padding;
// LEN and its complement NLEN, little-endian; the bytes), and the empty
// one of a sync flush.
func appendStored(b, p []byte) []byte {
	for len(p) > 0 {
		n := min(len(p), 0xffff)
		b = append(b, 0, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		b = append(b, p[:n]...)
		p = p[n:]
	}
	return append(b, 0, 0, 0, 0xff, 0xff)
}

// Read reads the server's answers for go-imap, inflated once compressed,
// the answer to COMPRESS left out.
func (c *deflateConn) Read(p []byte) (int, error) {
	if len(c.rest) > 0 {
		n := copy(p, c.rest)
		c.rest = c.rest[n:]
		return n, nil
	}
	if c.in != nil {
		n, err := c.in.Read(p)
		if err != nil && !errors.Is(err, io.EOF) && !isNetErr(err) {
			err = fmt.Errorf("reading the server's compressed answers: %w", err)
		}
		return n, err
	}
	// Wait for bytes before looking at pending: an answer to COMPRESS
	// arrives only after pending was set, so bytes that arrived while it
	// was clear hold none.
	if _, err := c.br.Peek(1); err != nil {
		c.mu.Lock()
		c.readErr = err
		c.mu.Unlock()
		c.resolve(err)
		return 0, err
	}
	c.mu.Lock()
	pending := c.pending
	c.mu.Unlock()
	if !pending {
		return c.br.Read(p)
	}
	line, err := c.br.ReadSlice('\n')
	if err == nil && bytes.HasPrefix(line, []byte(compressTag+" ")) {
		status, text, _ := bytes.Cut(bytes.TrimSpace(line[len(compressTag)+1:]), []byte(" "))
		if bytes.EqualFold(status, []byte("OK")) {
			c.in = flate.NewReader(c.br)
			c.resolve(nil)
			return c.Read(p)
		}
		c.resolve(fmt.Errorf("%w: %s %s", errCompressRefused, status, text))
		return c.Read(p)
	}
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		c.resolve(err)
		if len(line) == 0 {
			return 0, err
		}
	}
	// Anything else (an untagged response) is go-imap's.
	c.rest = append(c.rest[:0], line...)
	return c.Read(p)
}

// resolve reports the answer to a pending COMPRESS (nil: it took
// effect), or the error that ended the wait for it.
func (c *deflateConn) resolve(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.pending {
		return
	}
	c.pending = false
	c.answer <- err
}

// isNetErr reports whether err came from the connection itself, which
// go-imap and the watchdog explain.
func isNetErr(err error) bool {
	var ne net.Error
	var st *StallError
	return errors.As(err, &ne) || errors.As(err, &st) || errors.Is(err, net.ErrClosed)
}

// compress asks the server to compress the connection dc carries, if it
// offers to. It reports whether the connection is now compressed. A
// server that offers COMPRESS=DEFLATE but refuses it leaves the
// connection as it was, uncompressed and usable.
func compress(c *imapclient.Client, dc *deflateConn) (bool, error) {
	if !c.Caps().Has(capCompressDeflate) {
		return false, nil
	}
	err := dc.start()
	if errors.Is(err, errCompressRefused) {
		return false, nil
	}
	return err == nil, err
}
