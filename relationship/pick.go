package relationship

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rekindle/rekindle"
)

// PickOptions tunes the digest's choice. Zero fields take the defaults
// named on them.
type PickOptions struct {
	// MaxContacts is the most people picked; default 5.
	MaxContacts int
	// QuietDays: nobody with an exchange in the last QuietDays days is
	// picked, pinned or not (someone you wrote to yesterday needs no
	// nudge); 0 means the default, 14, and a negative value none.
	QuietDays int
	// CoolDown: nobody suggested within CoolDown is picked again, unless
	// pinned; 0 means the default, 14 days, and a negative value none.
	CoolDown time.Duration
	// LastSuggested is when each contact was last suggested, keyed by
	// Contact.Key or by any of the contact's addresses (the store's record
	// survives a change of Key).
	LastSuggested map[string]time.Time
	// LastDormantPick is when a dormant contact was last picked; another is
	// picked only DormantEvery (default 7 days) later.
	LastDormantPick time.Time
	DormantEvery    time.Duration
	// DormantCoolDown replaces CoolDown for a dormant contact when it is
	// longer; default 90 days. A tie silent for over a year that the user
	// let pass is not worth the weekly slot again two weeks later: the
	// slot goes round the other old ties first.
	DormantCoolDown time.Duration
	// DormantMinStrength is the strength a dormant contact needs to be
	// picked; default DefaultMinStrength, as for everyone: a tie that was
	// worth keeping warm is worth reviving, one slot a week.
	DormantMinStrength float64
	// MinExchangeDays is the fewest exchange days a contact needs to be
	// picked unless pinned: a brief exchange is an acquaintance, not yet a
	// relationship; default 4.
	MinExchangeDays int
	// MinStrength is the least strength a contact needs to be picked
	// unless pinned; default DefaultMinStrength.
	MinStrength float64
	// Targets, TargetDomains and TargetCompanies mark people at companies
	// the user is interested in (say, job hunting). A domain matches the
	// contact's address domains and their subdomains; a company name
	// matches a contact tag or the company label of an address domain
	// ("acme" for jane@eu.acme.com), case-insensitively. The pick names
	// the company (Suggestion.Target), and a tie strong enough to vouch
	// (Suggestion.Vouches) has its priority multiplied by TargetBoost
	// (default 1.5): a weak tie at a target company is no better placed to
	// help than anyone else.
	Targets         []Target
	TargetDomains   []string
	TargetCompanies []string
	TargetBoost     float64
}

// Target is a company the user is interested in: a name to show and the
// domains its people write from (either may be empty).
type Target struct {
	Name    string
	Domains []string
}

// Defaults and rules of the digest's choice.
const (
	// DefaultMinStrength is the strength below which nobody is suggested
	// unless pinned: about four days of two-way personal exchange. Below
	// it a tie is an acquaintance met in one short thread, and reviving it
	// is not what the digest is for.
	DefaultMinStrength = 20.0
	// VouchMinStrength and VouchMinPersonalDays make a tie strong enough
	// to vouch for the user, so to be asked for a referral: strength 40 or
	// more (about ten days of two-way exchange over a few threads) and at
	// least four distinct days of personal exchange. Nobody vouches for
	// someone they barely know.
	VouchMinStrength     = 40.0
	VouchMinPersonalDays = 4
)

// Vouches reports whether a tie is strong enough to vouch for the user:
// see VouchMinStrength.
func (c *Contact) Vouches() bool {
	return c.TwoWay && c.Strength >= VouchMinStrength && c.PersonalDays >= VouchMinPersonalDays
}

// Suggestion is one contact Pick chose for the digest, with why.
type Suggestion struct {
	Contact
	// Overdue is the silence in cadences: 3 means three times longer than
	// usual.
	Overdue float64
	// Priority is what picks are ordered by: Strength × urgency, where
	// urgency = 1 + 0.5·log2(min(Overdue, 16) / 2) grows by a half with
	// each doubling of the silence past twice the usual gap; times TargetBoost
	// for a tie at a target company that vouches.
	Priority float64
	// Target names the target company the contact matched; empty if none.
	Target string
	// Vouches is Contact.Vouches: strong enough to be asked for a referral.
	Vouches bool
	// Reasons say why, in plain words and numbers, most important first.
	Reasons []string
}

