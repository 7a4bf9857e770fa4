package e2e

import (
	"path/filepath"
	"reflect"
	"regexp"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/rekindle/rekindle/imapsync"
	"github.com/rekindle/rekindle/internal/dovecot"
	"github.com/rekindle/rekindle/store"
	"github.com/rekindle/rekindle/synth"
)

// TestSyncCompressed syncs the same mailbox from a Dovecot that offers
// COMPRESS=DEFLATE, once compressed and once not, through a proxy that
// counts the bytes on the wire: compressed, the server sends a fraction
// of the bytes, and the store holds exactly the same messages. A second
// sync finds nothing new over a compressed connection too (commands are
// compressed as well as answers). Without the capability, "always"
// changes nothing.
func TestSyncCompressed(t *testing.T) {
	t.Parallel()
	srv := dovecot.Start(t, dovecot.Options{Compress: true})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dovecot log (%s), last lines:\n%s", srv.LogFile, srv.LogTail(40))
		}
	})
	if _, err := srv.LoadSynth(synth.Options{Seed: 5, Messages: 3000, Hostile: true}); err != nil {
		t.Fatal(err)
	}
	proxy := syStartProxy(t, srv.Addr)

	run := func(setting imapsync.Compression) (wire int64, stored []store.Stored, transcript string) {
		// A sync that finds work compresses its connection; one that
		// finds none does not.
		t.Helper()
		db, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "rekindle.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		e := &syEnv{srv: srv, db: db, acct: syAccountFor(srv, proxy.syAddr())}
		e.acct.Compress = setting
		before := proxy.toClient.Load()
		res, transcript := e.sySync(t, imapsync.Options{})
		proxy.syWaitIdle(t)
		wire = proxy.toClient.Load() - before
		if want := setting == imapsync.CompressAlways; res.Compressed != want {
			t.Errorf("%s: the first sync's Compressed = %v, want %v", setting, res.Compressed, want)
		}
		// Nothing new: no SELECT, no FETCH, and no COMPRESS either.
		res, again := e.sySync(t, imapsync.Options{})
		if syFetchRe.MatchString(again) || sySelectRe.MatchString(again) || res.Compressed {
			t.Errorf("%s: the second sync selected, fetched or compressed (%v): %s", setting, res.Compressed, again)
		}
		return wire, e.syStored(t), transcript
	}
	plainBytes, plainStored, _ := run(imapsync.CompressNever)
	zBytes, zStored, transcript := run(imapsync.CompressAlways)
	t.Logf("server to client: %d bytes plain, %d compressed (%.1fx)", plainBytes, zBytes, float64(plainBytes)/float64(zBytes))
	if zBytes*3 > plainBytes {
		t.Errorf("compressed, the server sent %d bytes, uncompressed %d: want a third or less", zBytes, plainBytes)
	}
	// go-imap never sees COMPRESS: the transcript (what go-imap wrote and
	// read) is plain IMAP either way.
	if regexp.MustCompile(`COMPRESS DEFLATE`).MatchString(transcript) {
		t.Errorf("go-imap saw the COMPRESS exchange")
	}
	if len(zStored) != len(plainStored) || len(zStored) < 2500 {
		t.Fatalf("stored %d messages compressed, %d plain", len(zStored), len(plainStored))
	}
	for i := range zStored {
		if !reflect.DeepEqual(zStored[i].Header, plainStored[i].Header) {
			t.Fatalf("message %d differs:\ncompressed %+v\nplain      %+v", i, zStored[i].Header, plainStored[i].Header)
		}
	}

	// The connection says whether it is compressed; auto does not
	// compress a server on loopback.
	for _, tc := range []struct {
		srv     *dovecot.Server
		setting imapsync.Compression
		want    bool
	}{
		{srv, imapsync.CompressAlways, true},
		{srv, imapsync.CompressAuto, false},
		{srv, imapsync.CompressNever, false},
		{syStart(t).srv, imapsync.CompressAlways, false}, // no COMPRESS=DEFLATE offered
	} {
		acct := syAccountFor(tc.srv, tc.srv.Addr)
		acct.Compress = tc.setting
		c, err := imapsync.Connect(t.Context(), acct, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.setting, err)
		}
		if c.Compressed != tc.want {
			t.Errorf("%s: Compressed = %v, want %v", tc.setting, c.Compressed, tc.want)
		}
		if _, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true}).Wait(); err != nil {
			t.Errorf("%s: STATUS after connecting: %v", tc.setting, err)
		}
		c.Close()
	}
}
