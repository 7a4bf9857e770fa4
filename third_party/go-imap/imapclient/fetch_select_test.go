package imapclient_test

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// TestFetchBehindSelect pipelines EXAMINE A, UID FETCH, EXAMINE B, UID
// FETCH over a scripted server that sends a flag update of A's message
// after A's FETCH completes and before B's EXAMINE does. That update is
// about A: it must not be taken for B's FETCH's message of the same UID,
// which would then lose B's own.
func TestFetchBehindSelect(t *testing.T) {
	clientConn, serverConn := net.Pipe()
	defer clientConn.Close()

	unilateral := make(chan imap.UID, 4)
	done := make(chan error, 1)
	go func() {
		defer serverConn.Close()
		done <- func() error {
			r := bufio.NewReader(serverConn)
			if _, err := fmt.Fprintf(serverConn, "* OK [CAPABILITY IMAP4rev1] ready\r\n"); err != nil {
				return err
			}
			var tags []string
			for _, want := range []string{`EXAMINE "A"`, "UID FETCH", `EXAMINE "B"`, "UID FETCH"} {
				line, err := r.ReadString('\n')
				if err != nil {
					return err
				}
				tag, rest, _ := strings.Cut(line, " ")
				if !strings.HasPrefix(rest, want) {
					return fmt.Errorf("command %q, want %s", line, want)
				}
				tags = append(tags, tag)
			}
			_, err := fmt.Fprintf(serverConn, "* 1 EXISTS\r\n* OK [UIDVALIDITY 1] A\r\n%s OK [READ-ONLY] A\r\n"+
				"* 1 FETCH (UID 7 FLAGS ())\r\n%s OK fetched A\r\n"+
				"* 1 FETCH (UID 7 FLAGS (\\Seen))\r\n"+
				"* 2 EXISTS\r\n* OK [UIDVALIDITY 2] B\r\n%s OK [READ-ONLY] B\r\n"+
				"* 1 FETCH (UID 7 FLAGS (\\Flagged))\r\n* 2 FETCH (UID 9 FLAGS ())\r\n%s OK fetched B\r\n",
				tags[0], tags[1], tags[2], tags[3])
			return err
		}()
		// Keep reading until the client closes the connection.
		buf := make([]byte, 512)
		for {
			if _, err := serverConn.Read(buf); err != nil {
				return
			}
		}
	}()

	c := imapclient.New(clientConn, &imapclient.Options{
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{
			Fetch: func(msg *imapclient.FetchMessageData) {
				buf, err := msg.Collect()
				if err == nil {
					unilateral <- buf.UID
				}
			},
		},
	})
	defer c.Close()

	opts := &imap.FetchOptions{UID: true, Flags: true}
	all := imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}
	selA := c.Select("A", &imap.SelectOptions{ReadOnly: true})
	fetchA := c.Fetch(all, opts)
	selB := c.Select("B", &imap.SelectOptions{ReadOnly: true})
	fetchB := c.Fetch(all, opts)

	// Each command's answer is read in the order they were sent, as a
	// caller would; a client that hands A's update to B's FETCH blocks
	// there (nobody reads B's FETCH before B's EXAMINE completes), which
	// fails the test after a while rather than hanging it.
	var (
		msgsA, msgsB []*imapclient.FetchMessageBuffer
		dataB        *imap.SelectData
		read         = make(chan error, 1)
	)
	go func() {
		read <- func() (err error) {
			if _, err := selA.Wait(); err != nil {
				return fmt.Errorf("EXAMINE A: %v", err)
			}
			if msgsA, err = fetchA.Collect(); err != nil {
				return fmt.Errorf("FETCH in A: %v", err)
			}
			if dataB, err = selB.Wait(); err != nil {
				return fmt.Errorf("EXAMINE B: %v", err)
			}
			if msgsB, err = fetchB.Collect(); err != nil {
				return fmt.Errorf("FETCH in B: %v", err)
			}
			return nil
		}()
	}()
	select {
	case err := <-read:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		select {
		case err := <-done:
			t.Fatalf("the client is stuck; the server: %v", err)
		default:
		}
		t.Fatal("the client is stuck: a response about A was handed to B's FETCH, which nobody reads before B's EXAMINE completes")
	}
	if err := <-done; err != nil {
		t.Fatalf("server: %v", err)
	}

	if len(msgsA) != 1 || msgsA[0].UID != 7 || len(msgsA[0].Flags) != 0 {
		t.Errorf("A's FETCH got %+v, want UID 7 without flags", msgsA)
	}
	if dataB.NumMessages != 2 || dataB.UIDValidity != 2 {
		t.Errorf("EXAMINE B: %d messages, UIDVALIDITY %d; want 2 and 2", dataB.NumMessages, dataB.UIDValidity)
	}
	var got []string
	for _, m := range msgsB {
		got = append(got, fmt.Sprintf("%d %v", m.UID, m.Flags))
	}
	if want := []string{"7 [\\Flagged]", "9 []"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("B's FETCH got %q, want %q (A's flag update taken for B's message)", got, want)
	}
	if uid := <-unilateral; uid != 7 {
		t.Errorf("unilateral FETCH for UID %d, want 7 (A's flag update)", uid)
	}
}
