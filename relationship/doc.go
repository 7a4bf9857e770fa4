// Package relationship is rekindle's relationship model: message headers in,
// ranked relationships out. It is pure: no I/O, no SQL, no clock (every
// computation takes the moment it describes as an argument), no logging.
//
// # Use
//
// The store streams messages into a Builder one at a time; the Builder keeps
// state per address and per thread, never per message, so memory is bounded
// by the number of correspondents and conversations however large the
// mailbox is.
//
//	b := relationship.NewBuilder(relationship.Options{Me: me, AsOf: now})
//	for each stored message { b.Add(&mail) }
//	contacts := b.Contacts(now)
//	followups := b.Followups(now, 0)
//	picks := relationship.Pick(contacts, now, relationship.PickOptions{...})
//
// # Time travel
//
// Options.AsOf is the moment the model describes: Add drops every message
// dated after it, so nothing later can change any result (the CLI's
// --as-of, and the daemon's "now"). Contacts, Followups and Pick take now
// as an argument and should be given the same moment.
//
// # What counts
//
// A contact is a person, not an address (see Options.Merges, the address
// book's cards in Options.Cards, and the merge rules on
// Builder.Contacts), and only a two-way relationship counts: the
// user wrote to them and they wrote to the user, three messages at least
// all told. Never counted: mailing-list and bulk mail (List-Id,
// List-Unsubscribe, Precedence bulk/list/junk) except a message addressed
// to the user (user in To) by someone who is a two-way contact through
// ordinary mail; machine mail (Auto-Submitted other than "no", always: RFC
// 3834 says it was not written by a person, and an out-of-office reply
// must not count as an answer), rekindle's own digests among it; role and robot addresses (see IsRobot); ignored addresses and
// domains; contacts with Override.Ignore; messages to more than
// Options.MaxRecipients people (an announcement, not a conversation); and
// mail that reached the user neither in To nor in Cc (a distribution list, a
// Bcc, an alias missing from Options.Me); and forged mail (below).
//
// # What is trusted
//
// Any sender can write any From and any Date, and the From decides whose
// mail a message is: five messages "From: the user, To: a stranger" mailed
// to the user's own inbox would make the stranger a two-way contact, and
// one "From: a friend" dated three days ago would make the friend look
// recently in touch. So a message counts as its From says only as far as
// the user's own receiving server vouches for it. That server checks
// where each message came from (SPF, DKIM, DMARC) and records the result
// in an Authentication-Results header at the top, above anything the
// sender wrote; the sync keeps that verdict (rekindle.Header.Auth; which
// header is the server's is documented in imapsync) and TrustOf reads it
// for the From's domain:
//
//   - A failed check (TrustFail: DMARC failed; or, with nothing
//     authenticating the From's domain, SPF or every DKIM signature
//     failed) means a forged or altered message: it counts for nothing,
//     in either direction, and teaches nothing (no list address, no name).
//   - A message from one of the user's addresses that the server checked
//     as arriving from elsewhere (an SPF result, or a DMARC result other
//     than none) without authenticating the user's domain
//     (TrustUnauthenticated) was not written by the user: it counts for
//     nothing. The user's real mail that comes back in from the server
//     (a Bcc to oneself) passes DMARC, DKIM or SPF for the user's domain.
//   - Everything else counts as before: mail the server authenticated;
//     mail from others that it could not authenticate but that did not
//     fail (most domains publish no DMARC policy); and mail with no verdict
//     at all, which is the user's own sent mail wherever it is filed
//     (Sent copies are saved by the mail program, never received), mail
//     on servers that do not check, and old mail.
//
// What this cannot catch: a server that checks nothing leaves nothing to
// read, so forged mail there counts as it always has; a sender's own
// domain without SPF or DMARC cannot be told from a forgery of it.
//
// Dates are the sync's: a Date header more than a day after the message
// arrived (rekindle.MaxDateAhead) is replaced by the arrival, so nobody
// can be the latest exchange for weeks by dating mail in the future.
// Back-dated mail is not caught by its date (an old Date is normal for
// imported mail) but by its verdict.
//
// # Weights
//
// A message is shared among its recipients: a message with n recipients
// (To and Cc, the user's own addresses counted once) gives weight 1/n to a
// recipient in To and 0.5/n to one only in Cc. Mail from the user credits
// each recipient; mail to the user credits its sender, with the user's own
// place (To, or only Cc) deciding the 1 or 0.5.
//
// # Warmth
//
// Warmth (Contact.Score) is computed over exchange days, the UTC days on
// which the two exchanged counted mail in either direction, so a burst of
// twenty messages on one afternoon counts once:
//
//	v_i = 1.5·min(1, s_i) + min(1, r_i)       s_i, r_i: the day's weights from / to the user
//	A   = Σ v_i · 2^(−age_i / H)              age in days, H = Options.HalfLife (180 days)
//	B   = min(1.5, 0.75 + 0.25·log2(1 + T))  T = distinct threads (breadth)
//	ρ   = 2·min(S, R) / (S + R)               S, R = all-time weighted sent, received (balance)
//	L   = 1 + 0.5·min(1, Y/3)                 Y = years from first to last exchange (length)
//	X   = A · B · (0.5 + 0.5·ρ) · L
//	Score = 100 · (1 − e^(−X/50))
//
// Mail the user wrote counts 1.5 times mail received: choosing to write is
// the stronger sign that the user values the tie. The constant 50 puts a
// long weekly correspondence near 98, a monthly one near 60, a single
// exchange a month ago near 4. Contact.Peak is the same formula evaluated at
// the last exchange. Warmth says how present a tie is today; strength,
// below, how strong it is.
//
// # Strength
//
// Strength (Contact.Strength, 0-100) is how strong a tie is over its whole
// history, measured as of its last exchange: silence since does not wear
// it down (that is what status is for). It ranks the digest. Over the
// exchange days:
//
//	d_i = [user wrote that day] + [they wrote that day], halved unless the
//	      day had a personal message (at most PersonalRecipients = 4
//	      recipients, the user counted once: research on e-mail ties counts
//	      those as the personal ones)
//	D   = Σ d_i                              depth: days of exchange, both ways
//	B, ρ, L as for warmth                    threads, balance, length
//	Λ   = 1.2 if the median answer takes at most a day, 1.1 at most 3 days,
//	      1 at most a week, 0.85 beyond      (answer: the next day with mail
//	      the other way, within 30 days; no answers: 1)
//	X   = D · B · (0.5 + 0.5·ρ) · L · Λ
//	Strength = 100 · X / (X + 32)
//
// Four days of exchange both ways in one thread, answered within the week
// (X = 8), make 20, the digest's minimum (DefaultMinStrength); one short
// thread of three such days, answered the next day, about 18; two months of weekly exchange in one thread about 38; a
// weekly correspondence of two years above 90. The curve approaches 100
// slowly, so the strongest ties stay apart. StrengthRank places a contact
// among the user's two-way contacts; Contact.Vouches (strength 40 or more
// and at least four days of personal exchange) marks a tie strong enough
// to ask for a referral.
//
// # The digest's choice
//
// Pick ranks candidates by Strength × urgency, urgency = 1 + 0.5·log2(o/2)
// for a silence of o usual gaps (2 ≤ o ≤ 16), so a deep tie gone quiet
// outranks a brief acquaintance long silent, and nobody with strength below
// DefaultMinStrength (20) or fewer than four exchange days is suggested
// unless pinned. See Pick for the other rules (quiet days, cool-down, the
// weekly dormant slot).
//
// # Rhythm and status
//
// Cadence is the median gap between the most recent exchange days (the last
// 25 gaps, so a rhythm that changed is learnt anew), each gap weighted by
// its length up to a week so that a yearly greeting answered the next day
// stays yearly; at least MinCadence (5 days); with fewer than
// three exchange days it is DefaultCadence (30 days). Override.Cadence, or
// the shortest cadence among the contact's tags (Options.TagCadence), wins.
// With silence the time since the last exchange in either direction, the
// status is warm up to 2× the cadence, cooling past 2×, cold past 4×, and
// dormant past a year of silence (if that is also past 2× the cadence).
package relationship