func (o *PickOptions) normalise() {
	if o.MaxContacts <= 0 {
		o.MaxContacts = 5
	}
	if o.QuietDays == 0 {
		o.QuietDays = 14
	}
	if o.CoolDown == 0 {
		o.CoolDown = 14 * 24 * time.Hour
	}
	if o.DormantEvery <= 0 {
		o.DormantEvery = 7 * 24 * time.Hour
	}
	if o.DormantCoolDown <= 0 {
		o.DormantCoolDown = 90 * 24 * time.Hour
	}
	if o.DormantMinStrength <= 0 {
		o.DormantMinStrength = DefaultMinStrength
	}
	if o.MinExchangeDays <= 0 {
		o.MinExchangeDays = 4
	}
	if o.MinStrength <= 0 {
		o.MinStrength = DefaultMinStrength
	}
	if o.TargetBoost <= 0 {
		o.TargetBoost = 1.5
	}
}

// Pick chooses the digest's contacts from contacts as computed by
// Contacts(now), highest Priority first:
//
//   - only two-way contacts, never snoozed ones (SnoozeUntil after now);
//   - never anyone with an exchange in the last QuietDays days;
//   - only cooling, cold or dormant contacts (warm ones need no nudge),
//     with at least MinExchangeDays exchange days and MinStrength
//     strength, not suggested within CoolDown (DormantCoolDown for a
//     dormant one): a pinned contact skips these four rules;
//   - at most one dormant contact, only if its Strength is at least
//     DormantMinStrength (pinned: any) and LastDormantPick is DormantEvery
//     or more before now: reviving an old tie is worth one slot a week,
//     not the digest; one passed over waits DormantCoolDown;
//   - at most MaxContacts.
//
// Picks are ranked by Priority: the tie's strength times how overdue it
// is, so a deep tie gone quiet outranks a brief acquaintance long silent.
//
// Status and silence are recomputed at now from each contact's LastContact
// and cadence, so Pick is consistent even given contacts computed earlier.
// Pick is pure: the same arguments always give the same picks.
func Pick(contacts []Contact, now time.Time, opts PickOptions) []Suggestion {
	opts.normalise()
	dormantOK := opts.LastDormantPick.IsZero() || now.Sub(opts.LastDormantPick) >= opts.DormantEvery
	var cands []Suggestion
	for _, c := range contacts {
		if !c.TwoWay || c.SnoozeUntil.After(now) || c.LastContact.IsZero() {
			continue
		}
		if now.Sub(c.LastContact) < time.Duration(opts.QuietDays)*24*time.Hour {
			continue
		}
		silence := silenceDays(c.LastContact, now)
		st := statusOf(silence, c.CadenceDays)
		if st == rekindle.StatusDormant && (!dormantOK || (!c.Pinned && c.Strength < opts.DormantMinStrength)) {
			continue
		}
		if !c.Pinned {
			coolDown := opts.CoolDown
			if st == rekindle.StatusDormant {
				coolDown = max(coolDown, opts.DormantCoolDown)
			}
			if st == rekindle.StatusWarm || c.ExchangeDays < opts.MinExchangeDays || c.Strength < opts.MinStrength || suggestedWithin(&c, now, coolDown, opts.LastSuggested) {
				continue
			}
		}
		c.Status = st
		c.DaysSilent = int(silence)
		cad := c.CadenceDays
		if cad <= 0 {
			cad = DefaultCadence.Hours() / 24
		}
		p := Suggestion{Contact: c, Overdue: silence / cad, Vouches: c.Vouches()}
		p.Target = target(&c, opts)
		p.Priority = c.Strength * urgency(p.Overdue)
		if p.Target != "" && p.Vouches {
			p.Priority *= opts.TargetBoost
		}
		p.Overdue = round(p.Overdue, 2)
		p.Priority = round(p.Priority, 2)
		cands = append(cands, p)
	}
	slices.SortFunc(cands, func(x, y Suggestion) int {
		if c := cmp.Compare(y.Priority, x.Priority); c != 0 {
			return c
		}
		if c := cmp.Compare(y.Strength, x.Strength); c != 0 {
			return c
		}
		return strings.Compare(x.Key, y.Key)
	})
	var out []Suggestion
	dormant := false
	for _, p := range cands {
		if len(out) == opts.MaxContacts {
			break
		}
		if p.Status == rekindle.StatusDormant {
			if dormant {
				continue
			}
			dormant = true
		}
		p.Reasons = reasons(&p)
		out = append(out, p)
	}
	return out
}

