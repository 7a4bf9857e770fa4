package digest

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/rekindle/rekindle/actions"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/relationship"
)

// What Person.Followup says.
const (
	FollowupAwaiting = "awaiting_reply" // the user wrote; they have not answered
	FollowupOwes     = "owes_reply"     // they wrote; the user has not answered
)

// Digest is one morning's digest: who to reconnect with and why, with a
// drafted message each, and the conversations waiting for an answer. It is
// what the digest templates are executed with, and what `rekindle digest
// --json` prints; the JSON names are in the package documentation.
type Digest struct {
	// Date is the moment the digest describes (the --as-of time), in the
	// digest's time zone.
	Date time.Time `json:"date"`
	// Subject is the digest's subject line, rendered from digest.subject
	// and header-safe.
	Subject string `json:"subject"`
	// Me is the user.
	Me Me `json:"me"`
	// People are the picks, most worth a note first.
	People []Person `json:"people"`
	// AwaitingReply are people who have not answered the user, and
	// OwesReply people the user has not answered: the strongest ties
	// first, at most Input.MaxFollowups (3) of each. Someone already among
	// People is not repeated here: their entry there carries the
	// follow-up (Person.Followup).
	AwaitingReply []Person `json:"awaiting_reply"`
	OwesReply     []Person `json:"owes_reply"`
	// MoreAwaiting and MoreOwes count the follow-ups of each kind left
	// out for the cap: `rekindle followups` lists them all.
	MoreAwaiting int `json:"more_awaiting"`
	MoreOwes     int `json:"more_owes"`
	// Empty is true when there is nobody in any of the three lists.
	Empty bool `json:"empty"`
	// Applied says, one line each, what the user's taps on earlier
	// digests' actions did since the last digest ("Marcus Chen snoozed
	// until 30 December"); empty when nothing.
	Applied []string `json:"applied"`
	// Pause is the action that pauses the digests for a week; nil when
	// the digest offers no actions (Input.Actions is nil).
	Pause *Action `json:"pause,omitempty"`
}

// Action is a one-tap command offered in the digest: a mailto: link to
// the user's own address whose message, once sent, the next sync applies
// (see package actions).
type Action struct {
	// Kind is what it does (actions.Kind's value: "snooze 30 days").
	Kind string `json:"kind"`
	// Label is the link's text: "Snooze 30 days".
	Label string `json:"label"`
	// URL is the mailto: URL.
	URL string `json:"url"`
}

// Linker makes the mailto: URL of an action of kind about target; label
// says whom or what it is about, in words. It returns "" for an action
// it cannot offer, which the digest then leaves out.
type Linker func(kind actions.Kind, target, label string) string

// Me is the user, as the config describes them.
type Me struct {
	// Name is the user's full name; FirstName is derived from it.
	Name      string `json:"name"`
	FirstName string `json:"first_name"`
	// Email is the user's main address.
	Email string `json:"email"`
	// Pitch is a sentence or two about what the user does or offers.
	Pitch string `json:"pitch"`
	// LookingFor is the role the user is looking for; JobHunting is true
	// when it is set.
	LookingFor string `json:"looking_for"`
	JobHunting bool   `json:"job_hunting"`
	// TargetCompanies are the companies or domains the user would like to
	// work at.
	TargetCompanies []string `json:"target_companies"`
}

