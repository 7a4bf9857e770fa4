package e2e

import (
	"io"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/store"
)

// syProxy is a TCP proxy on 127.0.0.1:0 in front of a server. It forwards
// bytes as they are, TLS included (the client verifies the server behind
// it), and can cut a connection in the middle of a response: armed with
// syCutNextAfter(n), the next connection it accepts is closed on both
// sides once n bytes have gone from the server to the client. Started
// with syStartShapedProxy it is a slow link instead: see syShape.
type syProxy struct {
	ln     net.Listener
	target string
	shape  *syShape // nil: bytes go through at once

	// toClient counts the bytes forwarded from the server, over all
	// connections; cuts counts the connections cut.
	toClient atomic.Int64
	cuts     atomic.Int32

	mu    sync.Mutex
	cut   int64 // for the next connection; 0 for none
	conns map[net.Conn]bool
	wg    sync.WaitGroup
}

// syStartProxy starts a proxy to target and stops it when the test ends.
func syStartProxy(t testing.TB, target string) *syProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &syProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	p.wg.Add(1)
	go p.syServe()
	t.Cleanup(p.syClose)
	return p
}

// syAddr is the proxy's address.
func (p *syProxy) syAddr() string { return p.ln.Addr().String() }

// syCutNextAfter arms a cut of the next connection after n bytes from the
// server.
func (p *syProxy) syCutNextAfter(n int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = n
}

func (p *syProxy) syServe() {
	defer p.wg.Done()
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.mu.Lock()
		cut := p.cut
		p.cut = 0
		p.mu.Unlock()
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.syHandle(client, cut)
		}()
	}
}

// syTrack remembers an open connection so that syClose can close it; it
// reports false once the proxy is closed.
func (p *syProxy) syTrack(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = true
	return true
}

func (p *syProxy) syForget(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
	c.Close()
}

func (p *syProxy) syHandle(client net.Conn, cut int64) {
	defer p.syForget(client)
	if !p.syTrack(client) {
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer p.syForget(server)
	if !p.syTrack(server) {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if p.shape == nil {
			_, _ = io.Copy(server, client)
		} else {
			// TCP's handshake: the client's first bytes reach the server
			// a round trip and a half after it connects.
			p.shape.copy(server, client, p.shape.up, time.Now().Add(2*p.shape.delay))
		}
		// The client is gone: let the server see it.
		server.Close()
	}()
	var src io.Reader = server
	if cut > 0 {
		src = io.LimitReader(server, cut)
	}
	var n int64
	if p.shape == nil {
		n, _ = io.Copy(client, &syCounter{r: src, n: &p.toClient})
	} else {
		n = p.shape.copy(client, &syCounter{r: src, n: &p.toClient}, p.shape.down, time.Time{})
	}
	if cut > 0 && n == cut {
		p.cuts.Add(1)
	}
	// The cut, or the server closed: close both sides, like a dropped
	// connection would.
	client.Close()
	server.Close()
	<-done
}

// syShape makes a proxy a slow link: every byte arrives delay after it
// was sent (a round trip is twice delay), and each direction carries at
// most rate bytes a second, shared by all the proxy's connections, as one
// link is.
type syShape struct {
	delay    time.Duration
	up, down *syLink
}

// syLink is one direction of a shaped link: it carries one chunk at a
// time at its rate.
type syLink struct {
	rate float64 // bytes per second
	mu   sync.Mutex
	free time.Time // when the link has sent everything given to it
	// chunks, while recording (syRecord), are the chunks it carried.
	chunks    []syChunk
	recording bool
}

// syChunk is a chunk a link carried: n bytes, the last of which left at
// end.
type syChunk struct {
	n   int
	end time.Time
}

// send reserves the link for n bytes handed to it at now and returns when
// the last of them has left.
func (l *syLink) send(n int, now time.Time) time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	start := l.free
	if now.After(start) {
		start = now
	}
	l.free = start.Add(time.Duration(float64(n) / l.rate * float64(time.Second)))
	if l.recording {
		l.chunks = append(l.chunks, syChunk{n, l.free})
	}
	return l.free
}

// syRecord starts recording the chunks a shaped proxy carries to the
// client.
func (p *syProxy) syRecord() {
	l := p.shape.down
	l.mu.Lock()
	defer l.mu.Unlock()
	l.chunks, l.recording = nil, true
}

// syLinkTimes stops recording and splits the time from start to end (a
// sync's) by what the link to the client did, as the client sees it:
// head, until the first chunk of bulk data (a full read of the proxy's,
// 16 KB: the first FETCH's answers) has arrived; busy, the time the link
// carried bytes after it; gap, the time it stood idle between that chunk
// and the last one; tail, from the last chunk's arrival to end.
func (p *syProxy) syLinkTimes(start, end time.Time) (head, busy, gap, tail time.Duration) {
	l := p.shape.down
	l.mu.Lock()
	chunks := l.chunks
	l.chunks, l.recording = nil, false
	l.mu.Unlock()
	first := slices.IndexFunc(chunks, func(c syChunk) bool { return c.n == 16<<10 })
	if first < 0 {
		return 0, 0, 0, 0
	}
	last := chunks[len(chunks)-1]
	head = chunks[first].end.Add(p.shape.delay).Sub(start)
	tail = end.Sub(last.end.Add(p.shape.delay))
	for _, c := range chunks[first+1:] {
		busy += time.Duration(float64(c.n) / l.rate * float64(time.Second))
	}
	gap = last.end.Sub(chunks[first].end) - busy
	return head, busy, gap, tail
}

