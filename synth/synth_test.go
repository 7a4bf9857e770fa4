package synth

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/rekindle/rekindle"
)

func TestDeterministic(t *testing.T) {
	opts := Options{Seed: 7, Messages: 1500}
	a, b := Generate(opts), Generate(opts)
	if len(a.Mails) != len(b.Mails) {
		t.Fatalf("same seed, %d and %d mails", len(a.Mails), len(b.Mails))
	}
	for i := range a.Mails {
		x, y := a.Mails[i], b.Mails[i]
		if x.Folder != y.Folder || !bytes.Equal(x.Raw, y.Raw) || !x.InternalDate.Equal(y.InternalDate) || !slices.Equal(x.Flags, y.Flags) {
			t.Fatalf("same seed, mail %d differs:\n%s\n---\n%s", i, x.Raw, y.Raw)
		}
	}
	c := Generate(Options{Seed: 8, Messages: 1500})
	same := 0
	for i := range min(len(a.Mails), len(c.Mails)) {
		if bytes.Equal(a.Mails[i].Raw, c.Mails[i].Raw) {
			same++
		}
	}
	if same > len(a.Mails)/10 {
		t.Errorf("seeds 7 and 8 share %d of %d mails", same, len(a.Mails))
	}
}

func TestArrivalOrder(t *testing.T) {
	mb := Generate(Options{Seed: 3, Messages: 3000, AllMail: true})
	for i := 1; i < len(mb.Mails); i++ {
		if mb.Mails[i].InternalDate.Before(mb.Mails[i-1].InternalDate) {
			t.Fatalf("mail %d arrives %v, before mail %d at %v", i, mb.Mails[i].InternalDate, i-1, mb.Mails[i-1].InternalDate)
		}
	}
	for _, m := range mb.Mails {
		if m.InternalDate.After(mb.Now) || m.Header.Date.After(mb.Now) {
			t.Fatalf("mail from the future (now %v): %v %v %q", mb.Now, m.InternalDate, m.Header.Date, m.Header.Subject)
		}
	}
}

