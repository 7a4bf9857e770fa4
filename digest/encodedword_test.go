package digest_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/relationship"
)

// encodedWord is what a mail client decodes in a header (RFC 2047, read as
// leniently as clients do).
var encodedWord = regexp.MustCompile(`(?i)=\?[^?]*\?[bq]\?.*?\?=`)

// An encoded word the sync could not decode must not reach a header raw,
// where the reader's mail client would decode it (or show it as it is).
func TestHeaderSafeEncodedWords(t *testing.T) {
	for in, want := range map[string]string{
		"Re: =?x-unknown?Q?Caf=E9_cr=E8me?=":    "Re: Café crème",
		"=?x-unknown?Q?Caf=C3=A9?= au lait":     "Café au lait",
		"=?utf-8?B?R3LDvMOfZQ==?=":              "Grüße",
		"=?utf-8?B?R3LDvMOfZQ?=":                "Grüße", // no padding
		"=?utf-8?B?not base64!?= tail":          "not base64! tail",
		"=?utf-8?Q?a?= =?utf-8?Q?b?=":           "ab", // RFC 2047: the space between words goes
		"=?utf-8*en?Q?Hello?=":                  "Hello",
		"=?utf-8?q?=3D=3Futf-8=3Fq=3Fx=3F=3D?=": "x", // decodes to another word
		"What does =? mean":                     "What does =? mean",
		"plain":                                 "plain",
	} {
		got := digest.HeaderSafe(in)
		if got != want {
			t.Errorf("HeaderSafe(%q) = %q, want %q", in, got, want)
		}
		if encodedWord.MatchString(got) {
			t.Errorf("HeaderSafe(%q) = %q keeps an encoded word", in, got)
		}
	}
	// Nested and repeated words, any depth, end without one.
	s := "x"
	for range 12 {
		s = "=?us-ascii?Q?" + strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(s, "=", "=3D"), "?", "=3F"), " ", "_") + "?="
	}
	if got := digest.HeaderSafe(s + " " + s); encodedWord.MatchString(got) {
		t.Errorf("nested words: %q keeps an encoded word", got)
	}
}

// The same through a built and rendered digest: the last subject of a
// suggestion becomes a draft's subject, and a name the digest's subject.
func TestDigestSubjectsDecodeWords(t *testing.T) {
	set := defaults(t)
	last := asOf.AddDate(0, -3, 0)
	raw := "=?x-unknown?Q?Caf=E9?= =?utf-8?B?broken!?="
	in := digest.Input{
		Now: asOf,
		Me:  digest.Me{Name: "Jane Doe", Email: "jane@example.com"},
		Suggestions: []relationship.Suggestion{{
			Contact: relationship.Contact{
				Key: "rene@example.com", Email: "rene@example.com", Addresses: []string{"rene@example.com"},
				Name: "=?x-unknown?Q?Ren=E9?= Dupont", TwoWay: true, Status: rekindle.StatusCold,
				Score: 60, ExchangeDays: 9, LastContact: last, FirstContact: last.AddDate(-1, 0, 0),
				CadenceDays: 20, LastSubject: raw,
			},
			Reasons: []string{"last subject: " + raw},
		}},
		Followups: relationship.Followups{OwesReply: []relationship.Followup{{
			Key: "f@example.com", Email: "f@example.com", Name: "F", Subject: raw,
			Date: asOf.AddDate(0, 0, -6), MessageID: "m@x", DaysWaiting: 6,
		}}},
		Rules:     digest.DraftRules{ByStatus: map[string]string{"cold": "checkin"}},
		Templates: set,
	}
	d, err := digest.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Render(set)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{r.Subject, d.Subject, d.People[0].Draft.Subject, d.OwesReply[0].Draft.Subject} {
		if encodedWord.MatchString(s) {
			t.Errorf("a header holds an encoded word: %q", s)
		}
	}
	if !strings.Contains(r.Subject, "René") {
		t.Errorf("digest subject %q does not name René", r.Subject)
	}
}