// urgency is how pressing a silence of overdue usual gaps is: 1 at twice
// the usual gap (where a tie starts cooling), half a point more for each
// doubling, at most 2.5 (sixteen gaps: past that, longer is not more
// urgent). Strength weighs more than urgency: a tie 2.5 times as strong
// beats any silence.
func urgency(overdue float64) float64 {
	return 1 + 0.5*math.Log2(max(1, min(overdue, 16)/2))
}

func suggestedWithin(c *Contact, now time.Time, coolDown time.Duration, last map[string]time.Time) bool {
	if len(last) == 0 {
		return false
	}
	recent := func(t time.Time, ok bool) bool {
		return ok && !t.IsZero() && now.Sub(t) < coolDown
	}
	if t, ok := last[c.Key]; recent(t, ok) {
		return true
	}
	for _, a := range c.Addresses {
		if t, ok := last[a]; recent(t, ok) {
			return true
		}
	}
	return false
}

// target returns the name of the target company a contact matches.
func target(c *Contact, opts PickOptions) string {
	targets := slices.Clone(opts.Targets)
	for _, d := range opts.TargetDomains {
		targets = append(targets, Target{Domains: []string{d}})
	}
	for _, co := range opts.TargetCompanies {
		targets = append(targets, Target{Name: co})
	}
	for _, t := range targets {
		if matchTarget(c, t) {
			return TargetName(t)
		}
	}
	return ""
}

// TargetName is what to call a target company: its name, else its first
// domain's company label capitalised ("Globex" for globex.co.uk).
func TargetName(t Target) string {
	if n := strings.TrimSpace(t.Name); n != "" {
		return n
	}
	for _, d := range t.Domains {
		d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
		if co := companyOf(d); co != "" {
			r, size := utf8.DecodeRuneInString(co)
			return string(unicode.ToUpper(r)) + co[size:]
		}
	}
	return ""
}

func matchTarget(c *Contact, t Target) bool {
	for _, a := range c.Addresses {
		_, domain := splitAddr(a)
		for _, d := range t.Domains {
			d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
			if d != "" && (domain == d || strings.HasSuffix(domain, "."+d)) {
				return true
			}
		}
	}
	k := companyKey(t.Name)
	if k == "" {
		return false
	}
	for _, tag := range c.Tags {
		if companyKey(tag) == k {
			return true
		}
	}
	for _, a := range c.Addresses {
		_, domain := splitAddr(a)
		if companyKey(companyOf(domain)) == k {
			return true
		}
	}
	return false
}

// companyKey compares company names without case or punctuation.
func companyKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// secondLevel are second-level labels under which companies register
// (acme.co.uk), so the company label is one further left.
var secondLevel = map[string]bool{"co": true, "com": true, "net": true, "org": true, "ac": true, "gov": true, "edu": true, "ne": true, "or": true}

// companyOf is the label of a domain that names the organisation: "acme"
// for eu.mail.acme.com and acme.co.uk. Webmail gives a label too, but
// nobody targets "gmail".
func companyOf(domain string) string {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return domain
	}
	i := len(labels) - 2
	if i > 0 && secondLevel[labels[i]] && len(labels[len(labels)-1]) == 2 {
		i--
	}
	return labels[i]
}