func TestMessagesCount(t *testing.T) {
	for _, n := range []int{3000, 8000} {
		got := 0
		err := Stream(Options{Seed: 1, Messages: n}, func(Mail) error { got++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if got < n*95/100 || got > n*105/100 {
			t.Errorf("Messages %d: got %d mails", n, got)
		}
	}
	// Below the personas' own volume, they all still exist.
	mb := Generate(Options{Seed: 1, Messages: 10})
	if len(mb.Mails) < 1000 {
		t.Errorf("Messages 10: %d mails, want the personas' ~2000", len(mb.Mails))
	}
}

func TestStreamStops(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Stream(Options{Seed: 1}, func(Mail) error {
		n++
		if n == 5 {
			return stop
		}
		return nil
	})
	if err != stop || n != 5 {
		t.Fatalf("Stream returned %v after %d mails; want stop after 5", err, n)
	}
}

// TestRawMatchesHeader parses every Raw with net/mail and checks it against
// the Header the generator says it holds.
func TestRawMatchesHeader(t *testing.T) {
	mb := Generate(Options{Seed: 11, Messages: 2500, Hostile: true, AllMail: true})
	kinds := map[string]int{}
	for i, m := range mb.Mails {
		kinds[m.Hostile]++
		checkWellFormed(t, i, m)
		raw := m.Raw
		if m.Hostile == Hostile8BitName {
			raw = latin1ToUTF8(raw)
		}
		got, err := parseHeader(raw)
		if err != nil && m.Hostile != HostileNoDomain {
			t.Errorf("mail %d (%s): %v\n%s", i, m.Hostile, err, m.Raw)
			continue
		}
		want := m.Header
		if m.Hostile == HostileNoDomain {
			// net/mail rejects an address without a domain; the truth
			// keeps its local part.
			if !strings.Contains(string(m.Raw), "\r\nFrom: Cron Daemon <root>\r\n") || want.From[0] != (rekindle.Address{Name: "Cron Daemon", Email: "root"}) {
				t.Errorf("no-domain mail: From is %+v", want.From)
			}
			got.From, want.From = nil, nil
		}
		if diff := diffHeader(got, want); diff != "" {
			t.Errorf("mail %d in %s (%s): Raw and Header disagree: %s\n%s", i, m.Folder, m.Hostile, diff, m.Raw)
		}
		if t.Failed() {
			return
		}
	}
	for _, k := range hostileKinds {
		if kinds[k] == 0 {
			t.Errorf("no %s mail", k)
		}
	}
	if kinds[""] < len(mb.Mails)*9/10 {
		t.Errorf("%d of %d mails are hostile", len(mb.Mails)-kinds[""], len(mb.Mails))
	}
}

// checkWellFormed checks what servers insist on: CRLF everywhere, a blank
// line before the body, no overlong lines.
func checkWellFormed(t *testing.T, i int, m Mail) {
	t.Helper()
	raw := m.Raw
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Errorf("mail %d does not end in CRLF", i)
	}
	for j, c := range raw {
		if c == '\n' && (j == 0 || raw[j-1] != '\r') || c == '\r' && (j+1 == len(raw) || raw[j+1] != '\n') {
			t.Fatalf("mail %d: bare CR or LF at byte %d:\n%s", i, j, raw)
		}
	}
	hdr, body, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
	if !ok || len(body) == 0 {
		t.Fatalf("mail %d: no blank line before a body", i)
	}
	for line := range bytes.SplitSeq(hdr, []byte("\r\n")) {
		if len(line) > 998 {
			t.Fatalf("mail %d: header line of %d bytes", i, len(line))
		}
	}
	if m.InternalDate.Location() != time.UTC || m.InternalDate.Nanosecond() != 0 {
		t.Errorf("mail %d: InternalDate %v not whole UTC seconds", i, m.InternalDate)
	}
}

var wordDecoder = new(mime.WordDecoder)

// parseHeader reads a message's header with net/mail into a Header the way
// a careful parser would.
func parseHeader(raw []byte) (_ rekindle.Header, err error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return rekindle.Header{}, err
	}
	h := msg.Header
	var out rekindle.Header
	out.MessageID = strings.Trim(h.Get("Message-Id"), "<> ")
	if d, err := h.Date(); err == nil {
		out.Date = d.UTC()
	}
	if out.Subject, err = wordDecoder.DecodeHeader(h.Get("Subject")); err != nil {
		return out, fmt.Errorf("subject: %w", err)
	}
	for _, f := range []struct {
		name string
		dst  *[]rekindle.Address
	}{{"From", &out.From}, {"To", &out.To}, {"Cc", &out.Cc}} {
		if h.Get(f.name) == "" {
			continue
		}
		list, err := h.AddressList(f.name)
		if err != nil {
			defer func() { err = fmt.Errorf("%s: %w", f.name, err) }()
			continue
		}
		for _, a := range list {
			*f.dst = append(*f.dst, rekindle.Address{Name: oneLine(a.Name), Email: strings.ToLower(a.Address)})
		}
	}
	out.InReplyTo = msgIDs(h.Get("In-Reply-To"))
	out.References = msgIDs(h.Get("References"))
	out.ListID = strings.TrimSpace(h.Get("List-Id"))
	out.ListUnsubscribe = strings.TrimSpace(h.Get("List-Unsubscribe"))
	out.Precedence = strings.TrimSpace(h.Get("Precedence"))
	out.AutoSubmitted = strings.TrimSpace(h.Get("Auto-Submitted"))
	return out, nil
}

// oneLine turns each run of spaces and control characters into one space.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
}

func msgIDs(v string) []string {
	var ids []string
	for _, f := range strings.Fields(v) {
		ids = append(ids, strings.Trim(f, "<>"))
	}
	return ids
}

func latin1ToUTF8(b []byte) []byte {
	var out []byte
	for _, c := range b {
		out = append(out, string(rune(c))...)
	}
	return out
}

func diffHeader(got, want rekindle.Header) string {
	var d []string
	cmp := func(name string, g, w any) {
		if fmt.Sprint(g) != fmt.Sprint(w) {
			d = append(d, fmt.Sprintf("%s: parsed %q, Header %q", name, fmt.Sprint(g), fmt.Sprint(w)))
		}
	}
	cmp("Message-ID", got.MessageID, want.MessageID)
	if !got.Date.Equal(want.Date) {
		d = append(d, fmt.Sprintf("Date: parsed %v, Header %v", got.Date, want.Date))
	}
	cmp("Subject", got.Subject, want.Subject)
	cmp("From", got.From, want.From)
	cmp("To", got.To, want.To)
	cmp("Cc", got.Cc, want.Cc)
	cmp("In-Reply-To", got.InReplyTo, want.InReplyTo)
	cmp("References", got.References, want.References)
	cmp("List-Id", got.ListID, want.ListID)
	cmp("List-Unsubscribe", got.ListUnsubscribe, want.ListUnsubscribe)
	cmp("Precedence", got.Precedence, want.Precedence)
	cmp("Auto-Submitted", got.AutoSubmitted, want.AutoSubmitted)
	return strings.Join(d, "; ")
}

