package app

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestOneLine(t *testing.T) {
	for in, want := range map[string]string{
		"Jane Doe":                "Jane Doe",
		"  Jane\tDoe \r\n":        "Jane Doe",
		"Jane\u2028Doe\x1b[31m":   "Jane Doe [31m",
		"Jane\u00a0\u00a0 Doe":    "Jane Doe",
		"\"Doe, Jane\" <x>; \\ é": "\"Doe, Jane\" <x>; \\ é",
		"":                        "",
		"\t\n":                    "",
	} {
		if got := OneLine(in); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestQuerySnapshot: a sync leaves the contacts snapshot current; Query
// answers from it the same as from the model, in its order, and an
// ignore takes the person out at once.
func TestQuerySnapshot(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, "")
	a := e.synced(t, Options{})
	if fresh, err := a.db.ContactsFresh(ctx, a.contactsBasis()); err != nil || !fresh {
		t.Fatalf("after a sync: fresh=%v, %v", fresh, err)
	}

	all, err := a.Query(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	if !all.Cached || len(all.Matches) < 10 || all.More {
		t.Fatalf("query everyone: cached=%v, %d matches, more=%v", all.Cached, len(all.Matches), all.More)
	}
	// Two-way contacts first, strongest first; then one-way.
	seenOneWay := false
	for i, m := range all.Matches {
		if m.Other {
			continue
		}
		if !m.TwoWay {
			seenOneWay = true
		} else if seenOneWay {
			t.Fatalf("match %d (%s) is two-way after a one-way one", i, m.Email)
		}
		if i > 0 && m.TwoWay && all.Matches[i-1].TwoWay && m.Strength > all.Matches[i-1].Strength {
			t.Errorf("match %d (%s, %.1f) is stronger than the one before it (%.1f)", i, m.Email, m.Strength, all.Matches[i-1].Strength)
		}
	}
	if !seenOneWay {
		t.Error("no one-way correspondent offered")
	}

	// The answer out of the model is the same. A split of two addresses
	// nobody has changes nothing but marks the snapshot out of date.
	m := all.Matches[0]
	q := strings.ToUpper(string([]rune(m.Name + m.Email)[:4]))
	cached, err := a.Query(ctx, q, 5)
	if err != nil || !cached.Cached || len(cached.Matches) == 0 || cached.Matches[0].Email != m.Email {
		t.Fatalf("query %q: %+v, %v; want %s first", q, cached, err, m.Email)
	}
	if err := a.db.Split(ctx, "nobody@nowhere.example", "noone@nowhere.example"); err != nil {
		t.Fatal(err)
	}
	built, err := a.Query(ctx, q, 5)
	if err != nil || built.Cached {
		t.Fatalf("query after a change: cached=%v, %v", built.Cached, err)
	}
	built.Cached = true
	if !reflect.DeepEqual(built, cached) {
		t.Errorf("from the model:\n%+v\nfrom the snapshot:\n%+v", built, cached)
	}

	// The limit, and More.
	if r, _ := a.Query(ctx, "", 3); len(r.Matches) != 3 || !r.More {
		t.Errorf("limit 3: %d matches, more=%v", len(r.Matches), r.More)
	}

	// Ignored: never offered again, and the snapshot is current at once.
	if _, err := a.Ignore(ctx, m.Email, true); err != nil {
		t.Fatal(err)
	}
	after, err := a.Query(ctx, m.Email, 5)
	if err != nil || !after.Cached {
		t.Fatalf("query after ignore: cached=%v, %v", after.Cached, err)
	}
	for _, x := range after.Matches {
		if x.Email == m.Email {
			t.Errorf("ignored %s is still offered: %+v", m.Email, after.Matches)
		}
	}
	if _, err := a.Ignore(ctx, m.Email, false); err != nil {
		t.Fatal(err)
	}
	if back, _ := a.Query(ctx, m.Email, 5); !back.Cached || len(back.Matches) == 0 || back.Matches[0].Email != m.Email {
		t.Errorf("after unignore: %+v", back)
	}
}

// TestQuerySnapshotOfAnotherBuild: a snapshot that one rekindle saved is
// not served by another (its model may work contacts out differently),
// which saves its own at its first sync.
func TestQuerySnapshotOfAnotherBuild(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, "")
	old := e.synced(t, Options{Build: "1.0.0 abc 2026-01-01"})
	if r, err := old.Query(ctx, "", 5); err != nil || !r.Cached {
		t.Fatalf("the build that saved it: cached=%v, %v", r.Cached, err)
	}
	old.Close()
	a := e.open(t, Options{Build: "1.1.0 def 2026-02-01"})
	r, err := a.Query(ctx, "", 5)
	if err != nil || r.Cached {
		t.Fatalf("a new build: cached=%v, %v; want the model's answer", r.Cached, err)
	}
	if _, err := a.Sync(ctx, SyncOptions{}); err != nil {
		t.Fatal(err)
	}
	if r, err := a.Query(ctx, "", 5); err != nil || !r.Cached {
		t.Fatalf("the new build after its sync: cached=%v, %v", r.Cached, err)
	}
}

// TestQueryOtherAddresses: a contact's other addresses are offered when
// they themselves match, after the main one.
func TestQueryOtherAddresses(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, "")
	a := e.synced(t, Options{})
	all, err := a.Query(ctx, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	x, y := all.Matches[0].Email, all.Matches[1].Email
	if err := a.Merge(ctx, []string{x, y}); err != nil {
		t.Fatal(err)
	}
	r, err := a.Query(ctx, "@", 1000)
	if err != nil || !r.Cached {
		t.Fatalf("after merge: cached=%v, %v", r.Cached, err)
	}
	var main, other int
	for _, m := range r.Matches {
		if m.Email == x || m.Email == y {
			if m.Other {
				other++
			} else {
				main++
			}
		}
	}
	if main != 1 || other != 1 {
		t.Errorf("merged %s and %s: offered %d as main and %d as other address", x, y, main, other)
	}
	// Matching the other address alone offers the main one first.
	for _, m := range r.Matches {
		if m.Other && (m.Email == x || m.Email == y) {
			r, _ = a.Query(ctx, m.Email, 10)
			if len(r.Matches) != 2 || r.Matches[0].Other || r.Matches[1] != m {
				t.Errorf("query %s: %+v, want the main address, then it", m.Email, r.Matches)
			}
		}
	}
}

// TestQueryTime: the snapshot's answer does not depend on the moment.
func TestQueryTime(t *testing.T) {
	ctx := context.Background()
	e := newTestEnv(t, "")
	now := time.Now()
	a := e.synced(t, Options{Now: func() time.Time { return now }})
	before, err := a.Query(ctx, "", 50)
	if err != nil {
		t.Fatal(err)
	}
	later := now.AddDate(1, 0, 0)
	a.now = func() time.Time { return later }
	if err := a.db.Split(ctx, "nobody@nowhere.example", "noone@nowhere.example"); err != nil {
		t.Fatal(err)
	}
	after, err := a.Query(ctx, "", 50)
	if err != nil || after.Cached {
		t.Fatalf("a year later: cached=%v, %v", after.Cached, err)
	}
	if !reflect.DeepEqual(before.Matches, after.Matches) {
		t.Errorf("a year later the order changed:\n%+v\n%+v", before.Matches, after.Matches)
	}
}
