package mailer_test

import (
	"bufio"
	"bytes"
	"io"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message/mail"

	"github.com/rekindle/rekindle"
	"github.com/rekindle/rekindle/mailer"
)

var testDate = time.Date(2026, 11, 21, 7, 0, 0, 0, time.FixedZone("CET", 3600))

func digestMessage() *mailer.Message {
	return &mailer.Message{
		From:    rekindle.Address{Name: "Jane Doe", Email: "jane@example.com"},
		To:      rekindle.Address{Name: "Jane", Email: "jane@example.org"},
		Subject: "Rekindle: 3 people — Grüße",
		Text:    "Good morning!\n\nWrite to Ünal today.\n",
		HTML:    "<p>Good morning!</p><p>Write to <b>Ünal</b> today.</p>",
		Date:    testDate,
		Headers: map[string]string{"X-Rekindle-Digest": "2026-11-21"},
	}
}

// parsed is a message read back with go-message.
type parsed struct {
	header mail.Header
	// parts are the inline parts in order: content type and body.
	types  []string
	bodies []string
	// raw header fields, as a reader that knows no RFC 2047 sees them.
	fields textproto.MIMEHeader
}

func parse(t *testing.T, raw []byte) *parsed {
	t.Helper()
	if bytes.Contains(bytes.ReplaceAll(raw, []byte("\r\n"), nil), []byte("\n")) {
		t.Errorf("message has bare LF line endings")
	}
	fields, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(raw))).ReadMIMEHeader()
	if err != nil {
		t.Fatalf("read header: %v", err)
	}
	mr, err := mail.CreateReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("parse message: %v\n%s", err, raw)
	}
	p := &parsed{header: mr.Header, fields: fields}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		h, ok := part.Header.(*mail.InlineHeader)
		if !ok {
			t.Fatalf("unexpected attachment")
		}
		ct, params, _ := h.ContentType()
		if params["charset"] != "UTF-8" && params["charset"] != "utf-8" {
			t.Errorf("part %s: charset %q, want UTF-8", ct, params["charset"])
		}
		if cte := h.Get("Content-Transfer-Encoding"); cte != "quoted-printable" {
			t.Errorf("part %s: Content-Transfer-Encoding %q, want quoted-printable", ct, cte)
		}
		body, err := io.ReadAll(part.Body)
		if err != nil {
			t.Fatal(err)
		}
		p.types = append(p.types, ct)
		p.bodies = append(p.bodies, string(body))
	}
	return p
}

func (p *parsed) address(t *testing.T, key string) *mail.Address {
	t.Helper()
	l, err := p.header.AddressList(key)
	if err != nil || len(l) != 1 {
		t.Fatalf("%s: %v, %v; raw %q", key, l, err, p.fields.Get(key))
	}
	return l[0]
}