func TestHeaderSize(t *testing.T) {
	mb := Generate(Options{Seed: 2})
	var hdr, selected, n int
	for _, m := range mb.Mails {
		if m.Folder != FolderInbox || m.Hostile != "" {
			continue
		}
		h, _, _ := bytes.Cut(m.Raw, []byte("\r\n\r\n"))
		hdr += len(h)
		n++
		for line := range bytes.SplitSeq(h, []byte("\r\n")) {
			name, _, _ := bytes.Cut(line, []byte(":"))
			switch strings.ToLower(string(name)) {
			case "date", "from", "to", "cc", "reply-to", "subject", "message-id", "in-reply-to", "references",
				"list-id", "list-unsubscribe", "precedence", "auto-submitted", "x-rekindle-digest":
				selected += len(line) + 2
			}
		}
	}
	avg := hdr / n
	if avg < 1000 || avg > 2500 {
		t.Errorf("received mail has %d-byte headers on average; want 1-2 KB", avg)
	}
	if selected*3 > hdr {
		t.Errorf("the fields rekindle fetches are %d of %d header bytes; want well under a third", selected, hdr)
	}
}

func TestFolders(t *testing.T) {
	mb := Generate(Options{Seed: 1, AllMail: true})
	want := map[string]string{FolderInbox: "", FolderSent: `\Sent`, FolderArchive: `\Archive`, FolderDrafts: `\Drafts`,
		FolderJunk: `\Junk`, FolderTrash: `\Trash`, FolderAllMail: `\All`, "Lists/golang-nuts": ""}
	got := map[string]string{}
	for _, f := range mb.Folders {
		got[f.Name] = f.SpecialUse
	}
	for name, use := range want {
		if u, ok := got[name]; !ok || u != use {
			t.Errorf("folder %s: got %q (present %v), want %q", name, u, ok, use)
		}
	}
	for _, m := range mb.Mails {
		if _, ok := got[m.Folder]; !ok {
			t.Errorf("mail in unlisted folder %q", m.Folder)
		}
	}
	// All Mail holds each message once.
	ids := map[string]int{}
	for _, m := range mb.InFolder(FolderAllMail) {
		ids[m.Header.MessageID]++
	}
	for id, n := range ids {
		if n > 1 && id != "" {
			t.Errorf("All Mail holds %s %d times", id, n)
		}
	}
}

// exchanges splits a persona's mails (outside Drafts and All Mail) into
// messages from the user and from them.
func exchanges(mb *Mailbox, key string) (sent, received []Mail) {
	for _, m := range mb.Mails {
		if m.Persona != key || m.Folder == FolderAllMail || m.Folder == FolderDrafts {
			continue
		}
		if m.Folder == FolderSent {
			sent = append(sent, m)
		} else {
			received = append(received, m)
		}
	}
	return sent, received
}

