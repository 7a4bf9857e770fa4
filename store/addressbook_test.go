package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

func TestCards(t *testing.T) {
	ctx := t.Context()
	d := MustOpen(t)
	at := time.Date(2026, 3, 3, 7, 0, 0, 0, time.UTC)
	d.Now = func() time.Time { return at }
	const src = "https://dav.example.com/jane/contacts/"
	if cards, readAt, err := d.Cards(ctx, src); err != nil || cards != nil || !readAt.IsZero() {
		t.Fatalf("never read: %v %v %v", cards, readAt, err)
	}
	cards := []rekindle.Card{
		{Name: "Jane Doe", Emails: []string{"jane@x.org", "jd@y.org"}, Categories: []string{"Book Club", "Zoë's, friends"}},
		{Emails: []string{"bob@x.org"}},
	}
	if err := d.SaveCards(ctx, src, cards); err != nil {
		t.Fatal(err)
	}
	got, readAt, err := d.Cards(ctx, src)
	if err != nil || !reflect.DeepEqual(got, cards) || !readAt.Equal(at) {
		t.Errorf("cards %+v read at %v, %v; want %+v at %v", got, readAt, err, cards, at)
	}
	// Another address book's cards are not these.
	if got, _, _ := d.Cards(ctx, "https://elsewhere.example/"); got != nil {
		t.Errorf("another source has %v", got)
	}
	// A new read replaces them, an empty one too.
	if err := d.SaveCards(ctx, src, nil); err != nil {
		t.Fatal(err)
	}
	if got, readAt, _ := d.Cards(ctx, src); got != nil || !readAt.Equal(at) {
		t.Errorf("after an empty read: %v at %v", got, readAt)
	}
	if err := d.SaveCards(ctx, src, cards); err != nil {
		t.Fatal(err)
	}
	if err := d.ForgetCards(ctx); err != nil {
		t.Fatal(err)
	}
	if got, readAt, _ := d.Cards(ctx, src); got != nil || !readAt.IsZero() {
		t.Errorf("after ForgetCards: %v at %v", got, readAt)
	}
}

// With no card kept, ForgetCards writes nothing: a sync without a CardDAV
// address book calls it every time, and a write transaction cost a
// no-change sync 4-6 ms.
func TestForgetCardsWritesNothingWhenEmpty(t *testing.T) {
	ctx := t.Context()
	d := MustOpen(t)
	// Another connection sees data_version change when one commits.
	conn, err := d.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	version := func() int64 {
		var v int64
		if err := conn.QueryRowContext(ctx, `PRAGMA data_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	before := version()
	if err := d.ForgetCards(ctx); err != nil {
		t.Fatal(err)
	}
	if after := version(); after != before {
		t.Errorf("ForgetCards with nothing kept committed a write (data_version %d to %d)", before, after)
	}
	// With cards kept, it forgets them.
	if err := d.SaveCards(ctx, "https://dav.example.com/", []rekindle.Card{{Emails: []string{"a@x.org"}}}); err != nil {
		t.Fatal(err)
	}
	before = version()
	if err := d.ForgetCards(ctx); err != nil {
		t.Fatal(err)
	}
	if after := version(); after == before {
		t.Errorf("ForgetCards with a card kept wrote nothing")
	}
	if got, readAt, _ := d.Cards(ctx, "https://dav.example.com/"); got != nil || !readAt.IsZero() {
		t.Errorf("after ForgetCards: %v at %v", got, readAt)
	}
}