// Person is someone in the digest, with a drafted message. Every name,
// address and subject in it came from mail and is untrusted: it has been
// made one line (no CR, LF or other control characters) and cut to a sane
// length, but templates must still escape it for their medium, which
// html/template does by itself.
type Person struct {
	// Key is the contact's stable key in the store (an address).
	Key string `json:"key"`
	// Name is the display name or, when the mail carried none, a name
	// read from the address (jane.doe@ is Jane Doe; see
	// relationship.NameFromAddress), possibly empty; FirstName is what to
	// greet them by, empty when nothing sensible can be derived (see
	// FirstName).
	Name      string `json:"name"`
	FirstName string `json:"first_name"`
	// Email is where a message should go.
	Email string `json:"email"`
	// Status is warm, cooling, cold or dormant; empty for a follow-up
	// whose contact is unknown.
	Status string `json:"status"`
	// Score is the warmth, 0-100; Peak the warmth at the last exchange.
	Score float64 `json:"score"`
	Peak  float64 `json:"peak"`
	// Strength is the tie's strength, 0-100, and StrengthRank its place
	// among the user's ties (1: the strongest); Vouches is true when the
	// tie is strong enough to be asked for a referral (see
	// relationship.Contact.Vouches).
	Strength     float64 `json:"strength"`
	StrengthRank int     `json:"strength_rank"`
	Vouches      bool    `json:"vouches"`
	// Overdue is the silence measured in usual gaps (3: three times longer
	// than usual); zero for follow-ups.
	Overdue float64 `json:"overdue"`
	// Reasons say why they are here, in words and numbers.
	Reasons []string `json:"reasons"`
	// DaysSilent is whole days since LastDate; Ago says it as "3 weeks
	// ago", Silence as "3 weeks", and LastMonth as "January" (or
	// "January 2025" when that is ten months or more back).
	DaysSilent int    `json:"days_silent"`
	Ago        string `json:"ago"`
	Silence    string `json:"silence"`
	LastMonth  string `json:"last_month"`
	// CadenceDays is the usual gap between exchanges, in days.
	CadenceDays float64 `json:"cadence_days"`
	// Exchanges counts the days with mail either way; Sent and Received
	// count messages; Threads counts conversations; Years is the length of
	// the relationship.
	Exchanges int     `json:"exchanges"`
	Sent      int     `json:"sent"`
	Received  int     `json:"received"`
	Threads   int     `json:"threads"`
	Years     float64 `json:"years"`
	// LastSubject is the subject of the last message (for a follow-up, of
	// the message waiting for an answer) without Re:, AW: and the like;
	// LastDate is when it was sent and LastFromMe whether the user sent it.
	LastSubject string    `json:"last_subject"`
	LastDate    time.Time `json:"last_date"`
	LastFromMe  bool      `json:"last_from_me"`
	// Target names the target company or domain they are at; empty if
	// none.
	Target string `json:"target"`
	// Tags and Pinned are the user's labels.
	Tags   []string `json:"tags"`
	Pinned bool     `json:"pinned"`
	// Followup is FollowupAwaiting or FollowupOwes when a message between
	// the two waits for an answer, else empty; DaysWaiting is how long it
	// has waited.
	Followup    string `json:"followup"`
	DaysWaiting int    `json:"days_waiting"`
	// DraftKind is the template the draft was written with (checkin,
	// referral, ...) and DraftRule says why that one ("tag jobsearch",
	// "status cooling", ...).
	DraftKind string `json:"draft_kind"`
	DraftRule string `json:"draft_rule"`
	// Draft is the message drafted for them.
	Draft Draft `json:"draft"`
	// Actions are the one-tap commands offered beside them: for a pick,
	// snooze 30 days, snooze 3 months, not someone to suggest, less
	// often, more often (and no reply needed when a follow-up waits);
	// for a follow-up, no reply needed. Empty without Input.Actions.
	Actions []Action `json:"actions"`
}

// Draft is a ready-to-send message.
type Draft struct {
	// To is the recipient's address.
	To string `json:"to"`
	// Subject is header-safe: one line, no control characters.
	Subject string `json:"subject"`
	// Body is plain text, lines separated by LF.
	Body string `json:"body"`
	// InReplyTo and References thread the draft as a reply (Message-IDs
	// without angle brackets); empty for a new conversation.
	InReplyTo  string   `json:"in_reply_to,omitempty"`
	References []string `json:"references,omitempty"`
	// MailtoURL opens the draft in the user's mail program: an RFC 6068
	// mailto: URL carrying subject, body and In-Reply-To.
	MailtoURL string `json:"mailto_url"`
}

// DraftData is what a draft template is executed with: the person's
// fields (promoted: {{.FirstName}}), the user as .Me and the digest's date
// as .Date.
type DraftData struct {
	Person
	Me   Me
	Date time.Time
}

// DraftRules choose each person's draft kind.
type DraftRules struct {
	// ByStatus maps a status (cooling, cold, dormant, warm) to a kind;
	// missing statuses take their default (rekindle.Status's
	// DefaultDraftKind).
	ByStatus map[string]string
	// ByTag maps a contact tag to a kind; it wins over everything but a
	// waiting follow-up.
	ByTag map[string]string
}