func TestPersonas(t *testing.T) {
	mb := Generate(Options{Seed: 5})
	now := mb.Now
	ago := func(t time.Time) float64 { return now.Sub(t).Hours() / 24 }

	keys := []string{KeyColleagueQuiet, KeyMentor, KeyFriendYearly, KeyFriendDormant, KeyContactCooling, KeyRecruiter,
		KeyRecruiterIgnored, KeyNewsletter, KeyNoReply, KeyList, KeyListMember, KeyTwoAddresses, KeySelf,
		KeyColleagueYesterday, KeyAnnouncement, KeyDigest, KeyAwaitingReply, KeyOwingReply}
	for _, k := range keys {
		if _, ok := mb.Persona(k); !ok {
			t.Errorf("no persona %s", k)
		}
	}

	// Relationships: the last exchange, the status and the rhythm.
	for _, c := range []struct {
		key     string
		status  string
		lastAgo float64 // days
		rhythm  float64 // days
	}{
		{KeyColleagueQuiet, StatusCold, 60, 7},
		{KeyMentor, StatusWarm, 10, 30},
		{KeyFriendYearly, StatusWarm, 335, 365},
		{KeyFriendDormant, StatusDormant, 426, 9},
		{KeyContactCooling, StatusCooling, 50, 21},
		{KeyListMember, StatusWarm, 5, 14},
		{KeyTwoAddresses, StatusWarm, 12, 14},
		{KeyColleagueYesterday, StatusWarm, 1, 5},
		{KeyAwaitingReply, StatusWarm, 8, 30},
		{KeyOwingReply, StatusWarm, 7, 20},
	} {
		p, _ := mb.Persona(c.key)
		if p.WantStatus != c.status || !p.TwoWay {
			t.Errorf("%s: status %q two-way %v; want %q, true", c.key, p.WantStatus, p.TwoWay, c.status)
		}
		sent, received := exchanges(mb, c.key)
		if len(sent) < 2 || len(received) < 2 {
			t.Errorf("%s: %d sent, %d received", c.key, len(sent), len(received))
			continue
		}
		last := sent[len(sent)-1].Header.Date
		if r := received[len(received)-1].Header.Date; r.After(last) {
			last = r
		}
		if !last.Equal(p.LastExchange) {
			t.Errorf("%s: last mail %v, persona says %v", c.key, last, p.LastExchange)
		}
		if d := ago(last); d < c.lastAgo-2 || d > c.lastAgo+1 {
			t.Errorf("%s: last exchange %.1f days ago, want %v", c.key, d, c.lastAgo)
		}
		if got := p.Rhythm.Hours() / 24; got != c.rhythm {
			t.Errorf("%s: rhythm %v days, want %v", c.key, got, c.rhythm)
		}
		if g := medianGap(append(sent, received...)); g < c.rhythm*0.7 || g > c.rhythm*1.3 {
			t.Errorf("%s: exchanges are a median %.1f days apart, want about %v", c.key, g, c.rhythm)
		}
	}

	// Marcus was weekly for about two years.
	sent, received := exchanges(mb, KeyColleagueQuiet)
	if n := len(sent) + len(received); n < 150 {
		t.Errorf("colleague-quiet: only %d mails in two weekly years", n)
	}
	if first := received[0].Header.Date; ago(first) < 700 {
		t.Errorf("colleague-quiet: first mail only %.0f days ago", ago(first))
	}

	// The user awaits Hannah's reply; Omar awaits the user's.
	sent, received = exchanges(mb, KeyAwaitingReply)
	if last := sent[len(sent)-1]; !last.Header.Date.After(received[len(received)-1].Header.Date) || !strings.Contains(string(last.Raw), "?") {
		t.Errorf("awaiting-reply: the user's question is not the last word")
	}
	sent, received = exchanges(mb, KeyOwingReply)
	last := received[len(received)-1]
	if !last.Header.Date.After(sent[len(sent)-1].Header.Date) || slices.Contains(last.Flags, `\Answered`) || last.Header.To[0].Email != mb.Me.Email {
		t.Errorf("owing-reply: last mail %+v flags %v is not an unanswered direct question", last.Header, last.Flags)
	}
	if p, _ := mb.Persona(KeyAwaitingReply); !p.AwaitingReply {
		t.Error("awaiting-reply persona does not say so")
	}
	if p, _ := mb.Persona(KeyOwingReply); !p.OwesReply {
		t.Error("owing-reply persona does not say so")
	}

	// Raj got the user's mail yesterday.
	sent, _ = exchanges(mb, KeyColleagueYesterday)
	if d := ago(sent[len(sent)-1].Header.Date); d > 1.5 {
		t.Errorf("colleague-yesterday: the user last wrote %.1f days ago", d)
	}

	// Not relationships.
	for _, k := range []string{KeyRecruiter, KeyRecruiterIgnored, KeyNewsletter, KeyNoReply, KeyList, KeySelf, KeyAnnouncement, KeyDigest} {
		if p, _ := mb.Persona(k); p.WantStatus != "" || p.TwoWay {
			t.Errorf("%s: status %q two-way %v; want none", k, p.WantStatus, p.TwoWay)
		}
	}
	sent, received = exchanges(mb, KeyRecruiter)
	if len(sent) != 1 || len(received) != 1 {
		t.Errorf("recruiter: %d sent, %d received; want 1 and 1", len(sent), len(received))
	}
	sent, received = exchanges(mb, KeyRecruiterIgnored)
	if len(sent) != 0 || len(received) != 2 {
		t.Errorf("recruiter-ignored: %d sent, %d received; want 0 and 2", len(sent), len(received))
	}
	_, received = exchanges(mb, KeyNewsletter)
	for _, m := range received {
		if m.Header.ListUnsubscribe == "" || m.Header.Precedence != "bulk" || !strings.HasPrefix(m.Header.From[0].Email, "news@") {
			t.Fatalf("newsletter mail without its markers: %+v", m.Header)
		}
	}
	_, received = exchanges(mb, KeyNoReply)
	for _, m := range received {
		if m.Header.AutoSubmitted != "auto-generated" || m.Header.From[0].Email != "noreply@github.com" {
			t.Fatalf("noreply mail without its markers: %+v", m.Header)
		}
	}

	// The list: many senders, the list member among them, and once in a
	// while addressing the user directly.
	senders := map[string]bool{}
	direct := false
	for _, m := range mb.InFolder("Lists/golang-nuts") {
		if m.Header.ListID != "<golang-nuts.googlegroups.com>" {
			t.Fatalf("list mail without List-Id: %+v", m.Header)
		}
		senders[m.Header.From[0].Email] = true
		if m.Header.From[0].Email == dmitri.email && slices.ContainsFunc(m.Header.Cc, func(a rekindle.Address) bool { return a.Email == "jane+lists@example.com" }) {
			direct = true
		}
	}
	for _, m := range mb.Mails {
		if m.Persona == KeyListMember && m.Header.ListID != "" {
			t.Fatalf("list mail carries the list member's persona: %+v", m.Header)
		}
	}
	if len(senders) < 20 || !senders[dmitri.email] || !senders["jane+lists@example.com"] || !direct {
		t.Errorf("golang-nuts: %d senders (list member %v, user %v), list member Cc's the user: %v",
			len(senders), senders[dmitri.email], senders["jane+lists@example.com"], direct)
	}

	// One person, two addresses, one thread across the change.
	p, _ := mb.Persona(KeyTwoAddresses)
	byID := map[string]string{}
	crossed := false
	_, received = exchanges(mb, KeyTwoAddresses)
	sent, _ = exchanges(mb, KeyTwoAddresses)
	all := append(sent, received...)
	slices.SortFunc(all, func(a, b Mail) int { return a.InternalDate.Compare(b.InternalDate) })
	for _, m := range all {
		from := m.Header.From[0].Email
		if from == p.Addresses[0] || from == p.Addresses[1] {
			byID[m.Header.MessageID] = from
		}
		if from == p.Addresses[1] {
			for _, ref := range m.Header.References {
				if byID[ref] == p.Addresses[0] {
					crossed = true
				}
			}
		}
		if from == p.Addresses[0] || from == p.Addresses[1] {
			if m.Header.From[0].Name != p.Name {
				t.Errorf("two-addresses: name %q", m.Header.From[0].Name)
			}
		}
	}
	if len(p.Addresses) != 2 || !crossed {
		t.Errorf("two-addresses: %v, thread across the change: %v", p.Addresses, crossed)
	}

	// The alias writes to the main address; the copy in Sent and INBOX
	// are one message.
	inSent := map[string]bool{}
	aliasNotes := 0
	for _, m := range mb.Mails {
		if m.Persona != KeySelf || len(m.Header.From) == 0 || m.Header.From[0].Email != "jane.doe@example.org" {
			continue
		}
		if m.Folder == FolderSent {
			inSent[m.Header.MessageID] = true
		} else if m.Folder == FolderInbox && inSent[m.Header.MessageID] && m.Header.To[0].Email == "jane@example.com" {
			aliasNotes++
		}
	}
	if aliasNotes < 10 {
		t.Errorf("%d notes from the alias to the main address", aliasNotes)
	}

	// The announcement goes to 40 people, the user in Cc.
	_, received = exchanges(mb, KeyAnnouncement)
	if len(received) == 0 {
		t.Fatal("no announcements")
	}
	a := received[0].Header
	if n := len(a.To) + len(a.Cc); n != 40 || !slices.ContainsFunc(a.Cc, func(x rekindle.Address) bool { return x.Email == mb.Me.Email }) {
		t.Errorf("announcement: %d recipients, user in Cc %v", n, a.Cc)
	}

	// Digests: from the user to the user, marked as rekindle marks them.
	_, received = exchanges(mb, KeyDigest)
	if len(received) < 7 {
		t.Fatalf("%d digests", len(received))
	}
	for _, m := range received {
		h := m.Header
		raw, err := mail.ReadMessage(bytes.NewReader(m.Raw))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := time.Parse("2006-01-02", raw.Header.Get("X-Rekindle-Digest")); err != nil || raw.Header.Get("Auto-Submitted") != "auto-generated" ||
			h.AutoSubmitted != "auto-generated" || h.From[0].Email != mb.Me.Email || h.To[0].Email != mb.Me.Email {
			t.Errorf("digest %+v", h)
		}
	}

	// Subjects have realistic prefixes.
	prefixes := map[string]int{}
	for _, m := range mb.Mails {
		for _, p := range []string{"Re: ", "AW: ", "Fwd: ", "WG: "} {
			if strings.HasPrefix(m.Header.Subject, p) {
				prefixes[p]++
			}
		}
	}
	if prefixes["Re: "] < 100 || prefixes["AW: "] == 0 || prefixes["Fwd: "]+prefixes["WG: "] == 0 {
		t.Errorf("subject prefixes: %v", prefixes)
	}

	// Every filler with a status is a real two-way relationship.
	fillers := 0
	for _, p := range mb.Personas {
		if !strings.HasPrefix(p.Key, "filler-") {
			continue
		}
		fillers++
		if (p.WantStatus != "") != p.TwoWay {
			t.Errorf("%s: status %q two-way %v", p.Key, p.WantStatus, p.TwoWay)
		}
	}
	if fillers == 0 {
		t.Error("no filler correspondents")
	}
}

