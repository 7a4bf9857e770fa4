package relationship

import (
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

// Nothing dated after as-of changes any result: building from the mail up
// to as-of, and building from all the mail with Options.AsOf, give the same
// contacts, follow-ups and picks. Nor does the order of Add.
func TestTimeTravel(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		mb := genMailbox(seed, 4000)
		r := rand.New(rand.NewPCG(seed, 11))
		for range 3 {
			asOf := day(float64(200 + r.IntN(800))).Add(time.Duration(r.IntN(86400)) * time.Second)
			var before []*Mail
			for _, m := range mb.mail {
				if !m.When.After(asOf) {
					before = append(before, m)
				}
			}
			if len(before) == len(mb.mail) {
				t.Fatal("no mail after as-of")
			}
			past := build(mb.opts, before)
			opts := mb.opts
			opts.AsOf = asOf
			all := build(opts, mb.mail)
			shuffled := append([]*Mail(nil), before...)
			r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
			mixed := build(mb.opts, shuffled)

			want := past.Contacts(asOf)
			if len(want) < 5 {
				t.Fatalf("only %d contacts", len(want))
			}
			for name, b := range map[string]*Builder{"with AsOf": all, "shuffled": mixed} {
				if got := b.Contacts(asOf); !reflect.DeepEqual(got, want) {
					t.Errorf("seed %d, as of %v, %s: contacts differ\n got %+v\nwant %+v", seed, asOf, name, first(got), first(want))
				}
				if got, want := b.Followups(asOf, 0), past.Followups(asOf, 0); !reflect.DeepEqual(got, want) {
					t.Errorf("seed %d, as of %v, %s: follow-ups differ", seed, asOf, name)
				}
				po := PickOptions{LastSuggested: map[string]time.Time{want[0].Key: asOf.Add(-24 * time.Hour)}}
				if got, want := Pick(b.Contacts(asOf), asOf, po), Pick(past.Contacts(asOf), asOf, po); !reflect.DeepEqual(got, want) {
					t.Errorf("seed %d, as of %v, %s: picks differ", seed, asOf, name)
				}
			}
		}
	}
}

func first(cs []Contact) any {
	if len(cs) == 0 {
		return nil
	}
	return cs[0]
}

// Each kind of later mail, one at a time: none changes the view as of now.
func TestTimeTravelCases(t *testing.T) {
	const bob = "Bob Smith <bob@acme.com>"
	now := day(100).Add(12 * time.Hour)
	var base []*Mail
	for d := 0.0; d < 90; d += 14 {
		base = append(base, exchange(d, bob)...)
	}
	ask := msg(day(95), me, "bob@acme.com").subj("Dinner?")
	base = append(base, ask, msg(day(93), "amy@x.org", me), msg(day(94), me, "amy@x.org"), msg(day(94.5), "amy@x.org", me))
	later := []struct {
		name string
		m    *Mail
	}{
		{"bob answers a second later", msg(now.Add(time.Second), "bob@acme.com", me).replyTo(ask)},
		{"bob answers later the same day", msg(now.Add(5*time.Hour), "bob@acme.com", me).replyTo(ask)},
		{"the user writes to amy tomorrow", msg(now.Add(24*time.Hour), me, "amy@x.org")},
		{"bob answers from another address, in the thread", msg(now.Add(time.Hour), "Bob Smith <bob@home.example>", me).replyTo(ask)},
		{"a new contact next week", msg(now.Add(7*24*time.Hour), "zed@x.org", me)},
		{"bulk mail from bob", msg(now.Add(time.Hour), "bob@acme.com", me).with(func(h *rekindle.Header) { h.ListID = "<l>" })},
	}
	opts := Options{AsOf: now}
	want := build(opts, base)
	wc, wf := want.Contacts(now), want.Followups(now, 0)
	wp := Pick(wc, now, PickOptions{QuietDays: 1})
	if len(wf.AwaitingReply) != 1 || len(wc) != 2 {
		t.Fatalf("base: contacts %v, follow-ups %+v", keys(wc), wf)
	}
	for _, tt := range later {
		t.Run(tt.name, func(t *testing.T) {
			b := build(opts, base, one(tt.m))
			cs := b.Contacts(now)
			if !reflect.DeepEqual(cs, wc) {
				t.Errorf("contacts differ:\n%+v\n%+v", cs, wc)
			}
			if f := b.Followups(now, 0); !reflect.DeepEqual(f, wf) {
				t.Errorf("follow-ups differ: %+v", f)
			}
			if p := Pick(cs, now, PickOptions{QuietDays: 1}); !reflect.DeepEqual(p, wp) {
				t.Errorf("picks differ")
			}
		})
	}
	t.Run("mail at exactly as-of counts", func(t *testing.T) {
		b := build(opts, base, one(msg(now, "bob@acme.com", me).replyTo(ask)))
		if f := b.Followups(now, 0); len(f.AwaitingReply) != 0 {
			t.Errorf("still awaiting: %+v", f.AwaitingReply)
		}
	})
}
