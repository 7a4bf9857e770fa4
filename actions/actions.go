// Package actions is the language of the digest's one-tap commands.
//
// Each command in the digest is a mailto: link addressed to the user's own
// address. Its Subject carries the command, whom it is about, the day of
// the digest and a token:
//
//	[rekindle] snooze 30 days: Marcus Chen (marcus@example.com 2026-12-01 Zk3v…)
//
// The user taps it, their mail client opens a ready message, they send
// it; the next sync reads the message's headers (never its body) and
// applies the command. The token is an HMAC-SHA-256 over the kind, the
// target and the day, keyed by a secret only the user's store holds, so a
// command nobody was offered cannot be made up. Only the part in
// parentheses is trusted: the words before it are for the user to read.
//
// The package is pure: no I/O and no clock; the caller gives the secret
// and the moment.
package actions

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rekindle/rekindle"
)

// Prefix starts the Subject of every action message.
const Prefix = rekindle.ActionPrefix

// Kind is what an action does; its value is the verb the Subject shows.
type Kind string

// The actions. A contact's are about its key (an address); NoReplyNeeded
// is about a message (its Message-ID); Pause is about the digests
// themselves (PauseTarget).
const (
	Snooze30      Kind = "snooze 30 days"
	Snooze90      Kind = "snooze 3 months"
	Ignore        Kind = "not someone to suggest"
	LessOften     Kind = "less often"
	MoreOften     Kind = "more often"
	NoReplyNeeded Kind = "no reply needed"
	Pause         Kind = "pause digests for a week"
)

// Kinds lists every action, in the order the digest offers them.
func Kinds() []Kind {
	return []Kind{Snooze30, Snooze90, Ignore, LessOften, MoreOften, NoReplyNeeded, Pause}
}

// PauseTarget is the target of Pause.
const PauseTarget = "digests"

// Label is the kind as a link reads: "Snooze 30 days".
func (k Kind) Label() string {
	if k == "" {
		return ""
	}
	return strings.ToUpper(string(k[:1])) + string(k[1:])
}

// Snooze is how long a snooze kind snoozes; 0 for other kinds.
func (k Kind) Snooze() time.Duration {
	switch k {
	case Snooze30:
		return 30 * 24 * time.Hour
	case Snooze90:
		return 91 * 24 * time.Hour
	case Pause:
		return 7 * 24 * time.Hour
	}
	return 0
}

func (k Kind) known() bool {
	for _, x := range Kinds() {
		if x == k {
			return true
		}
	}
	return false
}

// MaxAge is how long a token is good for after its digest's day.
const MaxAge = 30 * 24 * time.Hour

// Command is one action offered by one digest.
type Command struct {
	Kind Kind
	// Target is whom or what it is about: a contact's key, a Message-ID,
	// or PauseTarget.
	Target string
	// Day is the digest's day, YYYY-MM-DD.
	Day string
}

// Token signs c with secret: 22 URL-safe characters (128 bits of an
// HMAC-SHA-256).
func Token(secret []byte, c Command) string {
	m := hmac.New(sha256.New, secret)
	fmt.Fprintf(m, "rekindle action v1\n%s\n%s\n%s", c.Kind, c.Target, c.Day)
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// Subject is the Subject of the message that carries c, signed with
// secret; label says in words whom it is about ("Marcus Chen").
func Subject(secret []byte, c Command, label string) string {
	label = strings.Join(strings.Fields(strings.NewReplacer("(", "", ")", "").Replace(label)), " ")
	if label == "" {
		label = c.Target
	}
	return fmt.Sprintf("%s%s: %s (%s %s %s)", Prefix, c.Kind, label, c.Target, c.Day, Token(secret, c))
}

// Body is the text of the message that carries a command: for the user,
// who sees it before pressing send (rekindle never reads it).
func Body(k Kind, label string) string {
	return "Send this message as it is: rekindle will " + k.does(label) + " at its next sync.\n" +
		"(It reads only the subject line; you may delete this text.)\n"
}

// does says what k does to label, to end "rekindle will ...".
func (k Kind) does(label string) string {
	switch k {
	case Snooze30:
		return "snooze " + label + " for 30 days"
	case Snooze90:
		return "snooze " + label + " for 3 months"
	case Ignore:
		return "stop suggesting " + label
	case LessOften:
		return "suggest " + label + " less often"
	case MoreOften:
		return "suggest " + label + " more often"
	case NoReplyNeeded:
		return "stop counting " + label + " as waiting for a reply"
	case Pause:
		return "pause your digests for a week"
	}
	return strings.ToLower(k.Label()) + ": " + label
}

// Request is a command read from a Subject, with the token it carried;
// nothing in it is checked yet (Verify does).
type Request struct {
	Command
	Token string
}

// ErrNotAction is returned by Parse for a Subject that is not an action.
var ErrNotAction = errors.New("not a rekindle action")

// Parse reads an action message's Subject. Runs of white space count as
// one (a folded header), and a reply or forward prefix is not an action.
func Parse(subject string) (Request, error) {
	s := strings.Join(strings.Fields(subject), " ")
	rest, ok := strings.CutPrefix(s, strings.TrimSpace(Prefix)+" ")
	if !ok {
		return Request{}, ErrNotAction
	}
	verb, rest, ok := strings.Cut(rest, ": ")
	if !ok || !Kind(verb).known() {
		return Request{}, fmt.Errorf("%w: unknown command %q", ErrNotAction, verb)
	}
	open := strings.LastIndex(rest, " (")
	if open < 0 || !strings.HasSuffix(rest, ")") {
		return Request{}, fmt.Errorf("%w: no (target day token) at the end", ErrNotAction)
	}
	fields := strings.Fields(rest[open+2 : len(rest)-1])
	if len(fields) != 3 {
		return Request{}, fmt.Errorf("%w: want (target day token), got %d fields", ErrNotAction, len(fields))
	}
	if _, err := time.Parse(time.DateOnly, fields[1]); err != nil {
		return Request{}, fmt.Errorf("%w: %q is not a day", ErrNotAction, fields[1])
	}
	return Request{Command: Command{Kind: Kind(verb), Target: fields[0], Day: fields[1]}, Token: fields[2]}, nil
}

// Why a request is refused.
var (
	ErrBadToken = errors.New("the token does not match: not a command rekindle offered")
	ErrExpired  = errors.New("the token has expired")
)

// Verify checks r's token against secret, and that r's day is at most
// MaxAge before now (and not after it by more than a day, for time
// zones).
func Verify(secret []byte, r Request, now time.Time) error {
	want := Token(secret, r.Command)
	if !hmac.Equal([]byte(want), []byte(r.Token)) {
		return ErrBadToken
	}
	day, err := time.Parse(time.DateOnly, r.Day)
	if err != nil {
		return ErrBadToken
	}
	switch {
	case now.Sub(day) > MaxAge+24*time.Hour:
		return fmt.Errorf("%w: offered on %s, good for %d days", ErrExpired, r.Day, int(MaxAge.Hours()/24))
	case day.Sub(now) > 48*time.Hour:
		return fmt.Errorf("%w: dated %s, in the future", ErrBadToken, r.Day)
	}
	return nil
}
