package actions

import (
	"errors"
	"strings"
	"testing"
	"time"
)

var secret = []byte("0123456789abcdef0123456789abcdef")

func TestRoundTrip(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	for _, k := range Kinds() {
		c := Command{Kind: k, Target: "marcus@example.com", Day: "2026-12-01"}
		subj := Subject(secret, c, "Marcus (the) Chen\r\n")
		if !strings.HasPrefix(subj, Prefix+string(k)+": Marcus the Chen (marcus@example.com 2026-12-01 ") {
			t.Errorf("Subject(%s) = %q", k, subj)
		}
		// A folded header comes back with its line break as a space.
		r, err := Parse(strings.Replace(subj, ": ", ":\r\n ", 1))
		if err != nil {
			t.Fatalf("Parse(%q): %v", subj, err)
		}
		if r.Command != c {
			t.Errorf("Parse(Subject(%+v)) = %+v", c, r.Command)
		}
		if err := Verify(secret, r, now); err != nil {
			t.Errorf("Verify(%s): %v", k, err)
		}
		if k.Label() == "" || k.Label()[0] < 'A' || k.Label()[0] > 'Z' {
			t.Errorf("Label(%s) = %q", k, k.Label())
		}
	}
}

func TestRefused(t *testing.T) {
	now := time.Date(2026, 12, 1, 7, 0, 0, 0, time.UTC)
	c := Command{Kind: Snooze30, Target: "marcus@example.com", Day: "2026-12-01"}
	subj := Subject(secret, c, "Marcus Chen")
	r, _ := Parse(subj)

	other := r
	other.Target = "eve@example.com" // the token of another contact
	if err := Verify(secret, other, now); !errors.Is(err, ErrBadToken) {
		t.Errorf("a token for another target: %v", err)
	}
	kind := r
	kind.Kind = Ignore // the token of another action
	if err := Verify(secret, kind, now); !errors.Is(err, ErrBadToken) {
		t.Errorf("a token for another kind: %v", err)
	}
	if err := Verify([]byte("another store's secret"), r, now); !errors.Is(err, ErrBadToken) {
		t.Errorf("another secret: %v", err)
	}
	forged := r
	forged.Token = strings.Repeat("A", len(r.Token))
	if err := Verify(secret, forged, now); !errors.Is(err, ErrBadToken) {
		t.Errorf("a forged token: %v", err)
	}
	if err := Verify(secret, r, now.AddDate(0, 0, 30)); err != nil {
		t.Errorf("30 days after: %v", err)
	}
	if err := Verify(secret, r, now.AddDate(0, 0, 32)); !errors.Is(err, ErrExpired) {
		t.Errorf("32 days after: %v", err)
	}
	if err := Verify(secret, r, now.AddDate(0, 0, -3)); !errors.Is(err, ErrBadToken) {
		t.Errorf("dated in the future: %v", err)
	}
	for _, s := range []string{
		"Re: " + subj, "Fwd: " + subj, "hello", "[rekindle] dance: x (a 2026-12-01 t)",
		"[rekindle] snooze 30 days: x (a 2026-13-01 t)", "[rekindle] snooze 30 days: x (a t)",
		"[rekindle] snooze 30 days: x a 2026-12-01 t", "",
	} {
		if _, err := Parse(s); !errors.Is(err, ErrNotAction) {
			t.Errorf("Parse(%q) = %v, want ErrNotAction", s, err)
		}
	}
}

// FuzzParse: any Subject parses or is refused, never panics, and what
// parses signs and verifies like what Subject wrote.
func FuzzParse(f *testing.F) {
	f.Add(Subject(secret, Command{Kind: Snooze30, Target: "a@b.c", Day: "2026-12-01"}, "A"))
	f.Add("[rekindle] no reply needed: x (<id@host> 2026-01-01 abc)")
	f.Add("[rekindle] pause digests for a week: (digests 2026-01-01 ))")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		if !r.Kind.known() || r.Target == "" || strings.ContainsAny(r.Target, " \t\r\n") {
			t.Fatalf("Parse(%q) = %+v", s, r)
		}
		r.Token = Token(secret, r.Command)
		if err := Verify(secret, r, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil && !errors.Is(err, ErrExpired) && !errors.Is(err, ErrBadToken) {
			t.Fatalf("Verify: %v", err)
		}
	})
}
