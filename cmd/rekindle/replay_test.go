package main

import (
	"slices"
	"strings"
	"testing"
	"time"
)

type replayOut struct {
	From     string `json:"from"`
	To       string `json:"to"`
	Mornings []struct {
		Date   time.Time `json:"date"`
		People []struct {
			Key       string   `json:"key"`
			Name      string   `json:"name"`
			Email     string   `json:"email"`
			Addresses []string `json:"addresses"`
			Status    string   `json:"status"`
			Strength  float64  `json:"strength"`
			DraftKind string   `json:"draft_kind"`
			Reasons   []string `json:"reasons"`
		} `json:"people"`
	} `json:"mornings"`
}

// TestReplay: a replay's first morning is the digest's pick as of that
// morning (suggest --as-of sees only earlier mail, like the replay); later
// mornings apply the cool-down the earlier ones started; nothing is
// recorded.
func TestReplay(t *testing.T) {
	mb := peopleMailbox(t)
	cfg := syncMails(t, mb, mb.Mails)
	to := mb.Now.AddDate(0, 0, -1).Local()
	from := to.AddDate(0, 0, -20)
	var r replayOut
	jsonOf(t, &r, "--config", cfg, "replay", "--from", from.Format("2006-01-02"), "--to", to.Format("2006-01-02"), "--json")
	if len(r.Mornings) != 21 {
		t.Fatalf("%d mornings from %s to %s, want 21 (daily at 07:00)", len(r.Mornings), r.From, r.To)
	}
	first := r.Mornings[0]
	if h, m, _ := first.Date.Clock(); h != 7 || m != 0 {
		t.Errorf("first morning at %s, want 07:00 (digest.schedule's default)", first.Date)
	}
	want := suggestOf(t, cfg, first.Date.Format(time.RFC3339))
	var got, wantKeys []string
	for _, p := range first.People {
		got = append(got, p.Key)
	}
	for _, p := range want {
		wantKeys = append(wantKeys, p.Key)
	}
	if len(got) == 0 || !slices.Equal(got, wantKeys) {
		t.Errorf("first morning picks %v; suggest --as-of %s picks %v", got, first.Date, wantKeys)
	}
	// Cool-down across mornings: nobody twice within 14 days.
	last := map[string]time.Time{}
	total := 0
	for _, m := range r.Mornings {
		for _, p := range m.People {
			total++
			if at, ok := last[p.Key]; ok && m.Date.Sub(at) < 14*24*time.Hour {
				t.Errorf("%s suggested on %s and again on %s", p.Key, at.Format("2006-01-02"), m.Date.Format("2006-01-02"))
			}
			last[p.Key] = m.Date
			if p.Strength <= 0 || p.DraftKind == "" || len(p.Reasons) == 0 || len(p.Addresses) == 0 {
				t.Errorf("%s: strength %v, draft %q, reasons %v, addresses %v", p.Key, p.Strength, p.DraftKind, p.Reasons, p.Addresses)
			}
		}
	}
	if total <= len(first.People) {
		t.Errorf("only %d picks over %d mornings", total, len(r.Mornings))
	}
	// Nothing recorded: the digest as of the last morning still picks
	// people the replay suggested on the first.
	if again := suggestOf(t, cfg, first.Date.Format(time.RFC3339)); len(again) != len(want) {
		t.Errorf("suggest after the replay: %d picks, before %d", len(again), len(want))
	}

	// The text form: one line per morning.
	code, out, errOut := run(t, "--config", cfg, "replay", "--from", from.Format("2006-01-02"), "--to", to.Format("2006-01-02"))
	if code != 0 {
		t.Fatalf("replay: exit %d: %s", code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 21 || !strings.HasPrefix(lines[0], first.Date.Format("Mon 2 Jan 2006")) {
		t.Errorf("text replay:\n%s", out)
	}
}

func TestReplayUsage(t *testing.T) {
	mb := peopleMailbox(t)
	cfg := syncMails(t, mb, mb.Mails[:50])
	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "--from is required"},
		{[]string{"--from", "2026-13-01"}, `--from "2026-13-01": want a date`},
		{[]string{"--from", "2026-03-01", "--to", "2026-02-01"}, "is before --from"},
		{[]string{"--from", "2024-01-01", "--to", "2026-01-01"}, "more than a year"},
	} {
		code, _, errOut := run(t, append([]string{"--config", cfg, "replay"}, tt.args...)...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("replay %v: exit %d, %q; want exit 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}
