package relationship

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// PickOptions tunes the digest's choice. Zero fields take the defaults
// named on them.
type PickOptions struct {
	// MaxContacts is the most people picked; default 5.
	MaxContacts int
	// QuietDays: nobody with an exchange in the last QuietDays days is
	// picked, pinned or not (someone you wrote to yesterday needs no
	// nudge); default 14.
	QuietDays int
	// CoolDown: nobody suggested within CoolDown is picked again, unless
	// pinned; default 14 days.
	CoolDown time.Duration
	// LastSuggested is when each contact was last suggested, keyed by
	// Contact.Key or by any of the contact's addresses (the store's record
	// survives a change of Key).
	LastSuggested map[string]time.Time
	// LastDormantPick is when a dormant contact was last picked; another is
	// picked only DormantEvery (default 7 days) later.
	LastDormantPick time.Time
	DormantEvery    time.Duration
	// DormantMinPeak is the peak warmth a dormant contact needs to be
	// picked: only formerly strong ties are worth reviving; default 40.
	DormantMinPeak float64
	// MinExchangeDays is the fewest exchange days a contact needs to be
	// picked unless pinned: one exchange is an acquaintance, not yet a
	// relationship; default 3.
	MinExchangeDays int
	// TargetDomains and TargetCompanies mark people at companies the user
	// is interested in (say, job hunting): their priority is multiplied by
	// TargetBoost (default 1.5) and the pick says so. A domain matches the
	// contact's address domains and their subdomains; a company matches a
	// contact tag or the company label of an address domain ("acme" for
	// jane@eu.acme.com), case-insensitively.
	TargetDomains   []string
	TargetCompanies []string
	TargetBoost     float64
}

// Suggestion is one contact Pick chose for the digest, with why.
type Suggestion struct {
	Contact
	// Overdue is the silence in cadences: 3 means three times longer than
	// usual.
	Overdue float64
	// Priority is what picks are ordered by: Score × min(Overdue, 8) / 2,
	// times the target boost.
	Priority float64
	// Target names the target domain or company the contact matched; empty
	// if none.
	Target string
	// Reasons say why, in plain words and numbers, most important first.
	Reasons []string
}

func (o *PickOptions) normalise() {
	if o.MaxContacts <= 0 {
		o.MaxContacts = 5
	}
	if o.QuietDays <= 0 {
		o.QuietDays = 14
	}
	if o.CoolDown <= 0 {
		o.CoolDown = 14 * 24 * time.Hour
	}
	if o.DormantEvery <= 0 {
		o.DormantEvery = 7 * 24 * time.Hour
	}
	if o.DormantMinPeak <= 0 {
		o.DormantMinPeak = 40
	}
	if o.MinExchangeDays <= 0 {
		o.MinExchangeDays = 3
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
//     with at least MinExchangeDays exchange days, not suggested within
//     CoolDown: a pinned contact skips these three rules;
//   - at most one dormant contact, only if its Peak is at least
//     DormantMinPeak (pinned: any) and LastDormantPick is DormantEvery or more before
//     now: reviving an old tie is worth one slot a week, not the digest;
//   - at most MaxContacts.
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
		if st == StatusDormant && (!dormantOK || (!c.Pinned && c.Peak < opts.DormantMinPeak)) {
			continue
		}
		if !c.Pinned {
			if st == StatusWarm || c.ExchangeDays < opts.MinExchangeDays || suggestedWithin(&c, now, opts) {
				continue
			}
		}
		c.Status = st
		c.DaysSilent = int(silence)
		cad := c.CadenceDays
		if cad <= 0 {
			cad = DefaultCadence.Hours() / 24
		}
		p := Suggestion{Contact: c, Overdue: silence / cad}
		p.Target = target(&c, opts)
		p.Priority = c.Score * min(p.Overdue, 8) / 2
		if p.Target != "" {
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
		if c := cmp.Compare(y.Score, x.Score); c != 0 {
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
		if p.Status == StatusDormant {
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

func suggestedWithin(c *Contact, now time.Time, opts PickOptions) bool {
	if len(opts.LastSuggested) == 0 {
		return false
	}
	recent := func(t time.Time, ok bool) bool {
		return ok && !t.IsZero() && now.Sub(t) < opts.CoolDown
	}
	if t, ok := opts.LastSuggested[c.Key]; recent(t, ok) {
		return true
	}
	for _, a := range c.Addresses {
		if t, ok := opts.LastSuggested[a]; recent(t, ok) {
			return true
		}
	}
	return false
}

// target returns the target domain or company a contact matches.
func target(c *Contact, opts PickOptions) string {
	for _, a := range c.Addresses {
		_, domain := splitAddr(a)
		for _, d := range opts.TargetDomains {
			d = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(d), "@"))
			if d != "" && (domain == d || strings.HasSuffix(domain, "."+d)) {
				return d
			}
		}
	}
	for _, co := range opts.TargetCompanies {
		k := companyKey(co)
		if k == "" {
			continue
		}
		for _, t := range c.Tags {
			if companyKey(t) == k {
				return co
			}
		}
		for _, a := range c.Addresses {
			_, domain := splitAddr(a)
			if companyKey(companyOf(domain)) == k {
				return co
			}
		}
	}
	return ""
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
	rs = append(rs, fmt.Sprintf("last exchange %s ago (%s)", days(float64(c.DaysSilent)), usual))
	rs = append(rs, fmt.Sprintf("%d %s over %s", c.ExchangeDays, plural(c.ExchangeDays, "exchange", "exchanges"), span(c.FirstContact, c.LastContact)))
	if s := CleanSubject(c.LastSubject); s != "" {
		who := "they wrote last"
		if c.LastFromMe {
			who = "you wrote last"
		}
		rs = append(rs, fmt.Sprintf("last subject: %q (%s)", s, who))
	}
	switch c.Status {
	case StatusDormant:
		rs = append(rs, fmt.Sprintf("dormant, but once a strong tie (warmth %.0f/100 at the last exchange)", c.Peak))
	default:
		rs = append(rs, fmt.Sprintf("%s: warmth %.0f/100, silent %.1f× longer than usual", c.Status, c.Score, p.Overdue))
	}
	if p.Target != "" {
		rs = append(rs, fmt.Sprintf("at %s, one of your target companies", p.Target))
	}
	if c.Pinned {
		rs = append(rs, "pinned by you")
	}
	return rs
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
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