// medianGap is the median time between exchanges, counting a new exchange
// when two days pass without mail.
func medianGap(ms []Mail) float64 {
	slices.SortFunc(ms, func(a, b Mail) int { return a.Header.Date.Compare(b.Header.Date) })
	var gaps []float64
	for i := 1; i < len(ms); i++ {
		if g := ms[i].Header.Date.Sub(ms[i-1].Header.Date).Hours() / 24; g > 2 {
			gaps = append(gaps, g)
		}
	}
	if len(gaps) == 0 {
		return 0
	}
	slices.Sort(gaps)
	return gaps[len(gaps)/2]
}

func TestNoHostileBelowThousand(t *testing.T) {
	for _, c := range []struct {
		opts Options
		want bool
	}{
		{Options{Seed: 1, Messages: 500}, false},
		{Options{Seed: 1, Messages: 500, Hostile: true}, true},
		{Options{Seed: 1, Messages: 1200}, true},
		{Options{Seed: 1, Messages: 1200, NoHostile: true}, false},
	} {
		got := false
		_ = Stream(c.opts, func(m Mail) error {
			got = got || m.Hostile != ""
			return nil
		})
		if got != c.want {
			t.Errorf("%+v: hostile mail %v, want %v", c.opts, got, c.want)
		}
	}
}

