package digest_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/rekindle/rekindle/actions"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/digest/internal/fixture"
	"github.com/rekindle/rekindle/synth"
)

// TestFixtureActions checks the fixture's action links are what the
// daemon would send itself: a mailto: to the user whose Subject parses
// back to the command offered and verifies with the fixture's secret, and
// whose body says what sending it does.
func TestFixtureActions(t *testing.T) {
	d, err := fixture.Digest(defaults(t), fixture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type offered struct {
		digest.Action
		target string
	}
	var all []offered
	for _, list := range [][]digest.Person{d.People, d.AwaitingReply, d.OwesReply} {
		for _, p := range list {
			for _, a := range p.Actions {
				target := p.Key
				if a.Kind == string(actions.NoReplyNeeded) {
					target = p.Draft.InReplyTo
				}
				all = append(all, offered{a, target})
			}
		}
	}
	if d.Pause == nil {
		t.Fatal("no pause")
	}
	all = append(all, offered{*d.Pause, actions.PauseTarget})
	if len(all) < 10 || len(d.Applied) == 0 {
		t.Fatalf("%d actions and %d applied lines; the fixture should show both", len(all), len(d.Applied))
	}
	for _, a := range all {
		u, err := url.Parse(a.URL)
		if err != nil || u.Scheme != "mailto" {
			t.Fatalf("%s: %q is not a mailto: URL (%v)", a.Label, a.URL, err)
		}
		if to, _ := url.PathUnescape(u.Opaque); to != d.Me.Email {
			t.Errorf("%s goes to %q, want the user's %q", a.Label, to, d.Me.Email)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatal(err)
		}
		req, err := actions.Parse(q.Get("subject"))
		if err != nil {
			t.Fatalf("%s: %v", a.Label, err)
		}
		if string(req.Kind) != a.Kind || req.Target != a.target || req.Day != d.Date.Format("2006-01-02") {
			t.Errorf("%s: subject says %+v, want %s about %s on %s", a.Label, req.Command, a.Kind, a.target, d.Date.Format("2006-01-02"))
		}
		if err := actions.Verify(fixture.Secret, req, synth.DefaultNow); err != nil {
			t.Errorf("%s: %v", a.Label, err)
		}
		if body := q.Get("body"); !strings.HasPrefix(body, "Send this message as it is: rekindle will ") {
			t.Errorf("%s: body %q", a.Label, body)
		}
	}
}