// Templates renders the digest's and the drafts' templates; a
// *templates.Set is one.
type Templates interface {
	// Execute renders the template file name ("digest.subject",
	// "checkin.txt", "digest.html") with data.
	Execute(name string, data any) (string, error)
	// HasDraft reports whether the set has NAME.subject and NAME.txt for
	// the draft kind.
	HasDraft(kind string) bool
}

// Input is what a digest is built from.
type Input struct {
	// Now is the moment of the digest; its location is the digest's time
	// zone.
	Now time.Time
	// Me is the user; FirstName and JobHunting are derived when empty.
	Me Me
	// Suggestions are relationship.Pick's choice, in order.
	Suggestions []relationship.Suggestion
	// Followups are the builder's follow-ups as of Now.
	Followups relationship.Followups
	// Contacts, optional, are the contacts as of Now: they give follow-ups
	// their status, counts and tags.
	Contacts []relationship.Contact
	// Rules choose each draft's kind.
	Rules DraftRules
	// MaxFollowups caps each follow-up list (AwaitingReply, OwesReply);
	// zero means DefaultMaxFollowups, negative no cap.
	MaxFollowups int
	// Templates renders the drafts and the subject.
	Templates Templates
	// Actions, when set, makes the one-tap actions' links; nil offers
	// none.
	Actions Linker
	// Applied are the lines for Digest.Applied.
	Applied []string
}

// CheckRules reports a rule that names a draft kind t has no templates
// for, so a typo in the config is an error at startup rather than on the
// morning a contact with that tag comes up.
func CheckRules(t Templates, r DraftRules) error {
	var errs []error
	check := func(key string, m map[string]string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if kind := m[k]; !t.HasDraft(kind) {
				errs = append(errs, fmt.Errorf("digest.%s.%s: no templates for draft kind %q (want %s.subject and %s.txt)", key, k, kind, kind, kind))
			}
		}
	}
	check("drafts_by_status", r.ByStatus)
	check("drafts_by_tag", r.ByTag)
	for _, kind := range rekindle.DraftKinds() {
		if !t.HasDraft(kind) {
			errs = append(errs, fmt.Errorf("templates: no templates for the built-in draft kind %q", kind))
		}
	}
	return errors.Join(errs...)
}

// Build assembles the digest for in.Now: a Person with a drafted message
// for each suggestion and follow-up, and the subject line. It fails when a
// draft's kind has no templates or a template fails to execute; a digest
// is never half rendered.
func Build(in Input) (*Digest, error) {
	if in.Templates == nil {
		return nil, errors.New("build digest: no templates")
	}
	if err := CheckRules(in.Templates, in.Rules); err != nil {
		return nil, err
	}
	now := in.Now
	d := &Digest{Date: now, Me: in.Me.Normalised()}

	contacts := map[string]*relationship.Contact{}
	for i := range in.Contacts {
		contacts[in.Contacts[i].Key] = &in.Contacts[i]
	}
	awaiting := map[string]*relationship.Followup{}
	owes := map[string]*relationship.Followup{}
	for i := range in.Followups.AwaitingReply {
		awaiting[in.Followups.AwaitingReply[i].Key] = &in.Followups.AwaitingReply[i]
	}
	for i := range in.Followups.OwesReply {
		owes[in.Followups.OwesReply[i].Key] = &in.Followups.OwesReply[i]
	}

	picked := map[string]bool{}
	for i := range in.Suggestions {
		s := &in.Suggestions[i]
		p := fromSuggestion(s, now)
		// A picked person with a conversation waiting gets the follow-up
		// in their entry, not a second one below.
		if f := owes[s.Key]; f != nil {
			withFollowup(&p, f, FollowupOwes, now)
		} else if f := awaiting[s.Key]; f != nil {
			withFollowup(&p, f, FollowupAwaiting, now)
		}
		picked[s.Key] = true
		d.People = append(d.People, p)
	}
	limit := in.MaxFollowups
	if limit == 0 {
		limit = DefaultMaxFollowups
	}
	var shown []relationship.Followup
	shown, d.MoreAwaiting = shownFollowups(in.Followups.AwaitingReply, picked, limit)
	for i := range shown {
		d.AwaitingReply = append(d.AwaitingReply, fromFollowup(&shown[i], contacts[shown[i].Key], FollowupAwaiting, now))
	}
	shown, d.MoreOwes = shownFollowups(in.Followups.OwesReply, picked, limit)
	for i := range shown {
		d.OwesReply = append(d.OwesReply, fromFollowup(&shown[i], contacts[shown[i].Key], FollowupOwes, now))
	}
	d.Empty = len(d.People)+len(d.AwaitingReply)+len(d.OwesReply) == 0

	for _, list := range [][]Person{d.People, d.AwaitingReply, d.OwesReply} {
		for i := range list {
			p := &list[i]
			p.DraftKind, p.DraftRule = ChooseKind(p, d.Me, in.Rules)
			if err := draft(in.Templates, p, d); err != nil {
				return nil, err
			}
		}
	}
	if in.Actions != nil {
		offerActions(d, in.Actions)
	}
	// Applied lines name people as their mail did: untrusted text.
	d.Applied = make([]string, 0, len(in.Applied))
	for _, l := range in.Applied {
		d.Applied = append(d.Applied, untrusted(l, maxReason))
	}
	d.People, d.AwaitingReply, d.OwesReply = nonNil(d.People), nonNil(d.AwaitingReply), nonNil(d.OwesReply)
	subject, err := in.Templates.Execute("digest.subject", d)
	if err != nil {
		return nil, fmt.Errorf("render the digest's subject: %w", err)
	}
	d.Subject = HeaderSafe(subject)
	return d, nil
}

