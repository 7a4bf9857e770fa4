package imapclient

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// TestFetchItemsRoom checks the room made for a FETCH response's items:
// what the client's FETCH commands asked for and fetchItemsUnasked more,
// at most maxFetchItemsCap, and maxFetchItemsCap before any FETCH; and
// that a response carrying every unrequested item go-imap knows before
// its UID still reaches its command, not the unilateral handler.
func TestFetchItemsRoom(t *testing.T) {
	clientConn, serverConn := net.Pipe()
	defer clientConn.Close()

	// Every item handleFetch knows but UID, BODY[] and BINARY[] (which
	// come with literals, and hand the message over at once): 8, in front
	// of the UID the command asked for.
	const unasked = `FLAGS (\Seen) MODSEQ (5) RFC822.SIZE 10 INTERNALDATE "01-Jan-2026 00:00:00 +0000" ` +
		`ENVELOPE (NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL) BODYSTRUCTURE ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1) ` +
		`BODY ("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1) BINARY.SIZE[1] 1`
	done := make(chan error, 1)
	go func() {
		defer serverConn.Close()
		done <- func() error {
			r := bufio.NewReader(serverConn)
			if _, err := fmt.Fprintf(serverConn, "* OK [CAPABILITY IMAP4rev1] ready\r\n"); err != nil {
				return err
			}
			line, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			tag, rest, _ := strings.Cut(line, " ")
			if !strings.HasPrefix(rest, "UID FETCH 1:* (UID)") {
				return fmt.Errorf("command %q, want UID FETCH 1:* (UID)", line)
			}
			_, err = fmt.Fprintf(serverConn, "* 1 FETCH (%s UID 7)\r\n%s OK fetched\r\n", unasked, tag)
			return err
		}()
		buf := make([]byte, 512)
		for {
			if _, err := serverConn.Read(buf); err != nil {
				return
			}
		}
	}()

	unilateral := make(chan struct{}, 1)
	c := New(clientConn, &Options{UnilateralDataHandler: &UnilateralDataHandler{
		Fetch: func(msg *FetchMessageData) {
			msg.Collect()
			unilateral <- struct{}{}
		},
	}})
	defer c.Close()
	if err := c.WaitGreeting(); err != nil {
		t.Fatal(err)
	}
	c.setState(imap.ConnStateSelected)

	if got := c.fetchItemsCap; got != 0 {
		t.Fatalf("room before any FETCH = %d, want 0 (read as %d)", got, maxFetchItemsCap)
	}
	msgs, err := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got, want := c.fetchItemsCap, int32(1+fetchItemsUnasked); got != want {
		t.Errorf("room after a FETCH of 1 item = %d, want %d", got, want)
	}
	if len(msgs) != 1 || msgs[0].UID != 7 || msgs[0].RFC822Size != 10 || len(msgs[0].Flags) != 1 {
		t.Fatalf("the command got %+v, want the message of UID 7 with its items", msgs)
	}
	select {
	case <-unilateral:
		t.Fatal("the response went to the unilateral handler")
	default:
	}

	c.noteFetchItems(0)
	if got, want := c.fetchItemsCap, int32(1+fetchItemsUnasked); got != want {
		t.Errorf("room after a smaller FETCH = %d, want it kept at %d", got, want)
	}
	c.noteFetchItems(3)
	if got, want := c.fetchItemsCap, int32(3+fetchItemsUnasked); got != want {
		t.Errorf("room after a FETCH of 3 items = %d, want %d", got, want)
	}
	c.noteFetchItems(40)
	if got := c.fetchItemsCap; got != maxFetchItemsCap {
		t.Errorf("room after a FETCH of 40 items = %d, want %d", got, maxFetchItemsCap)
	}
}