// reasons explains a pick in plain words and numbers.
func reasons(p *Suggestion) []string {
	c := &p.Contact
	var rs []string
	usual := ""
	switch {
	case c.CadenceSource == CadenceOverride:
		usual = fmt.Sprintf("you want to be in touch every %s", days(c.CadenceDays))
	case strings.HasPrefix(c.CadenceSource, "tag:"):
		usual = fmt.Sprintf("every %s for %q", days(c.CadenceDays), strings.TrimPrefix(c.CadenceSource, "tag:"))
	case c.CadenceSource == CadenceDefault:
		usual = "no regular rhythm yet"
	default:
		usual = fmt.Sprintf("usually every %s", days(c.CadenceDays))
	}
	rs = append(rs, fmt.Sprintf("last exchange %s (%s)", Ago(c.DaysSilent), usual))
	rs = append(rs, strengthReason(c))
	rs = append(rs, fmt.Sprintf("%d %s over %s", c.ExchangeDays, plural(c.ExchangeDays, "day of exchange", "days of exchange"), span(c.FirstContact, c.LastContact)))
	if s := CleanSubject(c.LastSubject); s != "" {
		who := "they wrote last"
		if c.LastFromMe {
			who = "you wrote last"
		}
		rs = append(rs, fmt.Sprintf("last subject: %q (%s)", s, who))
	}
	switch c.Status {
	case rekindle.StatusDormant:
		rs = append(rs, "dormant: a note now revives an old tie")
	default:
		rs = append(rs, fmt.Sprintf("%s: silent %.1f× longer than usual", c.Status, p.Overdue))
	}
	if p.Target != "" {
		rs = append(rs, fmt.Sprintf("at %s, one of your target companies", p.Target))
	}
	if c.Pinned {
		rs = append(rs, "pinned by you")
	}
	return rs
}

// strengthReason places the tie among the user's ties: "one of your 10
// strongest ties (strength 72/100)".
func strengthReason(c *Contact) string {
	for _, top := range []int{3, 10, 25, 50, 100} {
		if c.StrengthRank > 0 && c.StrengthRank <= top {
			return fmt.Sprintf("one of your %d strongest ties (strength %.0f/100)", top, c.Strength)
		}
	}
	return fmt.Sprintf("strength %.0f/100", c.Strength)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Silence says a stretch of days as people say it: "5 days", "3 weeks",
// "4 months", "2 years". Zero is "less than a day".
func Silence(days int) string {
	d := float64(days)
	switch {
	case days <= 0:
		return "less than a day"
	case days == 1:
		return "1 day"
	case days < 14:
		return fmt.Sprintf("%d days", days)
	case days < 60:
		return fmt.Sprintf("%d weeks", int(math.Round(d/7)))
	case days < 548:
		return fmt.Sprintf("%d months", max(2, int(math.Round(d/30.44))))
	}
	return fmt.Sprintf("%d years", int(math.Round(d/365.25)))
}

// Ago says how long ago something was, as people say it: "today",
// "yesterday", "5 days ago", "3 weeks ago", "8 months ago", "17 years
// ago".
func Ago(days int) string {
	switch {
	case days <= 0:
		return "today"
	case days == 1:
		return "yesterday"
	}
	return Silence(days) + " ago"
}

// days renders a number of days as people say it.
func days(d float64) string {
	n := int(math.Round(d))
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// span renders the length of a relationship: "3 years", "5 months",
// "2 weeks", "1 day".
func span(first, last time.Time) string {
	d := last.Sub(first).Hours() / 24
	switch {
	case d >= 365.25*1.5:
		n := int(math.Round(d / 365.25))
		return fmt.Sprintf("%d years", n)
	case d >= 365.25*0.9:
		return "1 year"
	case d >= 45:
		return fmt.Sprintf("%d months", int(math.Round(d/30.44)))
	case d >= 14:
		return fmt.Sprintf("%d weeks", int(math.Round(d/7)))
	case d >= 7:
		return "1 week"
	case d >= 1.5:
		return fmt.Sprintf("%d days", int(math.Round(d)))
	}
	return "1 day"
}
