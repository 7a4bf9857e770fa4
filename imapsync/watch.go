package imapsync

import (
	"net"
	"slices"
	"sync"
	"time"
)

// watchConn is a network connection with a watchdog for a server that
// stops answering. While rekindle waits for an answer (between arm and
// the function it returns, or at all times after watchAll), a read that
// stays blocked for the limit closes the connection, and from then on
// reads fail with a *StallError saying what was awaited.
//
// Only a read blocked on the network counts. A long FETCH that keeps
// sending resets the clock with every read; while rekindle itself is
// busy (writing a batch to the store) nothing reads, and nothing counts.
// go-imap bounds writes itself, with deadlines.
type watchConn struct {
	net.Conn
	account, addr string

	mu sync.Mutex
	// waits are the answers awaited, oldest first: a connection with
	// commands pipelined awaits several, and the server answers them in
	// order, so a silence is the oldest's. since is when the latest wait
	// began or ended.
	waits []wait
	since time.Time
	gen   uint64 // counts arms
	// allOp and allLimit, when set, watch every wait outside arm.
	allOp    string
	allLimit time.Duration
	// reading is when the read in progress began; zero when none is.
	reading time.Time
	timer   *time.Timer
	stalled *StallError
	closed  bool
}

func newWatchConn(c net.Conn, account, addr string) *watchConn {
	return &watchConn{Conn: c, account: account, addr: addr}
}

// Read reads from the connection, noting when a read waits.
func (w *watchConn) Read(p []byte) (int, error) {
	w.mu.Lock()
	if w.stalled != nil {
		err := w.stalled
		w.mu.Unlock()
		return 0, err
	}
	w.reading = time.Now()
	w.mu.Unlock()
	n, err := w.Conn.Read(p)
	w.mu.Lock()
	w.reading = time.Time{}
	if err != nil && w.stalled != nil {
		err = w.stalled
	}
	w.mu.Unlock()
	return n, err
}

// Close closes the connection and stops the watchdog.
func (w *watchConn) Close() error {
	w.mu.Lock()
	w.closed = true
	if w.timer != nil {
		w.timer.Stop()
	}
	w.mu.Unlock()
	return w.Conn.Close()
}

// arm starts waiting for op's answer, for which the server may stay
// silent for limit; the function it returns ends the wait.
func (w *watchConn) arm(op string, limit time.Duration) (done func()) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.gen++
	gen := w.gen
	w.waits = append(w.waits, wait{gen: gen, op: op, limit: limit})
	w.since = time.Now()
	w.schedule(limit)
	return func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if i := slices.IndexFunc(w.waits, func(x wait) bool { return x.gen == gen }); i >= 0 {
			w.waits = slices.Delete(w.waits, i, i+1)
			w.since = time.Now()
		}
	}
}

// wait is an answer awaited: for op, from a server that may stay silent
// for limit meanwhile.
type wait struct {
	gen   uint64
	op    string
	limit time.Duration
}

// watchAll watches every wait outside arm, naming it op; an empty op
// stops that.
func (w *watchConn) watchAll(op string, limit time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.allOp == op && w.allLimit == limit {
		return
	}
	w.allOp, w.allLimit, w.since = op, limit, time.Now()
	if op != "" {
		w.schedule(limit)
	}
}

// stall returns the *StallError that closed the connection, or nil.
func (w *watchConn) stall() *StallError {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stalled
}

// current returns what is awaited and for how long the server may be
// silent; "" when nothing is. The caller holds mu.
func (w *watchConn) current() (string, time.Duration) {
	if len(w.waits) > 0 {
		return w.waits[0].op, w.waits[0].limit
	}
	return w.allOp, w.allLimit
}

// schedule makes the watchdog look again in d. The caller holds mu.
func (w *watchConn) schedule(d time.Duration) {
	if w.closed || w.stalled != nil {
		return
	}
	if w.timer == nil {
		w.timer = time.AfterFunc(d, w.check)
		return
	}
	w.timer.Reset(d)
}

// check is the watchdog: it closes the connection when a read has waited
// for the limit while an answer is awaited, and otherwise looks again
// when that could next be so.
func (w *watchConn) check() {
	w.mu.Lock()
	op, limit := w.current()
	if op == "" || w.closed || w.stalled != nil {
		w.mu.Unlock()
		return
	}
	waited := time.Duration(0)
	if !w.reading.IsZero() {
		start := w.reading
		if w.since.After(start) {
			start = w.since
		}
		waited = time.Since(start)
	}
	if waited < limit {
		w.schedule(limit - waited)
		w.mu.Unlock()
		return
	}
	w.stalled = &StallError{Account: w.account, Addr: w.addr, Op: op, After: limit}
	w.mu.Unlock()
	// The read in progress fails, and with it the command.
	w.Conn.Close()
}
