package templates

import (
	"strings"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/digest"
)

// sampleNow is the moment of the sample data.
var sampleNow = time.Date(2026, time.March, 2, 7, 0, 0, 0, time.UTC)

// sampleMe is a user with every setting filled in.
func sampleMe() digest.Me {
	return digest.Me{
		Name: "Jane Doe", FirstName: "Jane", Email: "jane@example.com",
		Pitch:      "I build payment systems that stay up, and I like teaching teams to do the same",
		LookingFor: "a staff engineer position on a platform team", JobHunting: true,
		TargetCompanies: []string{"Globex", "initech.com"},
	}
}

// samplePerson is someone with every field filled in.
func samplePerson() digest.Person {
	last := sampleNow.AddDate(0, 0, -49)
	body := "Hi Marcus,\n\nOur thread about \"Offsite budget\" came back to mind today.\n\nBest,\nJane"
	return digest.Person{
		Key: "marcus@globex.com", Name: "Marcus Chen", FirstName: "Marcus", Email: "marcus@globex.com",
		Status: string(rekindle.StatusCooling), Score: 73.2, Peak: 88.1, Overdue: 2.5,
		Reasons: []string{
			"last exchange 49 days ago (usually every 20 days)",
			"79 exchanges over 3 years",
			`last subject: "Offsite budget" (they wrote last)`,
			"at Globex, one of your target companies",
		},
		DaysSilent: 49, Ago: "7 weeks ago", Silence: "7 weeks", LastMonth: "January",
		CadenceDays: 20, Exchanges: 79, Sent: 120, Received: 131, Threads: 40, Years: 2.8,
		LastSubject: "Offsite budget", LastDate: last, LastFromMe: false,
		Target: "Globex", Tags: []string{"work", "jobsearch"}, Pinned: true,
		Followup: digest.FollowupAwaiting, DaysWaiting: 9,
		DraftKind: rekindle.DraftKindReferral, DraftRule: "job search: at Globex",
		Draft: digest.Draft{
			To: "marcus@globex.com", Subject: "A question about my job search, Marcus", Body: body,
			InReplyTo: "abc@example.com", References: []string{"abc@example.com"},
			MailtoURL: digest.Mailto("marcus@globex.com", "A question about my job search, Marcus", body, "abc@example.com"),
		},
	}
}

// sampleBare is someone about whom nothing is known but the address.
func sampleBare() digest.Person {
	return digest.Person{
		Key: "x@example.net", Email: "x@example.net", DraftKind: rekindle.DraftKindCheckin,
		Draft: digest.Draft{To: "x@example.net", MailtoURL: "mailto:x@example.net?subject="},
	}
}

// sampleAction is an action of kind about target, as the daemon offers it:
// a mailto: to the user whose Subject carries the command. (This package
// may not import package actions; the Subject is written out.)
func sampleAction(kind, target, about string) digest.Action {
	subject := "[rekindle] " + kind + ": " + about + " (" + target + " 2026-03-02 Zk3vQm9sT2xBcDEfGh1jKw)"
	body := "Send this message as it is: rekindle applies it at its next sync."
	return digest.Action{
		Kind: kind, Label: strings.ToUpper(kind[:1]) + kind[1:],
		URL: digest.Mailto("jane@example.com", subject, body, ""),
	}
}

// samplePickActions are a pick's actions, plus no reply needed when a
// conversation with them waits.
func samplePickActions(p *digest.Person) []digest.Action {
	about := p.Name
	if about == "" {
		about = p.Email
	}
	var as []digest.Action
	for _, k := range []string{"snooze 30 days", "snooze 3 months", "not someone to suggest", "less often", "more often"} {
		as = append(as, sampleAction(k, p.Key, about))
	}
	if p.Followup != "" {
		as = append(as, sampleNoReply(p))
	}
	return as
}

// sampleNoReply is the action that says p's conversation needs no reply.
func sampleNoReply(p *digest.Person) digest.Action {
	return sampleAction("no reply needed", p.Draft.InReplyTo, `"`+p.LastSubject+`" with `+p.Name)
}

// sampleDrafts are the data draft templates are validated with: every
// field set, then as little as possible, so both sides of each {{if}} run.
func sampleDrafts() []*digest.DraftData {
	full := samplePerson()
	owes := samplePerson()
	owes.Followup, owes.LastFromMe = digest.FollowupOwes, false
	return []*digest.DraftData{
		{Person: full, Me: sampleMe(), Date: sampleNow},
		{Person: owes, Me: sampleMe(), Date: sampleNow},
		{Person: sampleBare(), Date: sampleNow},
	}
}

// Sample returns a digest with every field in use: two people (one at a
// target company, one without a name), someone awaiting a reply and
// someone owed one, each with their actions, the pause, and what earlier
// taps did. It is what `rekindle templates check` renders.
func Sample() *digest.Digest {
	p := samplePerson()
	dormant := sampleBare()
	dormant.Status, dormant.Reasons = string(rekindle.StatusDormant), []string{"dormant, but once a strong tie (warmth 53/100 at the last exchange)"}
	aw := samplePerson()
	aw.Name, aw.FirstName, aw.Email, aw.Target, aw.Tags, aw.Pinned = "Hannah Schmidt", "Hannah", "hannah@uni.example", "", nil, false
	aw.DraftKind = rekindle.DraftKindFollowup
	owes := aw
	owes.Followup, owes.DraftKind, owes.LastFromMe = digest.FollowupOwes, rekindle.DraftKindReply, false
	p.Actions, dormant.Actions = samplePickActions(&p), samplePickActions(&dormant)
	aw.Actions, owes.Actions = []digest.Action{sampleNoReply(&aw)}, []digest.Action{sampleNoReply(&owes)}
	pause := sampleAction("pause digests for a week", "digests", "your digests")
	return &digest.Digest{
		Date: sampleNow, Subject: "Reconnect with Marcus and x@example.net, plus 2 follow-ups", Me: sampleMe(),
		People:        []digest.Person{p, dormant},
		AwaitingReply: []digest.Person{aw},
		OwesReply:     []digest.Person{owes},
		Applied:       []string{"Anna Kowalski snoozed until 1 April", "1 follow-up dismissed"},
		Pause:         &pause,
	}
}

// withoutActions returns d as a digest built without actions: none
// offered, nothing applied.
func withoutActions(d *digest.Digest) *digest.Digest {
	d.Pause, d.Applied = nil, nil
	for _, list := range [][]digest.Person{d.People, d.AwaitingReply, d.OwesReply} {
		for i := range list {
			list[i].Actions = nil
		}
	}
	return d
}

// sampleDigests are the data digest templates are validated with: the
// full sample, one with more follow-ups than it shows, one with people
// only, one with follow-ups only, one without actions, and two empty ones:
// with the pause and what earlier taps did, and for a user who set
// nothing.
func sampleDigests() []*digest.Digest {
	full := Sample()
	capped := Sample()
	capped.MoreAwaiting, capped.MoreOwes = 4, 1
	peopleOnly := Sample()
	peopleOnly.AwaitingReply, peopleOnly.OwesReply = nil, nil
	followupsOnly := Sample()
	followupsOnly.People = nil
	noActions := withoutActions(Sample())
	paused := Sample()
	emptyPaused := &digest.Digest{Date: sampleNow, Subject: "Nobody due today", Me: sampleMe(), Empty: true, Applied: paused.Applied, Pause: paused.Pause}
	empty := &digest.Digest{Date: sampleNow, Subject: "Nobody due today", Empty: true}
	return []*digest.Digest{full, capped, peopleOnly, followupsOnly, noActions, emptyPaused, empty}
}
