// Package digest assembles the morning digest: the people
// relationship.Pick chose, the follow-ups, the user's settings and a
// drafted message for each person, and renders it as an email's subject,
// plain-text part and HTML part with the templates of package templates.
//
// It does no I/O: Build takes the model's results and the moment, and
// renders the drafts; (*Digest).Render renders the email. Both go through
// the Templates interface, which *templates.Set implements (templates
// imports this package for the data types, so this package cannot import
// it).
//
//	set, err := templates.Load(dir, log)       // at startup
//	rules := digest.DraftRules{ByStatus: ..., ByTag: ...}
//	err = digest.CheckRules(set, rules)         // at startup: kinds exist
//	d, err := digest.Build(digest.Input{Now: now, Me: me, Rules: rules, Templates: set,
//		Suggestions: picks, Followups: followups, Contacts: contacts})
//	r, err := d.Render(set)        // r.Subject, r.Text, r.HTML
//	if d.Empty && !sendWhenEmpty { skip }
//
// Untrusted text (names, addresses, subjects, all from other people's
// mail) is made one line when it enters a Person: every run of control
// characters, line separators and bidirectional overrides becomes a space,
// and it is cut to a sane length. Subjects are made one line again after
// rendering (HeaderSafe), so no template can put a CR or LF into a header.
// HTML escaping is html/template's, in the digest.html template.
//
// # JSON
//
// `rekindle digest --json` prints a Digest with encoding/json. The names
// are stable:
//
//	date            RFC 3339 time of the digest
//	subject         the digest's subject line
//	me              {name, first_name, email, pitch, looking_for,
//	                 job_hunting, target_companies}
//	people          [Person], the picks
//	awaiting_reply  [Person], people who have not answered the user
//	owes_reply      [Person], people the user has not answered (each list
//	                the strongest ties first, at most 3 by default)
//	more_awaiting,
//	more_owes       how many more of each the cap left out
//	empty           true when all three lists are empty
//	applied         [string], what taps on earlier digests' actions did
//	                since the last one ("Marcus Chen snoozed until 30 December")
//	pause           Action that pauses the digests for a week; left out
//	                when the digest offers no actions
//
// A Person is
//
//	key, name, first_name, email        who (name may be read from the address; first_name may be "")
//	status                              warm, cooling, cold, dormant or ""
//	score, peak, overdue                warmth now and at the last exchange; silence in usual gaps
//	strength, strength_rank, vouches    the tie's strength (0-100), its rank among the user's ties, strong enough to ask for a referral
//	reasons                             [string], why, in words and numbers
//	days_silent, ago, silence,
//	last_month                          49, "7 weeks ago", "7 weeks", "January"
//	cadence_days                        the usual gap, in days
//	exchanges, sent, received,
//	threads, years                      counts and the relationship's length
//	last_subject, last_date,
//	last_from_me                        the last message (for a follow-up, the one waiting)
//	target                              the target company matched, or ""
//	tags, pinned                        the user's labels
//	followup, days_waiting              "awaiting_reply", "owes_reply" or ""; days waited
//	draft_kind, draft_rule              the draft's template and why it was chosen
//	draft                               {to, subject, body, in_reply_to, references, mailto_url}
//	actions                             [Action], the one-tap commands offered beside them
//
// and an Action is
//
//	kind     what it does: "snooze 30 days", "snooze 3 months", "not someone
//	         to suggest", "less often", "more often", "no reply needed",
//	         "pause digests for a week" (package actions' Kind)
//	label    the link's text: "Snooze 30 days"
//	url      the mailto: URL of the message that, once sent, applies it
//
// pause, in_reply_to and references are left out when empty; every other
// field is always present, lists as [] rather than null. mailto_url and url
// hold '&': an encoder with SetEscapeHTML(false) prints them as is rather
// than \u0026.
package digest