// offerActions gives each person in d their actions, and d its Pause.
func offerActions(d *Digest, link Linker) {
	add := func(p *Person, kind actions.Kind, target, label string) {
		if target == "" {
			return
		}
		if u := link(kind, target, label); u != "" {
			p.Actions = append(p.Actions, Action{Kind: string(kind), Label: kind.Label(), URL: u})
		}
	}
	name := func(p *Person) string {
		if p.Name != "" {
			return p.Name
		}
		return p.Email
	}
	conversation := func(p *Person) string {
		return fmt.Sprintf("%q with %s", p.LastSubject, name(p))
	}
	for i := range d.People {
		p := &d.People[i]
		for _, k := range []actions.Kind{actions.Snooze30, actions.Snooze90, actions.Ignore, actions.LessOften, actions.MoreOften} {
			add(p, k, p.Key, name(p))
		}
		if p.Followup != "" {
			add(p, actions.NoReplyNeeded, p.Draft.InReplyTo, conversation(p))
		}
	}
	for _, list := range [][]Person{d.AwaitingReply, d.OwesReply} {
		for i := range list {
			add(&list[i], actions.NoReplyNeeded, list[i].Draft.InReplyTo, conversation(&list[i]))
		}
	}
	if u := link(actions.Pause, actions.PauseTarget, "your digests"); u != "" {
		d.Pause = &Action{Kind: string(actions.Pause), Label: actions.Pause.Label(), URL: u}
	}
}

// nonNil returns ps, or an empty list for nil, and gives every Person
// non-nil lists: JSON readers get [] rather than null.
func nonNil(ps []Person) []Person {
	if ps == nil {
		return []Person{}
	}
	for i := range ps {
		if ps[i].Reasons == nil {
			ps[i].Reasons = []string{}
		}
		if ps[i].Tags == nil {
			ps[i].Tags = []string{}
		}
		if ps[i].Actions == nil {
			ps[i].Actions = []Action{}
		}
	}
	return ps
}

