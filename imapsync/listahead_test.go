package imapsync_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/memimap"
	"github.com/rekindle/rekindle/store"
)

// TestListAhead: the sync's LIST goes out behind the LOGIN, planned for
// the capabilities the server announced at the last sync (or, at the
// first, for those of most servers), and is used only when the
// capabilities announced now call for that LIST: each server here gets
// a second LIST at the first sync (none has CONDSTORE, which the first
// sync expects) and only the one sent ahead afterwards, with the same
// folders found either way. With a server whose LOGIN answer carries no
// capabilities, the client asks for them (CAPABILITY) behind the LIST
// sent ahead, which must not hold that answer up: more folders than
// go-imap buffers make sure it is read meanwhile.
func TestListAhead(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts memimap.Options
	}{
		{"imap4rev2", memimap.Options{}},
		{"imap4rev1 only", memimap.Options{IMAP4rev1Only: true}},
		{"no capabilities after login", memimap.Options{NoLoginCaps: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts)
			for i := range 100 {
				if err := e.srv.Create(fmt.Sprintf("Lists/l%03d", i)); err != nil {
					t.Fatal(err)
				}
			}
			e.add(t, "INBOX", plain("Bob <bob@example.com>", "jane@example.com", "hi", "in@x"))
			// A stall shows as an error well before the test's deadline.
			e.acct.CommandTimeout = 10 * time.Second
			ctx := context.Background()
			if caps, err := e.db.ServerCaps(ctx, e.acct.Name, e.acct.Addr); err != nil || caps != nil {
				t.Fatalf("capabilities before any sync: %v, %v", caps, err)
			}
			var folders [2][]string
			for i, wantLists := range []int{2, 1} {
				res := e.sync(t, imapsync.Options{})
				for _, f := range res.Folders {
					folders[i] = append(folders[i], f.Folder)
				}
				slices.Sort(folders[i])
				cmds := e.srv.Commands()
				if cmds["LIST"] != wantLists {
					t.Errorf("sync %d sent %d LIST, want %d (%v)", i+1, cmds["LIST"], wantLists, cmds)
				}
				if tc.opts.NoLoginCaps && cmds["CAPABILITY"] == 0 {
					t.Errorf("sync %d never asked for the capabilities: %v", i+1, cmds)
				}
				caps, err := e.db.ServerCaps(ctx, e.acct.Name, e.acct.Addr)
				if err != nil || !slices.Contains(caps, "IMAP4rev1") {
					t.Fatalf("capabilities kept after sync %d: %v, %v", i+1, caps, err)
				}
			}
			if len(folders[0]) != 104 || !slices.Equal(folders[0], folders[1]) {
				t.Errorf("folders synced: %d at first, then %d (equal: %v); want 104 both times",
					len(folders[0]), len(folders[1]), slices.Equal(folders[0], folders[1]))
			}
			// The capabilities are those of the server at that address.
			if caps, _ := e.db.ServerCaps(ctx, e.acct.Name, "imap.example.com:993"); caps != nil {
				t.Errorf("capabilities for another server: %v", caps)
			}
		})
	}
}

// aheadServer is a scripted IMAP server on loopback that holds its answer
// to LOGIN until the client's next command arrives (or a second passes),
// then announces caps and answers the LIST with one folder that cannot be
// selected, and every other command with OK. It reports, for each
// connection, whether the next command came before the LOGIN's answer,
// and which it was. With mode "wrong", it refuses the LOGIN; with
// "refuse", a command that came before the LOGIN's answer (BAD).
func aheadServer(t *testing.T, caps string, mode string) (addr string, got <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	out := make(chan string, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				say := func(s string) { io.WriteString(c, s+"\r\n") }
				say("* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready")
				line, err := br.ReadString('\n')
				if err != nil {
					return
				}
				tag, _, _ := strings.Cut(line, " ")
				c.SetReadDeadline(time.Now().Add(time.Second))
				next, err := br.ReadString('\n')
				c.SetReadDeadline(time.Time{})
				ahead := err == nil
				wrong := mode == "wrong"
				if wrong {
					say(tag + " NO [AUTHENTICATIONFAILED] Authentication failed.")
				} else {
					say(tag + " OK [CAPABILITY " + caps + "] Logged in")
				}
				if !ahead {
					if next, err = br.ReadString('\n'); err != nil {
						out <- "no command after LOGIN"
						return
					}
				}
				_, cmd, _ := strings.Cut(strings.TrimSpace(next), " ")
				out <- fmt.Sprintf("ahead=%v %s", ahead, cmd)
				for line := next; ; {
					tag, cmd, _ := strings.Cut(strings.TrimSpace(line), " ")
					switch {
					case wrong:
						say(tag + " BAD Not logged in")
					case mode == "refuse" && ahead && line == next:
						say(tag + " BAD Not logged in yet")
					case strings.HasPrefix(cmd, "LIST"):
						say(`* LIST (\Noselect) "/" Lists`)
						say(tag + " OK List completed")
					case cmd == "LOGOUT":
						say("* BYE Logging out")
						say(tag + " OK Logout completed")
						return
					default:
						say(tag + " OK done")
					}
					if line, err = br.ReadString('\n'); err != nil {
						return
					}
				}
			}()
		}
	}()
	return ln.Addr().String(), out
}

// TestListAheadOfLogin: the LIST goes out before the LOGIN is answered,
// and a refused LOGIN fails the sync as a login error whatever the
// server made of the LIST behind it.
func TestListAheadOfLogin(t *testing.T) {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ctx := context.Background()
	account := func(addr string) *imapsync.Account {
		return &imapsync.Account{Name: "work", Addr: addr, Security: imapsync.None, Username: "jane",
			Secret:         func(context.Context) (string, error) { return "secret", nil },
			CommandTimeout: 10 * time.Second}
	}
	const caps = "IMAP4rev1 LIST-EXTENDED LIST-STATUS SPECIAL-USE CONDSTORE"
	addr, got := aheadServer(t, caps, "")
	for i := range 2 {
		if _, err := imapsync.Sync(ctx, account(addr), db, imapsync.Options{}); err != nil {
			t.Fatalf("sync %d: %v", i+1, err)
		}
		if g := <-got; !strings.HasPrefix(g, "ahead=true LIST ") || !strings.Contains(g, "HIGHESTMODSEQ") {
			t.Errorf("sync %d: after LOGIN came %q; want the LIST with STATUS and HIGHESTMODSEQ, before the LOGIN's answer", i+1, g)
		}
	}

	addr, got = aheadServer(t, caps, "wrong")
	_, err = imapsync.Sync(ctx, account(addr), db, imapsync.Options{})
	if err == nil || !strings.Contains(err.Error(), "log in") || !strings.Contains(err.Error(), "Authentication failed") {
		t.Errorf("refused LOGIN: err = %v; want the login error", err)
	}
	if g := <-got; !strings.HasPrefix(g, "ahead=true LIST ") {
		t.Errorf("refused LOGIN: after LOGIN came %q", g)
	}

	// A server that refuses the LIST sent ahead gets it again once
	// logged in, and at the next sync only then.
	addr, got = aheadServer(t, caps, "refuse")
	for i, want := range []string{"ahead=true LIST ", "ahead=false LIST "} {
		if _, err := imapsync.Sync(ctx, account(addr), db, imapsync.Options{}); err != nil {
			t.Fatalf("LIST ahead refused, sync %d: %v", i+1, err)
		}
		if g := <-got; !strings.HasPrefix(g, want) {
			t.Errorf("LIST ahead refused, sync %d: after LOGIN came %q, want %q...", i+1, g, want)
		}
	}
}