func TestCustomUser(t *testing.T) {
	me := rekindle.Address{Name: "Max Mustermann", Email: "Max@Example.NET"}
	mb := Generate(Options{Seed: 1, Me: me, Now: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC), Years: 1})
	if mb.Me.Email != "max@example.net" || mb.Addresses[0] != "max@example.net" || !slices.Contains(mb.Addresses, "max+lists@example.net") {
		t.Errorf("user %+v, addresses %v", mb.Me, mb.Addresses)
	}
	for _, m := range mb.Mails {
		if strings.Contains(string(m.Raw), "jane") {
			t.Fatalf("default user in a custom mailbox:\n%s", m.Raw)
		}
		if m.InternalDate.Before(mb.Now.AddDate(-2, 0, -1)) || m.Header.Date.Before(mb.Now.AddDate(-2, 0, -2)) && !m.Header.Date.IsZero() {
			t.Fatalf("mail from %v, before the two years", m.InternalDate)
		}
	}
}

// TestStreamBoundedMemory streams a mailbox many times the size of the
// heap it is allowed.
func TestStreamBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 15,000 messages")
	}
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	var peak uint64
	var total int64
	n := 0
	err := Stream(Options{Seed: 1, Messages: 15000}, func(m Mail) error {
		total += int64(len(m.Raw))
		if n++; n%2000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	grew := int64(peak) - int64(base)
	t.Logf("streamed %d mails, %d MB; heap grew at most %d MB", n, total>>20, grew>>20)
	if grew > total/3 {
		t.Errorf("heap grew by %d MB while streaming %d MB: not bounded", grew>>20, total>>20)
	}
}

func BenchmarkStream(b *testing.B) {
	const n = 100000
	var bytes int64
	for b.Loop() {
		bytes = 0
		_ = Stream(Options{Seed: 1, Messages: n}, func(m Mail) error {
			bytes += int64(len(m.Raw))
			return nil
		})
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/mail")
	b.SetBytes(bytes)
}