func TestBytesAlternative(t *testing.T) {
	m := digestMessage()
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)

	if ct, _, _ := p.header.ContentType(); ct != "multipart/alternative" {
		t.Errorf("Content-Type %q, want multipart/alternative", ct)
	}
	if want := []string{"text/plain", "text/html"}; strings.Join(p.types, ",") != strings.Join(want, ",") {
		t.Fatalf("parts %v, want %v", p.types, want)
	}
	if got := strings.ReplaceAll(p.bodies[0], "\r\n", "\n"); got != m.Text {
		t.Errorf("text part %q, want %q", got, m.Text)
	}
	if p.bodies[1] != m.HTML {
		t.Errorf("html part %q, want %q", p.bodies[1], m.HTML)
	}
	if from := p.address(t, "From"); from.Name != "Jane Doe" || from.Address != "jane@example.com" {
		t.Errorf("From %v", from)
	}
	if to := p.address(t, "To"); to.Name != "Jane" || to.Address != "jane@example.org" {
		t.Errorf("To %v", to)
	}
	if s, _ := p.header.Subject(); s != m.Subject {
		t.Errorf("Subject %q, want %q", s, m.Subject)
	}
	if d, err := p.header.Date(); err != nil || !d.Equal(testDate) {
		t.Errorf("Date %v (%v), want %v", d, err, testDate)
	}
	id, err := p.header.MessageID()
	if err != nil || !strings.HasSuffix(id, "@example.com") || len(id) < 20 {
		t.Errorf("Message-ID %q (%v), want a random one @example.com", id, err)
	}
	if id != m.MessageID {
		t.Errorf("Message-ID %q, but Message.MessageID is %q", id, m.MessageID)
	}
	if got := p.fields.Get("X-Rekindle-Digest"); got != "2026-11-21" {
		t.Errorf("X-Rekindle-Digest %q", got)
	}
	if got := p.fields.Get("Mime-Version"); got != "1.0" {
		t.Errorf("MIME-Version %q", got)
	}
	if ua := p.fields.Get("User-Agent") + p.fields.Get("X-Mailer"); ua != "" {
		t.Errorf("User-Agent/X-Mailer %q, want none", ua)
	}

	// The second rendering keeps the ID: a retry is the same message.
	raw2, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if id2, _ := parse(t, raw2).header.MessageID(); id2 != id {
		t.Errorf("second Bytes gave Message-ID %q, first %q", id2, id)
	}
}

func TestBytesPlainThreaded(t *testing.T) {
	m := &mailer.Message{
		From:       rekindle.Address{Name: "Jane Doe", Email: "jane@example.com"},
		To:         rekindle.Address{Name: "Bob", Email: "bob@example.net"},
		Subject:    "Re: lunch",
		Text:       "Hi Bob,\n\nlong time! How is the new job?\n\nJane\n",
		Date:       testDate,
		MessageID:  "draft-1@example.com",
		InReplyTo:  "c@example.net",
		References: []string{"a@example.com", "b@example.net", "c@example.net"},
	}
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p := parse(t, raw)
	if ct, params, _ := p.header.ContentType(); ct != "text/plain" || params["charset"] != "UTF-8" {
		t.Errorf("Content-Type %q %v, want text/plain; charset=UTF-8", ct, params)
	}
	if len(p.bodies) != 1 || strings.ReplaceAll(p.bodies[0], "\r\n", "\n") != m.Text {
		t.Errorf("body %q", p.bodies)
	}
	if id, _ := p.header.MessageID(); id != "draft-1@example.com" {
		t.Errorf("Message-ID %q", id)
	}
	if irt, _ := p.header.MsgIDList("In-Reply-To"); len(irt) != 1 || irt[0] != "c@example.net" {
		t.Errorf("In-Reply-To %v", irt)
	}
	if refs, _ := p.header.MsgIDList("References"); strings.Join(refs, " ") != "a@example.com b@example.net c@example.net" {
		t.Errorf("References %v", refs)
	}
}

func TestBytesHTMLOnly(t *testing.T) {
	m := digestMessage()
	m.Text = ""
	raw, err := m.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if ct, _, _ := parse(t, raw).header.ContentType(); ct != "text/html" {
		t.Errorf("Content-Type %q, want text/html", ct)
	}
}

