package relationship

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Followup is one message waiting for an answer.
type Followup struct {
	// Key, Email and Name identify the contact (see Contact).
	Key   string
	Email string
	Name  string
	// Score is the contact's warmth; Strength the tie's strength, which
	// orders follow-ups.
	Score    float64
	Strength float64
	// Subject, Date and MessageID are the waiting message's; a reply to it
	// takes In-Reply-To: MessageID and References: References followed by
	// MessageID.
	Subject    string
	Date       time.Time
	MessageID  string
	References []string
	// DaysWaiting is whole days since Date.
	DaysWaiting int
}

// Followups are the conversations where someone owes an answer.
type Followups struct {
	// AwaitingReply: the user wrote, the contact has not answered.
	AwaitingReply []Followup
	// OwesReply: the contact wrote, the user has not answered.
	OwesReply []Followup
}

// Followups returns, as of now, the messages between the user and two-way
// contacts that have waited at least after (zero: DefaultFollowupAfter)
// for an answer, strongest tie first. Each contact has at most one item:
//
// Awaiting reply: the user's latest message written directly to them (they
// are in To, among at most three recipients) has had no message from them
// since, in any thread. A message that answers their latest message (its
// In-Reply-To, or else its last References id, is that message) closes the
// exchange rather than asking something: with headers only, "I replied to
// what you wrote" is the best sign that the ball is not in their court.
//
// Owes reply: their latest message written directly to the user (the user
// in To, among at most three recipients) has had no message from the user
// to them since, in any thread. Bulk mail never creates one.
//
// A message the user dismissed (Options.Dismissed: "no reply needed"),
// forwards and FYIs (see IsForward) neither await nor owe a reply, and
// neither do messages to or from many people, posts that also went to a
// mailing list (the list's address is learnt from the List-Id of its
// mail), machine mail (Auto-Submitted) or list mail.
//
// Both clear as soon as the conversation moves on: any later counted
// message the other way. Both also lapse after FollowupWindow: a question
// unanswered for a month has been answered some other way, or is a
// reconnection now, which the digest's pick handles.
func (b *Builder) Followups(now time.Time, after time.Duration) Followups {
	if after <= 0 {
		after = DefaultFollowupAfter
	}
	var f Followups
	nowT := now.Unix()
	limit := int64(after / time.Second)
	window := max(int64(FollowupWindow/time.Second), limit)
	pc := b.cluster()
	for i := range pc.people {
		v, ok := b.view(&pc.people[i], now)
		if !ok || !v.TwoWay {
			continue
		}
		if m := v.lastDirectOut; m != nil && nowT-m.when >= limit && nowT-m.when <= window && !b.public(m) && !b.opts.Dismissed[m.msgID] &&
			(v.lastIn == nil || v.lastIn.when < m.when) &&
			(v.lastIn == nil || m.parent == "" || m.parent != v.lastIn.msgID) {
			f.AwaitingReply = append(f.AwaitingReply, followup(&v.Contact, m, now))
		}
		if m := v.lastDirectIn; m != nil && nowT-m.when >= limit && nowT-m.when <= window && v.lastOut < m.when && !b.public(m) && !b.opts.Dismissed[m.msgID] {
			f.OwesReply = append(f.OwesReply, followup(&v.Contact, m, now))
		}
	}
	slices.SortFunc(f.AwaitingReply, CompareFollowups)
	slices.SortFunc(f.OwesReply, CompareFollowups)
	return f
}

// CompareFollowups orders follow-ups as the digest and `rekindle
// followups` show them: the strongest tie first (Strength), then the
// warmest (Score), then the one that has waited longest (Date), then by
// Key so the order never depends on the input's.
func CompareFollowups(x, y Followup) int {
	if c := cmp.Compare(y.Strength, x.Strength); c != 0 {
		return c
	}
	if c := cmp.Compare(y.Score, x.Score); c != 0 {
		return c
	}
	if c := x.Date.Compare(y.Date); c != 0 {
		return c
	}
	return strings.Compare(x.Key, y.Key)
}

func followup(c *Contact, m *msgInfo, now time.Time) Followup {
	d := unix(m.when)
	return Followup{
		Key: c.Key, Email: c.Email, Name: c.Name, Score: c.Score, Strength: c.Strength,
		Subject: m.subject, Date: d, MessageID: m.msgID, References: slices.Clone(m.refs),
		DaysWaiting: int(silenceDays(d, now)),
	}
}
