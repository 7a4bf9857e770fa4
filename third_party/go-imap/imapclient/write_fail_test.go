package imapclient

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// TestWriteFailsWhileReading sends a command on a closed connection while
// the read goroutine is handing a FETCH response to a command whose
// consumer has not caught up. The failed command must end with its write
// error at once, and the FETCH must keep every message the read goroutine
// had, then end with an error: the failed write must not close the
// FETCH's channel under the read goroutine, which panicked ("send on
// closed channel") and raced.
func TestWriteFailsWhileReading(t *testing.T) {
	clientConn, serverConn := net.Pipe()
	defer clientConn.Close()

	const responses = 1000
	go func() {
		defer serverConn.Close()
		r := bufio.NewReader(serverConn)
		if _, err := fmt.Fprintf(serverConn, "* OK [CAPABILITY IMAP4rev1] ready\r\n"); err != nil {
			return
		}
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		tag, _, _ := strings.Cut(line, " ")
		for i := 1; i <= responses; i++ {
			if _, err := fmt.Fprintf(serverConn, "* %d FETCH (UID %d FLAGS ())\r\n", i, i); err != nil {
				return
			}
		}
		fmt.Fprintf(serverConn, "%s OK fetched\r\n", tag)
	}()

	c := New(clientConn, nil)
	fetch := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, Flags: true})

	// Wait for the FETCH's channel to fill: the read goroutine then
	// blocks handing over the next message.
	deadline := time.Now().Add(10 * time.Second)
	for len(fetch.msgs) < cap(fetch.msgs) {
		if time.Now().After(deadline) {
			t.Fatalf("the FETCH's channel holds %d messages after 10 s, want %d", len(fetch.msgs), cap(fetch.msgs))
		}
		time.Sleep(time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond)

	clientConn.Close()
	noop := make(chan error, 1)
	go func() { noop <- c.Noop().Wait() }()
	select {
	case err := <-noop:
		if err == nil {
			t.Fatal("NOOP on a closed connection succeeded")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("NOOP on a closed connection still waits after 10 s")
	}

	got := 0
	for {
		msg := fetch.Next()
		if msg == nil {
			break
		}
		if _, err := msg.Collect(); err != nil {
			t.Fatalf("message %d: %v", got+1, err)
		}
		got++
	}
	if got <= cap(fetch.msgs) {
		t.Errorf("the FETCH gave %d messages, want more than the %d its channel held", got, cap(fetch.msgs))
	}
	if got >= responses {
		t.Errorf("the FETCH gave all %d messages over a closed connection", got)
	}
	if err := fetch.Close(); err == nil {
		t.Error("the FETCH ended without an error on a closed connection")
	}
	if err := c.Close(); err != nil && strings.Contains(err.Error(), "panic") {
		t.Errorf("the read goroutine panicked: %v", err)
	}
}
