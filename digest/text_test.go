package digest

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestHeaderSafe(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello", "Hello"},
		{"  Hello   world  ", "Hello world"},
		{"Hi\r\nBcc: victim@x.org", "Hi Bcc: victim@x.org"},
		{"Hi\nX-Evil: 1\r\n\r\nbody", "Hi X-Evil: 1 body"},
		{"a\x00b\tc\vd", "a b c d"},
		{"line\u2028sep\u2029para", "line sep para"},
		{"evil\u202egnp.exe", "evil gnp.exe"},
		{"bad \xff utf8", "bad utf8"},
		{strings.Repeat("x", 500), strings.Repeat("x", 199) + "…"},
	}
	for _, tt := range tests {
		got := HeaderSafe(tt.in)
		if got != tt.want {
			t.Errorf("HeaderSafe(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.ContainsAny(got, "\r\n\x00") {
			t.Errorf("HeaderSafe(%q) = %q holds a line break", tt.in, got)
		}
	}
}

func TestNormaliseBody(t *testing.T) {
	in := "\n\nHi Jane,  \r\n\r\n\r\n\nLine one\rLine two\x00\n\n\n\nBest,\nJoe\n\n\n"
	want := "Hi Jane,\n\nLine one\nLine two\n\nBest,\nJoe"
	if got := normaliseBody(in); got != want {
		t.Errorf("normaliseBody = %q, want %q", got, want)
	}
}

func TestPhrases(t *testing.T) {
	tests := []struct {
		days         int
		ago, silence string
	}{
		{0, "today", "less than a day"},
		{1, "yesterday", "1 day"},
		{5, "5 days ago", "5 days"},
		{13, "13 days ago", "13 days"},
		{19, "3 weeks ago", "3 weeks"},
		{49, "7 weeks ago", "7 weeks"},
		{60, "2 months ago", "2 months"},
		{94, "3 months ago", "3 months"},
		{243, "8 months ago", "8 months"},
		{365, "12 months ago", "12 months"},
		{436, "14 months ago", "14 months"},
		{547, "18 months ago", "18 months"},
		{548, "2 years ago", "2 years"},
		{800, "2 years ago", "2 years"},
		{6209, "17 years ago", "17 years"},
	}
	for _, tt := range tests {
		if got := Ago(tt.days); got != tt.ago {
			t.Errorf("Ago(%d) = %q, want %q", tt.days, got, tt.ago)
		}
		if got := Silence(tt.days); got != tt.silence {
			t.Errorf("Silence(%d) = %q, want %q", tt.days, got, tt.silence)
		}
	}
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 1, 12, 0, 0, 0, 0, time.UTC), "January"},
		{time.Date(2025, 8, 12, 0, 0, 0, 0, time.UTC), "August"},
		{time.Date(2024, 12, 20, 0, 0, 0, 0, time.UTC), "December 2024"},
		{time.Time{}, ""},
	} {
		if got := monthPhrase(tt.t, now); got != tt.want {
			t.Errorf("monthPhrase(%v) = %q, want %q", tt.t, got, tt.want)
		}
	}
}

// TestMailto checks that whatever the subject and body hold, the URL is
// one opaque token that decodes back to exactly them: nothing in a value
// can end the field, add a header or leave the attribute.
func TestMailto(t *testing.T) {
	to := "o'brien+tag@example.com"
	subject := "Re: \"Q&A\" #1 + 50% <script>alert(1)</script>\r\nBcc: victim@x.org"
	body := "Hi Seán,\n\nA=B&C=D?\nBest,\nJane"
	u := Mailto(to, subject, body, "abc.123@mail.example.com")
	if strings.ContainsAny(u, " \r\n\"'<>#+") {
		t.Fatalf("mailto holds a raw delimiter: %s", u)
	}
	if strings.Count(u, "&") != 2 || strings.Count(u, "?") != 1 {
		t.Fatalf("mailto has extra fields: %s", u)
	}
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	if p.Scheme != "mailto" || p.Opaque != "o%27brien%2Btag@example.com" {
		t.Errorf("scheme %q, opaque %q", p.Scheme, p.Opaque)
	}
	q, err := url.ParseQuery(p.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	if got := q.Get("subject"); got != subject {
		t.Errorf("subject = %q, want %q", got, subject)
	}
	if got, want := q.Get("body"), strings.ReplaceAll(body, "\n", "\r\n"); got != want {
		t.Errorf("body = %q, want %q (RFC 6068 line breaks are CRLF)", got, want)
	}
	if got := q.Get("in-reply-to"); got != "<abc.123@mail.example.com>" {
		t.Errorf("in-reply-to = %q", got)
	}
	if !strings.Contains(u, "Hi%20Se%C3%A1n") {
		t.Errorf("spaces must be %%20 and UTF-8 percent-encoded: %s", u)
	}
}