// syStartShapedProxy starts a proxy to target that delays each byte by
// delay and caps each direction at rate bytes a second.
func syStartShapedProxy(tb testing.TB, target string, delay time.Duration, rate float64) *syProxy {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &syProxy{ln: ln, target: target, conns: map[net.Conn]bool{},
		shape: &syShape{delay: delay, up: &syLink{rate: rate}, down: &syLink{rate: rate}}}
	p.wg.Add(1)
	go p.syServe()
	tb.Cleanup(p.syClose)
	return p
}

// copy forwards src to dst through link: each chunk read is written once
// the link has carried it and delay has passed, and never before
// notBefore. At most about 2 MB are in flight, so a fast sender waits, as
// it would on TCP. It returns the bytes written.
func (s *syShape) copy(dst io.Writer, src io.Reader, link *syLink, notBefore time.Time) int64 {
	type chunk struct {
		b  []byte
		at time.Time
	}
	chunks := make(chan chunk, 128)
	go func() {
		defer close(chunks)
		for {
			b := make([]byte, 16<<10)
			n, err := src.Read(b)
			if n > 0 {
				at := link.send(n, time.Now()).Add(s.delay)
				if at.Before(notBefore) {
					at = notBefore
				}
				chunks <- chunk{b[:n], at}
			}
			if err != nil {
				return
			}
		}
	}()
	var written int64
	failed := false
	for c := range chunks {
		if failed {
			continue // drain, so the reader ends
		}
		time.Sleep(time.Until(c.at))
		n, err := dst.Write(c.b)
		written += int64(n)
		failed = err != nil
	}
	return written
}

// syCounter counts the bytes read through it.
type syCounter struct {
	r io.Reader
	n *atomic.Int64
}

func (c *syCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// syWaitIdle waits until the proxy holds no connection: the server has
// seen the client go and every byte it sent is counted.
func (p *syProxy) syWaitIdle(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p.mu.Lock()
		open := len(p.conns)
		p.mu.Unlock()
		if open == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the proxy still holds %d connections after 10s", open)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// syClose stops accepting, closes every open connection and waits for the
// proxy's goroutines.
func (p *syProxy) syClose() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// TestSyncResumesAfterCut cuts the connection in the middle of the first
// sync's FETCH: the sync says it will resume, keeps the batches it stored,
// and the next sync completes the folder with no duplicate and no gap.
func TestSyncResumesAfterCut(t *testing.T) {
	t.Parallel()
	e := syStart(t)
	const n = 600
	mails := syMails("Archive", "cut", n)
	e.syLoad(t, "Archive", mails)
	proxy := syStartProxy(t, e.srv.Addr)
	e.acct = syAccountFor(e.srv, proxy.syAddr())

	// Measure how many bytes a whole sync reads, on a scratch store, so
	// the cut falls in the middle of the FETCH whatever the size of a
	// TLS handshake or a FETCH response.
	scratch, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "scratch.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer scratch.Close()
	if _, err := imapsync.Sync(t.Context(), e.acct, scratch, imapsync.Options{}); err != nil {
		t.Fatalf("sync through the proxy: %v", err)
	}
	proxy.syWaitIdle(t)
	whole := proxy.toClient.Load()

	proxy.syCutNextAfter(whole / 2)
	res, err := imapsync.Sync(t.Context(), e.acct, e.db, imapsync.Options{BatchSize: 50})
	if proxy.cuts.Load() != 1 {
		t.Fatalf("the proxy did not cut the connection (a whole sync reads %d bytes); sync err = %v", whole, err)
	}
	if err == nil {
		t.Fatalf("sync over a cut connection reported no error; result %+v", res)
	}
	if !strings.Contains(err.Error(), "resumes") {
		t.Errorf("the error does not say the sync resumes: %v", err)
	}

	st := e.syFolderState(t, "Archive")
	if st.Messages == 0 || st.Messages >= n || !st.LastSync.IsZero() {
		t.Fatalf("after the cut Archive is %+v; want a partial folder never finished", st)
	}
	partial := st.Messages
	serverUIDs := e.syServerUIDs(t, "Archive")
	stored := e.syStoredUIDs(t, "Archive")
	if len(serverUIDs) != n || !slices.Equal(stored, serverUIDs[:len(stored)]) || st.LastUID != stored[len(stored)-1] {
		t.Errorf("after the cut: stored UIDs %d..%d (%d), LastUID %d; want the first %d of the server's, with no gap",
			stored[0], stored[len(stored)-1], len(stored), st.LastUID, partial)
	}
	t.Logf("cut after %d of %d bytes: %d of %d messages stored", whole/2, whole, partial, n)

	res, _ = e.sySync(t, imapsync.Options{BatchSize: 50})
	f := syFolderResult(t, res, "Archive")
	if f.Added != n-partial || f.Messages != n || f.Reset {
		t.Errorf("resumed sync: %+v; want %d added, %d stored", f, n-partial, n)
	}
	if got := e.syStoredUIDs(t, "Archive"); !slices.Equal(got, serverUIDs) {
		t.Errorf("after the resumed sync, stored UIDs (%d) differ from the server's (%d)", len(got), len(serverUIDs))
	}
	ids := e.syStoredIDs(t)
	for _, id := range syIDs(mails) {
		if ids[id] != 1 {
			t.Errorf("%s stored %d times", id, ids[id])
		}
	}
	if tot := e.syTotals(t); tot.Messages != n || tot.Locations != n {
		t.Errorf("store totals %+v, want %d messages in %d locations", tot, n, n)
	}
	if st := e.syFolderState(t, "Archive"); st.LastSync.IsZero() || st.LastUID != serverUIDs[n-1] {
		t.Errorf("after the resumed sync Archive is %+v", st)
	}
}
