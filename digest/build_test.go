package digest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/relationship"
)

// fakeTemplates renders every draft as "KIND for FIRSTNAME" and the
// digest's subject as the count of people; kinds lists the draft kinds it
// has.
type fakeTemplates struct{ kinds []string }

func (f fakeTemplates) HasDraft(kind string) bool {
	for _, k := range f.kinds {
		if k == kind {
			return true
		}
	}
	return false
}

func (f fakeTemplates) Execute(name string, data any) (string, error) {
	switch d := data.(type) {
	case *DraftData:
		if strings.HasSuffix(name, ".subject") {
			return d.DraftKind + " subject for " + d.Name + "\r\nBcc: x@y", nil
		}
		return fmt.Sprintf("%s\n\nfor %s (%s)\n", d.DraftKind, d.FirstName, d.Me.FirstName), nil
	case *Digest:
		return fmt.Sprintf("%d people\nX-Injected: yes", len(d.People)), nil
	}
	return "", fmt.Errorf("unexpected data %T", data)
}

var builtin = fakeTemplates{kinds: []string{"checkin", "followup", "reconnect", "referral", "reply", "congrats"}}

func TestChooseKind(t *testing.T) {
	rules := DraftRules{
		ByStatus: map[string]string{"cooling": "checkin", "cold": "checkin", "dormant": "reconnect"},
		ByTag:    map[string]string{"family": "congrats", "jobsearch": "referral"},
	}
	hunting := Me{LookingFor: "a staff role", JobHunting: true}
	tests := []struct {
		title string
		p     Person
		me    Me
		want  string
	}{
		{"cooling", Person{Status: "cooling", Score: 80}, Me{}, "checkin"},
		{"cold", Person{Status: "cold"}, Me{}, "checkin"},
		{"dormant", Person{Status: "dormant"}, Me{}, "reconnect"},
		{"warm, pinned", Person{Status: "warm", Pinned: true}, Me{}, "checkin"},
		{"unknown status", Person{}, Me{}, "checkin"},
		{"tag wins over status", Person{Status: "dormant", Tags: []string{"family"}}, Me{}, "congrats"},
		{"first tag alphabetically", Person{Status: "cold", Tags: []string{"jobsearch", "family"}}, Me{}, "congrats"},
		{"untagged rule ignored", Person{Status: "cold", Tags: []string{"other"}}, Me{}, "checkin"},
		{"awaiting wins over tag", Person{Status: "cold", Tags: []string{"family"}, Followup: FollowupAwaiting}, hunting, "followup"},
		{"owes wins over target", Person{Status: "cooling", Target: "Acme", Followup: FollowupOwes}, hunting, "reply"},
		{"job hunting: a strong tie at a target", Person{Status: "cold", Target: "Acme", Vouches: true}, hunting, "referral"},
		{"job hunting: a strong tie elsewhere", Person{Status: "cooling", Vouches: true}, hunting, "referral"},
		{"job hunting: a strong tie gone cold", Person{Status: "cold", Vouches: true}, hunting, "referral"},
		{"job hunting: a weak tie at a target gets a check-in", Person{Status: "cold", Target: "Acme", Score: 90}, hunting, "checkin"},
		{"job hunting: a weak tie elsewhere", Person{Status: "cooling", Score: 90}, hunting, "checkin"},
		{"job hunting: never dormant", Person{Status: "dormant", Vouches: true, Target: "Acme"}, hunting, "reconnect"},
		{"not hunting: a strong tie at a target", Person{Status: "cold", Target: "Acme", Vouches: true}, Me{}, "checkin"},
		{"tag wins over job search", Person{Status: "cold", Target: "Acme", Vouches: true, Tags: []string{"family"}}, hunting, "congrats"},
	}
	for _, tt := range tests {
		t.Run(tt.title, func(t *testing.T) {
			got, why := ChooseKind(&tt.p, tt.me, rules)
			if got != tt.want {
				t.Errorf("ChooseKind = %q (%s), want %q", got, why, tt.want)
			}
			if why == "" {
				t.Error("no reason given")
			}
		})
	}
}

