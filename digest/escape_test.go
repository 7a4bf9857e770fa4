package digest_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/digest"
	"github.com/rekindle/rekindle/relationship"
)

var asOf = time.Date(2026, 3, 2, 7, 30, 0, 0, time.UTC)

// hostile is a digest whose every name and subject is an attack: markup,
// quotes, CR LF with a fake header, a bidi override, a 5000-character
// subject.
func hostile(t *testing.T) (*digest.Digest, digest.Rendered) {
	t.Helper()
	set := defaults(t)
	pick := func(key, name, subject string, status rekindle.Status) relationship.Suggestion {
		last := asOf.AddDate(0, -3, 0)
		return relationship.Suggestion{
			Contact: relationship.Contact{
				Key: key, Email: key, Addresses: []string{key}, Name: name, TwoWay: true, Status: status,
				Score: 60, ExchangeDays: 9, LastContact: last, FirstContact: last.AddDate(-1, 0, 0),
				CadenceDays: 20, LastSubject: subject,
			},
			Reasons: []string{"last subject: " + subject},
		}
	}
	in := digest.Input{
		Now: asOf,
		Me:  digest.Me{Name: "Jane \"<b>\" Doe\r\nBcc: x@evil.example", Email: "jane@example.com", LookingFor: "</p><script>alert('me')</script>", Pitch: "a & b"},
		Suggestions: []relationship.Suggestion{
			pick("eve@evil.example", "Eve <script>alert(1)</script>", "</title><script>alert(2)</script>", rekindle.StatusCooling),
			pick("mallory@evil.example", "Mallory\r\nBcc: victim@example.com", "Hello\r\nBcc: victim@example.com\r\n\r\n<img src=x onerror=alert(3)>", rekindle.StatusCold),
			pick("quote@evil.example", `"Marcus Chen" <marcus@acme-corp.com>`, `Re: "quoted" 'single' \" & ampersand`, rekindle.StatusCold),
			pick(`o"brien@evil.example`, "Trojan \u202egnp.exe", strings.Repeat("long ", 1000), rekindle.StatusDormant),
		},
		Followups: relationship.Followups{OwesReply: []relationship.Followup{{
			Key: "f@evil.example", Email: "f@evil.example", Name: "javascript:alert(4)",
			Subject: "javascript:alert(5)\" onmouseover=\"alert(6)", Date: asOf.AddDate(0, 0, -6),
			MessageID: "x\r\nBcc: y@evil.example", DaysWaiting: 6,
		}}},
		Rules:     digest.DraftRules{ByStatus: map[string]string{"cooling": "checkin"}},
		Templates: set,
		// What earlier taps did names people, whose names come from mail.
		Applied: []string{"Eve <script>alert(7)</script> snoozed until 1 April", "Mallory\r\nBcc: victim@example.com snoozed\u202e"},
	}
	d, err := digest.Build(in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := d.Render(set)
	if err != nil {
		t.Fatal(err)
	}
	return d, r
}

func TestHostileInput(t *testing.T) {
	d, r := hostile(t)
	if strings.ContainsAny(r.Subject, "\r\n") {
		t.Errorf("digest subject %q holds a line break", r.Subject)
	}
	all := append(append(append([]digest.Person{}, d.People...), d.AwaitingReply...), d.OwesReply...)
	for _, p := range all {
		for _, s := range []string{p.Name, p.FirstName, p.Email, p.LastSubject, p.Draft.Subject, p.Draft.InReplyTo} {
			if strings.ContainsAny(s, "\r\n\u202e") {
				t.Errorf("%s: %q holds a line break or bidi override", p.Email, s)
			}
		}
		if n := len([]rune(p.LastSubject)); n > 120 {
			t.Errorf("last subject of %d runes", n)
		}
	}
	for _, l := range d.Applied {
		if strings.ContainsAny(l, "\r\n\u202e") {
			t.Errorf("applied line %q holds a line break or bidi override", l)
		}
	}
	if got := d.People[0].FirstName; got != "Eve" {
		t.Errorf("Eve's first name = %q", got)
	}
	if got := d.People[2].FirstName; got != "" {
		t.Errorf(`first name of "\"Marcus Chen\" <marcus@...>" = %q, want none`, got)
	}

	// No markup from mail survives as markup.
	for _, bad := range []string{"<script", "<img", `onmouseover="`, "<b>", "</title><", "</p><"} {
		if strings.Contains(strings.ToLower(r.HTML), bad) {
			t.Errorf("HTML holds %q from untrusted input", bad)
		}
	}
	for _, want := range []string{"Eve &lt;script&gt;alert(1)&lt;/script&gt;", "&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;", "Eve &lt;script&gt;alert(7)&lt;/script&gt; snoozed"} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("HTML lacks the escaped %q", want)
		}
	}
	// Every link is a mailto: whose fields decode back to the draft.
	hrefs := regexp.MustCompile(`href="([^"]*)"`).FindAllStringSubmatch(r.HTML, -1)
	if len(hrefs) != len(all) {
		t.Fatalf("%d links for %d people", len(hrefs), len(all))
	}
	for i, m := range hrefs {
		raw := html.UnescapeString(m[1])
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "mailto" {
			t.Fatalf("link %q: %v", raw, err)
		}
		q, err := url.ParseQuery(u.RawQuery)
		if err != nil {
			t.Fatal(err)
		}
		p := all[i]
		if q.Get("subject") != p.Draft.Subject || q.Get("body") != strings.ReplaceAll(p.Draft.Body, "\n", "\r\n") {
			t.Errorf("link %d does not carry %s's draft", i, p.Email)
		}
		for k := range q {
			if k != "subject" && k != "body" && k != "in-reply-to" {
				t.Errorf("link %d has an extra field %q", i, k)
			}
		}
		if to, _ := url.PathUnescape(u.Opaque); to != p.Email {
			t.Errorf("link %d goes to %q, want %q", i, to, p.Email)
		}
	}
	if strings.Contains(r.Text, "\r") {
		t.Error("text part holds CR")
	}
}

// TestHTMLIsSelfContained checks what mail clients need: no scripts, no
// external resources, the dark-mode and phone settings.
func TestHTMLIsSelfContained(t *testing.T) {
	_, r := render(t, defaults(t), fixtureJobSearch)
	low := strings.ToLower(r.HTML)
	for _, bad := range []string{"<script", "<img", "<link", "<iframe", "@import", "url(", "src=", "http://", "https://", "javascript:"} {
		if strings.Contains(low, bad) {
			t.Errorf("HTML holds %q", bad)
		}
	}
	for _, want := range []string{
		`<meta name="color-scheme" content="light dark">`,
		"@media (prefers-color-scheme: dark)",
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		"max-width:600px",
		`href="mailto:`,
	} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if len(r.HTML) > 100_000 {
		t.Errorf("HTML is %d bytes; Gmail clips messages over 102 KB", len(r.HTML))
	}
}
