package imapclient

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// deadlineConn records, for each read, the read deadline set on it then:
// "none", or how far ahead it was when set, rounded to the second.
type deadlineConn struct {
	net.Conn
	mu       sync.Mutex
	deadline string
	sets     int
	reads    []string
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sets++
	c.deadline = "none"
	if !t.IsZero() {
		c.deadline = time.Until(t).Round(time.Second).String()
	}
	return c.Conn.SetReadDeadline(t)
}

func (c *deadlineConn) Read(b []byte) (int, error) {
	c.mu.Lock()
	c.reads = append(c.reads, c.deadline)
	c.mu.Unlock()
	return c.Conn.Read(b)
}

func (c *deadlineConn) log() ([]string, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.reads...), c.sets
}

// TestReadDeadlines checks that every read from the connection happens
// under the timeout the client's state asks for, though the deadline is
// only set when a read reaches the connection: 30 s waiting for the
// greeting and within a response, 5 minutes within a literal, none
// waiting for the next response. The server writes its FETCH response in
// three pieces, each waited for: the response up to its literal, the
// literal, the rest with the tagged OK.
func TestReadDeadlines(t *testing.T) {
	clientConn, serverConn := net.Pipe()
	conn := &deadlineConn{Conn: clientConn}
	defer conn.Close()

	done := make(chan error, 1)
	go func() {
		defer serverConn.Close()
		done <- func() error {
			if _, err := fmt.Fprintf(serverConn, "* OK [CAPABILITY IMAP4rev1] ready\r\n"); err != nil {
				return err
			}
			buf := make([]byte, 512)
			n, err := serverConn.Read(buf)
			if err != nil {
				return err
			}
			var tag string
			fmt.Sscan(string(buf[:n]), &tag)
			for _, piece := range []string{"* 1 FETCH (UID 7 BODY[] {10}\r\n", "0123456789", ")\r\n" + tag + " OK done\r\n"} {
				if _, err := fmt.Fprint(serverConn, piece); err != nil {
					return err
				}
			}
			return nil
		}()
		buf := make([]byte, 512)
		for {
			if _, err := serverConn.Read(buf); err != nil {
				return
			}
		}
	}()

	c := New(conn, nil)
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	c.setState(imap.ConnStateSelected)
	msgs, err := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 7, Stop: 7}},
		&imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || string(msgs[0].FindBodySection(&imap.FetchItemBodySection{})) != "0123456789" {
		t.Fatalf("fetched %+v", msgs)
	}
	want := []string{"30s", "none", "5m0s", "30s", "none"}
	var reads []string
	var sets int
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if reads, sets = conn.log(); len(reads) >= len(want) {
			break
		}
	}
	if fmt.Sprint(reads) != fmt.Sprint(want) {
		t.Errorf("deadlines at each read: %q, want %q", reads, want)
	}
	if sets > len(reads) {
		t.Errorf("%d deadlines set for %d reads", sets, len(reads))
	}
}
