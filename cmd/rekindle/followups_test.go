package main

import (
	"testing"
	"time"
)

// TestFollowupsStrongestFirst: "rekindle followups" lists each kind in
// the digest's order, the strongest ties first.
func TestFollowupsStrongestFirst(t *testing.T) {
	mb := peopleMailbox(t)
	cfg := syncMails(t, mb, mb.Mails)
	now := mb.Now.Format(time.RFC3339)
	var contacts []struct {
		Addresses []string `json:"addresses"`
		Strength  float64  `json:"strength"`
	}
	jsonOf(t, &contacts, "--config", cfg, "contacts", "--json", "--as-of", now)
	strength := map[string]float64{}
	for _, c := range contacts {
		for _, a := range c.Addresses {
			strength[a] = c.Strength
		}
	}
	var f map[string][]struct {
		Email string `json:"email"`
	}
	jsonOf(t, &f, "--config", cfg, "followups", "--json", "--as-of", now)
	total := 0
	for _, list := range []string{"awaiting_reply", "owes_reply"} {
		total += len(f[list])
		for i := 1; i < len(f[list]); i++ {
			prev, cur := f[list][i-1].Email, f[list][i].Email
			if strength[cur] > strength[prev] {
				t.Errorf("%s: %s (strength %.1f) after %s (%.1f)", list, cur, strength[cur], prev, strength[prev])
			}
		}
	}
	if total < 3 {
		t.Errorf("only %d follow-ups in the synthetic mailbox: the order is barely tested: %v", total, f)
	}
}