// ChooseKind picks the draft kind for a person and says why:
//
//  1. a conversation waiting for an answer gets a reply (they wrote last)
//     or a follow-up (the user did): asking anything on top of an
//     unanswered message is the wrong order;
//  2. else the first of the person's tags (sorted) that Rules.ByTag names;
//  3. else, while the user is job hunting, referral for a tie strong
//     enough to vouch (Person.Vouches), never for a dormant one (a year
//     of silence is broken with interest, not an ask); a weak tie, at a
//     target company or not, gets the status's check-in that offers help:
//     nobody vouches for someone they barely know;
//  4. else Rules.ByStatus for the status, then the status's default
//     (rekindle.Status's DefaultDraftKind), then checkin.
func ChooseKind(p *Person, me Me, r DraftRules) (kind, why string) {
	switch p.Followup {
	case FollowupOwes:
		return rekindle.DraftKindReply, "you owe a reply"
	case FollowupAwaiting:
		return rekindle.DraftKindFollowup, "awaiting their reply"
	}
	tags := slices.Clone(p.Tags)
	sort.Strings(tags)
	for _, t := range tags {
		if k, ok := r.ByTag[t]; ok && k != "" {
			return k, "tag " + t
		}
	}
	if me.JobHunting && p.Vouches && p.Status != string(rekindle.StatusDormant) {
		if p.Target != "" {
			return rekindle.DraftKindReferral, "job search: a strong tie at " + p.Target
		}
		return rekindle.DraftKindReferral, "job search: a strong tie"
	}
	if k, ok := r.ByStatus[p.Status]; ok && k != "" {
		return k, "status " + p.Status
	}
	if k := rekindle.Status(p.Status).DefaultDraftKind(); k != "" {
		return k, "status " + p.Status
	}
	return rekindle.DraftKindCheckin, "default"
}

// draft renders p's draft with the templates of its kind.
func draft(t Templates, p *Person, d *Digest) error {
	if !t.HasDraft(p.DraftKind) {
		return fmt.Errorf("draft for %s: no templates for draft kind %q (rule: %s)", p.Email, p.DraftKind, p.DraftRule)
	}
	data := &DraftData{Person: *p, Me: d.Me, Date: d.Date}
	subject, err := t.Execute(p.DraftKind+".subject", data)
	if err != nil {
		return fmt.Errorf("draft for %s: %w", p.Email, err)
	}
	body, err := t.Execute(p.DraftKind+".txt", data)
	if err != nil {
		return fmt.Errorf("draft for %s: %w", p.Email, err)
	}
	p.Draft.To = p.Email
	p.Draft.Subject = HeaderSafe(subject)
	p.Draft.Body = normaliseBody(body)
	p.Draft.MailtoURL = Mailto(p.Draft.To, p.Draft.Subject, p.Draft.Body, p.Draft.InReplyTo)
	return nil
}

// Normalised returns m tidied, with FirstName and JobHunting derived;
// Build does it to the Me it is given.
func (m Me) Normalised() Me {
	m.Name = oneLine(m.Name)
	if m.FirstName == "" {
		m.FirstName = FirstName(m.Name, m.Email)
	}
	m.Pitch = oneLine(m.Pitch)
	m.LookingFor = oneLine(m.LookingFor)
	m.JobHunting = m.JobHunting || m.LookingFor != ""
	m.TargetCompanies = append([]string{}, m.TargetCompanies...)
	return m
}

// fromSuggestion turns a pick into a Person (without its draft).
func fromSuggestion(s *relationship.Suggestion, now time.Time) Person {
	p := fromContact(&s.Contact, now)
	p.Status = string(s.Status)
	p.Overdue = s.Overdue
	p.Target = untrusted(s.Target, maxName)
	p.Reasons = make([]string, len(s.Reasons))
	for i, r := range s.Reasons {
		p.Reasons[i] = untrusted(r, maxReason)
	}
	return p
}

// fromContact fills a Person's fields from a contact as of now.
func fromContact(c *relationship.Contact, now time.Time) Person {
	email := untrusted(c.Email, maxName)
	name := displayName(c.Name, c.Email)
	p := Person{
		Key:          untrusted(c.Key, maxName),
		Name:         untrusted(name, maxName),
		FirstName:    FirstName(name, c.Email),
		Email:        email,
		Status:       string(c.Status),
		Score:        round(c.Score, 1),
		Peak:         round(c.Peak, 1),
		Strength:     round(c.Strength, 1),
		StrengthRank: c.StrengthRank,
		Vouches:      c.Vouches(),
		CadenceDays:  round(c.CadenceDays, 1),
		Exchanges:    c.ExchangeDays,
		Sent:         c.Sent,
		Received:     c.Received,
		Threads:      c.Threads,
		Years:        round(c.Years, 1),
		LastSubject:  untrusted(relationship.CleanSubject(c.LastSubject), maxSubject),
		LastFromMe:   c.LastFromMe,
		Tags:         slices.Clone(c.Tags),
		Pinned:       c.Pinned,
	}
	for i, t := range p.Tags {
		p.Tags[i] = untrusted(t, maxName)
	}
	setLast(&p, c.LastContact, now)
	return p
}