// TestBytesHeaderInjection checks that no value can add a header field
// of its own, and that each one reads back as it was given.
func TestBytesHeaderInjection(t *testing.T) {
	tests := []struct {
		name string
		edit func(m *mailer.Message)
		// check reads the value back.
		check func(t *testing.T, p *parsed)
	}{
		{
			name: "subject with CRLF",
			edit: func(m *mailer.Message) { m.Subject = "x\r\nBcc: evil@x" },
			check: func(t *testing.T, p *parsed) {
				if s, _ := p.header.Subject(); s != "x\r\nBcc: evil@x" {
					t.Errorf("Subject %q", s)
				}
			},
		},
		{
			name: "subject with LF",
			edit: func(m *mailer.Message) { m.Subject = "x\nBcc: evil@x\n\nbody" },
			check: func(t *testing.T, p *parsed) {
				if s, _ := p.header.Subject(); s != "x\nBcc: evil@x\n\nbody" {
					t.Errorf("Subject %q", s)
				}
			},
		},
		{
			name: "display name with quotes and comma",
			edit: func(m *mailer.Message) { m.To.Name = `Doe, "Jim" <boss@x>` },
			check: func(t *testing.T, p *parsed) {
				to := p.address(t, "To")
				if to.Name != `Doe, "Jim" <boss@x>` || to.Address != "jane@example.org" {
					t.Errorf("To %q <%s>", to.Name, to.Address)
				}
			},
		},
		{
			name: "display name with CRLF",
			edit: func(m *mailer.Message) { m.From.Name = "Eve\r\nBcc: evil@x" },
			check: func(t *testing.T, p *parsed) {
				from := p.address(t, "From")
				if from.Name != "Eve\r\nBcc: evil@x" || from.Address != "jane@example.com" {
					t.Errorf("From %q <%s>", from.Name, from.Address)
				}
			},
		},
		{
			name: "display name non-ASCII with specials",
			edit: func(m *mailer.Message) { m.To.Name = "Müller, Jörg" },
			check: func(t *testing.T, p *parsed) {
				if to := p.address(t, "To"); to.Name != "Müller, Jörg" {
					t.Errorf("To %q", to.Name)
				}
			},
		},
		{
			name: "extra header value with CRLF",
			edit: func(m *mailer.Message) { m.Headers["X-Rekindle-Digest"] = "2026-11-21\r\nBcc: evil@x" },
			check: func(t *testing.T, p *parsed) {
				if v, _ := p.header.Text("X-Rekindle-Digest"); v != "2026-11-21\r\nBcc: evil@x" {
					t.Errorf("X-Rekindle-Digest %q", v)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := digestMessage()
			tt.edit(m)
			raw, err := m.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			p := parse(t, raw)
			if _, ok := p.fields["Bcc"]; ok {
				t.Errorf("a Bcc header was injected:\n%s", raw)
			}
			if len(p.fields["To"]) != 1 || len(p.fields["From"]) != 1 || len(p.fields["Subject"]) != 1 {
				t.Errorf("From/To/Subject not exactly once each:\n%s", raw)
			}
			tt.check(t, p)
		})
	}
}

func TestBytesRejects(t *testing.T) {
	tests := []struct {
		name string
		edit func(m *mailer.Message)
		want string
	}{
		{"no from", func(m *mailer.Message) { m.From.Email = "" }, "From: address is empty"},
		{"from without domain", func(m *mailer.Message) { m.From.Email = "jane" }, "not a valid email address"},
		{"to with CRLF", func(m *mailer.Message) { m.To.Email = "bob@x\r\nBcc: evil@x" }, "not a valid email address"},
		{"to with name syntax", func(m *mailer.Message) { m.To.Email = "Bob <bob@x>" }, "not a valid email address"},
		{"message ID with space", func(m *mailer.Message) { m.MessageID = "a b@x" }, "message-id"},
		{"in-reply-to with bracket", func(m *mailer.Message) { m.InReplyTo = "a@x> <b@x" }, "in-reply-to"},
		{"empty reference", func(m *mailer.Message) { m.References = []string{""} }, "references"},
		{"header name with colon", func(m *mailer.Message) { m.Headers["X-A: b\r\nBcc"] = "x" }, "field name"},
		{"header name reserved", func(m *mailer.Message) { m.Headers["bcc"] = "evil@x" }, "set by the message itself"},
		{"header content-type", func(m *mailer.Message) { m.Headers["Content-Type"] = "text/evil" }, "set by the message itself"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := digestMessage()
			tt.edit(m)
			_, err := m.Bytes()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Bytes() error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