func TestCheckRules(t *testing.T) {
	err := CheckRules(builtin, DraftRules{
		ByStatus: map[string]string{"cold": "chekin"},
		ByTag:    map[string]string{"family": "congrats", "vip": "gala"},
	})
	if err == nil {
		t.Fatal("no error for unknown kinds")
	}
	for _, want := range []string{`digest.drafts_by_status.cold: no templates for draft kind "chekin"`, `digest.drafts_by_tag.vip: no templates for draft kind "gala"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "congrats") {
		t.Errorf("error names a kind that exists: %v", err)
	}
	if err := CheckRules(fakeTemplates{kinds: []string{"checkin"}}, DraftRules{}); err == nil || !strings.Contains(err.Error(), `"referral"`) {
		t.Errorf("missing built-in kinds: %v", err)
	}
}

var now = time.Date(2026, 3, 2, 7, 30, 0, 0, time.UTC)

func suggestion(key, name string, status rekindle.Status, days int, tags ...string) relationship.Suggestion {
	last := now.AddDate(0, 0, -days)
	return relationship.Suggestion{
		Contact: relationship.Contact{
			Key: key, Email: key, Addresses: []string{key}, Name: name, TwoWay: true, Status: status,
			Score: 60, ExchangeDays: 12, FirstContact: last.AddDate(-2, 0, 0), LastContact: last, DaysSilent: days,
			CadenceDays: 14, LastSubject: "Re: AW: [team] Plans\r\nfor Q3", LastMessageID: "last@" + key, Tags: tags,
		},
		Overdue: 3, Reasons: []string{"why\r\nBcc: evil"},
	}
}

func TestBuild(t *testing.T) {
	in := Input{
		Now: now,
		Me:  Me{Name: "Doe, Jane", Email: "jane@example.com"},
		Suggestions: []relationship.Suggestion{
			suggestion("marcus@x.org", "Marcus Chen", rekindle.StatusCooling, 30),
			suggestion("sarah@x.org", "", rekindle.StatusDormant, 400),
			suggestion("fam@x.org", "Fam Ily", rekindle.StatusCold, 90, "family"),
		},
		Followups: relationship.Followups{
			AwaitingReply: []relationship.Followup{
				{Key: "marcus@x.org", Email: "marcus@x.org", Name: "Marcus Chen", Subject: "Re: Lunch?", Date: now.AddDate(0, 0, -20), MessageID: "m1@jane", References: []string{"m0@marcus"}, DaysWaiting: 20},
				{Key: "hannah@x.org", Email: "hannah@x.org", Name: "Schmidt, Hannah", Subject: "Thesis", Date: now.AddDate(0, 0, -7), MessageID: "h1@jane", DaysWaiting: 7},
			},
			OwesReply: []relationship.Followup{
				{Key: "omar@x.org", Email: "omar@x.org", Name: "omar", Subject: "Deploy", Date: now.AddDate(0, 0, -6), MessageID: "o1@omar", DaysWaiting: 6},
			},
		},
		Contacts:  []relationship.Contact{{Key: "hannah@x.org", Email: "hannah@x.org", Status: rekindle.StatusWarm, ExchangeDays: 40, Tags: []string{"uni"}}},
		Rules:     DraftRules{ByTag: map[string]string{"family": "congrats"}},
		Templates: builtin,
	}
	d, err := Build(in)
	if err != nil {
		t.Fatal(err)
	}
	if d.Me.FirstName != "Jane" || d.Me.JobHunting {
		t.Errorf("Me = %+v", d.Me)
	}
	if len(d.People) != 3 || len(d.AwaitingReply) != 1 || len(d.OwesReply) != 1 || d.Empty {
		t.Fatalf("people %d, awaiting %d, owes %d, empty %v", len(d.People), len(d.AwaitingReply), len(d.OwesReply), d.Empty)
	}
	m := d.People[0]
	if m.Followup != FollowupAwaiting || m.DraftKind != "followup" || m.LastSubject != "Lunch?" || !m.LastFromMe || m.DaysWaiting != 20 {
		t.Errorf("Marcus, picked and awaiting a reply: %+v", m)
	}
	if m.Draft.InReplyTo != "m1@jane" || strings.Join(m.Draft.References, " ") != "m0@marcus m1@jane" {
		t.Errorf("Marcus's draft is not threaded: %+v", m.Draft)
	}
	if !strings.Contains(m.Draft.MailtoURL, "&in-reply-to=%3Cm1%40jane%3E") {
		t.Errorf("mailto lacks In-Reply-To: %s", m.Draft.MailtoURL)
	}
	if got := m.Reasons[len(m.Reasons)-1]; got != `you wrote 3 weeks ago about "Lunch?" and have had no answer` {
		t.Errorf("Marcus's last reason = %q", got)
	}
	s := d.People[1]
	if s.DraftKind != "reconnect" || s.FirstName != "" || s.Ago != "13 months ago" || s.LastSubject != "Plans for Q3" {
		t.Errorf("Sarah: %+v", s)
	}
	if s.Draft.InReplyTo != "" || len(s.Draft.References) != 0 {
		t.Errorf("a reconnection starts a new thread: %+v", s.Draft)
	}
	if f := d.People[2]; f.DraftKind != "congrats" || f.DraftRule != "tag family" {
		t.Errorf("Fam: kind %q rule %q", f.DraftKind, f.DraftRule)
	}
	h := d.AwaitingReply[0]
	if h.FirstName != "Hannah" || h.Status != "warm" || h.Exchanges != 40 || len(h.Tags) != 1 || h.DraftKind != "followup" {
		t.Errorf("Hannah, enriched from her contact: %+v", h)
	}
	o := d.OwesReply[0]
	if o.FirstName != "" || o.DraftKind != "reply" || o.LastFromMe || o.Draft.InReplyTo != "o1@omar" {
		t.Errorf("Omar: %+v", o)
	}
	for _, p := range append(append(d.People, d.AwaitingReply...), d.OwesReply...) {
		for _, s := range append([]string{p.Name, p.LastSubject, p.Draft.Subject}, p.Reasons...) {
			if strings.ContainsAny(s, "\r\n") {
				t.Errorf("%s: %q holds a line break", p.Email, s)
			}
		}
		if strings.Contains(p.Draft.Body, "\r") || strings.HasSuffix(p.Draft.Body, "\n") {
			t.Errorf("%s: body not normalised: %q", p.Email, p.Draft.Body)
		}
	}
	if d.Subject != "3 people X-Injected: yes" {
		t.Errorf("subject %q", d.Subject)
	}

	in.Rules.ByStatus = map[string]string{"cold": "nosuch"}
	if _, err := Build(in); err == nil || !strings.Contains(err.Error(), "digest.drafts_by_status.cold") {
		t.Errorf("unknown kind: %v", err)
	}
}

func TestBuildEmpty(t *testing.T) {
	d, err := Build(Input{Now: now, Templates: builtin})
	if err != nil {
		t.Fatal(err)
	}
	if !d.Empty || d.People == nil || d.AwaitingReply == nil || d.OwesReply == nil {
		t.Errorf("empty digest: %+v", d)
	}
}