// setLast sets LastDate and the phrases derived from it.
func setLast(p *Person, t, now time.Time) {
	if t.IsZero() {
		return
	}
	p.LastDate = t.In(now.Location())
	p.DaysSilent = daysBetween(t, now)
	p.Ago = Ago(p.DaysSilent)
	p.Silence = Silence(p.DaysSilent)
	p.LastMonth = monthPhrase(t, now)
}

// withFollowup makes p's last message the one waiting for an answer and
// threads the draft as a reply to it.
func withFollowup(p *Person, f *relationship.Followup, kind string, now time.Time) {
	p.Followup = kind
	p.DaysWaiting = f.DaysWaiting
	p.LastSubject = untrusted(relationship.CleanSubject(f.Subject), maxSubject)
	p.LastFromMe = kind == FollowupAwaiting
	setLast(p, f.Date, now)
	if f.MessageID != "" {
		p.Draft.InReplyTo = oneLine(f.MessageID)
		for _, r := range f.References {
			p.Draft.References = append(p.Draft.References, oneLine(r))
		}
		p.Draft.References = append(p.Draft.References, p.Draft.InReplyTo)
	}
	p.Reasons = append(p.Reasons, followupReason(p))
}

// followupReason says what is waiting, in words and numbers.
func followupReason(p *Person) string {
	about := ""
	if p.LastSubject != "" {
		about = fmt.Sprintf(" about %q", p.LastSubject)
	}
	if p.Followup == FollowupOwes {
		return fmt.Sprintf("they wrote %s%s and are waiting for your answer", Ago(p.DaysWaiting), about)
	}
	return fmt.Sprintf("you wrote %s%s and have had no answer", Ago(p.DaysWaiting), about)
}

// fromFollowup turns a follow-up into a Person; c, when known, adds the
// contact's status, counts and tags.
func fromFollowup(f *relationship.Followup, c *relationship.Contact, kind string, now time.Time) Person {
	var p Person
	if c != nil {
		p = fromContact(c, now)
	} else {
		p = Person{Key: untrusted(f.Key, maxName), Score: round(f.Score, 1)}
	}
	name := displayName(f.Name, f.Email)
	p.Name = untrusted(name, maxName)
	p.FirstName = FirstName(name, f.Email)
	p.Email = untrusted(f.Email, maxName)
	p.Reasons = nil
	withFollowup(&p, f, kind, now)
	return p
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

// Rendered is a digest ready to send as multipart/alternative: Subject is
// header-safe, Text the text/plain part and HTML the text/html part.
type Rendered struct {
	Subject string
	Text    string
	HTML    string
}

// Render renders the digest's text and HTML parts with t, which should be
// the set Build used. Any error leaves nothing rendered.
func (d *Digest) Render(t Templates) (Rendered, error) {
	text, err := t.Execute("digest.txt", d)
	if err != nil {
		return Rendered{}, fmt.Errorf("render the digest's text: %w", err)
	}
	html, err := t.Execute("digest.html", d)
	if err != nil {
		return Rendered{}, fmt.Errorf("render the digest's HTML: %w", err)
	}
	return Rendered{Subject: HeaderSafe(d.Subject), Text: normaliseBody(text) + "\n", HTML: html}, nil
}

// Names lists people for a subject line or a sentence: first names (else
// full names, else names read from their addresses, else the addresses)
// of the first n, then "N others": "Sarah,
// Marcus and 3 others"; n <= 0 lists everyone.
func Names(people []Person, n int) string {
	var names []string
	for i := range people {
		if n > 0 && i == n {
			break
		}
		p := &people[i]
		name := p.FirstName
		if name == "" {
			name = p.Name
		}
		if name == "" {
			name = relationship.NameFromAddress(p.Email)
		}
		if name == "" {
			name = p.Email
		}
		names = append(names, name)
	}
	if rest := len(people) - len(names); rest > 0 {
		word := "others"
		if rest == 1 {
			word = "other"
		}
		names = append(names, fmt.Sprintf("%d %s", rest, word))
	}
	return List(names)
}

// List joins words as "a", "a and b", "a, b and c".
func List(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
