package synth

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/rekindle/rekindle"
)

// addr is one mailbox as the generator knows it.
type addr struct {
	name  string // display name, UTF-8
	email string // as written in Raw; the truth is its lower case
	// raw, when set, is the whole mailbox exactly as written in Raw, for
	// hostile encodings the renderer would never produce itself.
	raw string
}

func (a addr) truth() rekindle.Address {
	return rekindle.Address{Name: a.name, Email: strings.ToLower(a.email)}
}

func (a addr) domain() string {
	_, d, _ := strings.Cut(strings.ToLower(a.email), "@")
	return d
}

func truths(as []addr) []rekindle.Address {
	if len(as) == 0 {
		return nil
	}
	out := make([]rekindle.Address, len(as))
	for i, a := range as {
		out[i] = a.truth()
	}
	return out
}

// mailer is the software that wrote a message; it shapes Message-IDs and
// the headers around the ones rekindle reads.
type mailer int

const (
	mailerGmail mailer = iota
	mailerOutlook
	mailerApple
	mailerFastmail
	mailerThunderbird
	mailerGeneric
	mailerService // bulk senders: SES-like IDs, no client headers
)

// msg is everything needed to render one Mail.
type msg struct {
	folder   string
	flags    []string
	date     time.Time // Date header time, in the sender's zone
	internal time.Time
	from     []addr
	to, cc   []addr
	replyTo  []addr
	subject  string
	// rawSubject, when set, is written instead of the encoded subject.
	rawSubject string
	id         string // without brackets; empty means no Message-ID header
	inReplyTo  string
	refs       []string

	listID, listUnsub, listPost, precedence, autoSub, digest string
	extra                                                    [][2]string

	// inbound mail came through the user's MX and carries a Received
	// chain and a DKIM signature; the user's own sent copies do not.
	inbound     bool
	deliveredTo string
	mailer      mailer
	body        string // "\n"-separated lines
	persona     string
	hostile     string
	// rawDate overrides the Date header value; "-" leaves it out.
	rawDate string
	// noAllMail keeps a second copy of the same message (a list echo of
	// the user's post) out of the All Mail folder.
	noAllMail bool
}

// render turns a msg into a Mail: the raw bytes and the truth about them.
func (g *generator) render(r *rand.Rand, m *msg) Mail {
	date := m.date.Truncate(time.Second)
	internal := m.internal.UTC().Truncate(time.Second)
	var b bytes.Buffer
	b.Grow(2300)
	if m.inbound {
		g.writeTrace(r, &b, m, internal)
	}
	if m.mailer == mailerOutlook {
		field(&b, "Thread-Topic", strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(m.subject, "Re: "), "AW: ")))
		field(&b, "Thread-Index", randB64(r, 22+r.IntN(12)))
	}
	field(&b, "MIME-Version", "1.0")
	if len(m.refs) > 0 {
		ids := make([]string, len(m.refs))
		for i, id := range m.refs {
			ids[i] = "<" + id + ">"
		}
		list(&b, "References", ids, false)
	}
	if m.inReplyTo != "" {
		field(&b, "In-Reply-To", "<"+m.inReplyTo+">")
	}
	addrList(&b, "From", m.from)
	switch m.rawDate {
	case "":
		field(&b, "Date", date.Format("Mon, 2 Jan 2006 15:04:05 -0700"))
	case "-":
	default:
		field(&b, "Date", m.rawDate)
	}
	if m.id != "" {
		field(&b, "Message-ID", "<"+m.id+">")
	}
	if m.rawSubject != "" {
		field(&b, "Subject", m.rawSubject)
	} else {
		list(&b, "Subject", strings.Split(mime.QEncoding.Encode("UTF-8", m.subject), " "), false)
	}
	addrList(&b, "To", m.to)
	addrList(&b, "Cc", m.cc)
	addrList(&b, "Reply-To", m.replyTo)
	if m.listID != "" {
		field(&b, "List-Id", m.listID)
	}
	if m.listPost != "" {
		field(&b, "List-Post", m.listPost)
	}
	if m.listUnsub != "" {
		list(&b, "List-Unsubscribe", strings.Split(m.listUnsub, " "), false)
		if strings.Contains(m.listUnsub, "https:") {
			field(&b, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
		}
	}
	if m.precedence != "" {
		field(&b, "Precedence", m.precedence)
	}
	if m.autoSub != "" {
		field(&b, "Auto-Submitted", m.autoSub)
	}
	if m.digest != "" {
		field(&b, "X-Rekindle-Digest", m.digest)
	}
	for _, kv := range m.extra {
		field(&b, kv[0], kv[1])
	}
	switch m.mailer {
	case mailerThunderbird:
		field(&b, "User-Agent", "Mozilla Thunderbird")
		field(&b, "Content-Language", "en-US")
	case mailerApple:
		field(&b, "X-Mailer", "Apple Mail (2.3774.300.61.1.2)")
	case mailerOutlook:
		field(&b, "Accept-Language", "de-DE, en-US")
		field(&b, "Content-Language", "en-US")
		field(&b, "X-MS-Has-Attach", "")
		field(&b, "X-MS-Exchange-Organization-SCL", "1")
		field(&b, "x-ms-publictraffictype", "Email")
	case mailerFastmail:
		field(&b, "X-ME-Sender", "<xms:"+randB64(r, 40)+">")
	case mailerGmail:
		if m.inbound {
			field(&b, "X-Gm-Message-State", "AOJu0Y"+randB64(r, 60))
		}
	}
	bodyBytes, cte := encodeBody(m.body)
	field(&b, "Content-Type", `text/plain; charset="UTF-8"`)
	field(&b, "Content-Transfer-Encoding", cte)
	b.WriteString("\r\n")
	b.Write(bodyBytes)

	h := rekindle.Header{
		MessageID:       m.id,
		Subject:         m.subject,
		From:            truths(m.from),
		To:              truths(m.to),
		Cc:              truths(m.cc),
		References:      m.refs,
		ListID:          m.listID,
		ListUnsubscribe: m.listUnsub,
		Precedence:      m.precedence,
		AutoSubmitted:   m.autoSub,
	}
	if m.rawDate == "" {
		h.Date = date.UTC()
	}
	if m.inReplyTo != "" {
		h.InReplyTo = []string{m.inReplyTo}
	}
	return Mail{
		Folder:       m.folder,
		Flags:        m.flags,
		InternalDate: internal,
		Header:       h,
		Raw:          b.Bytes(),
		Persona:      m.persona,
		Hostile:      m.hostile,
		dup:          m.noAllMail,
	}
}

// writeTrace writes what the receiving side adds: Return-Path,
// Delivered-To, Received, Authentication-Results and the sender's DKIM
// signature. It is most of a real header's bytes.
func (g *generator) writeTrace(r *rand.Rand, b *bytes.Buffer, m *msg, internal time.Time) {
	from := "bounce@localhost"
	if len(m.from) > 0 && m.from[0].email != "" {
		from = strings.ToLower(m.from[0].email)
	}
	domain := "localhost"
	if _, d, ok := strings.Cut(from, "@"); ok {
		domain = d
	}
	if m.precedence == "list" {
		// List mail is resent by the list server, which is the envelope
		// sender and the signer.
		id := m.listID[strings.LastIndexByte(m.listID, '<')+1:]
		_, domain, _ = strings.Cut(strings.TrimSuffix(id, ">"), ".")
		from = "owner-bounces@" + domain
	}
	to := m.deliveredTo
	if to == "" {
		to = g.me.email
	}
	stamp := internal.Format("Mon, 2 Jan 2006 15:04:05 -0700")
	relay := m.mailer
	if m.precedence == "list" {
		relay = mailerGeneric
	}
	host, ip := relayHost(r, relay, domain)
	mx := "mx" + string(rune('1'+r.IntN(2))) + "." + g.myDomain
	field(b, "Return-Path", "<"+from+">")
	field(b, "Delivered-To", to)
	fmt.Fprintf(b, "Received: from %s\r\n\tby imap.%s with LMTP\r\n\tid %s\r\n\t(envelope-from <%s>)\r\n\tfor <%s>; %s\r\n",
		mx, g.myDomain, randB64(r, 22), from, to, stamp)
	fmt.Fprintf(b, "Received: from %s (%s [%s])\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)\r\n\t key-exchange X25519 server-signature RSA-PSS (2048 bits) server-digest SHA256)\r\n\t(No client certificate requested)\r\n\tby %s (Postfix) with ESMTPS id %s\r\n\tfor <%s>; %s (UTC)\r\n",
		host, host, ip, mx, randAlnum(r, 12), to, stamp)
	if m.mailer == mailerGmail {
		fmt.Fprintf(b, "X-Received: by 2002:a05:6512:%x:b0:%x:%x with SMTP id %s;\r\n        %s\r\n",
			r.IntN(0xffff), r.IntN(0xfff), r.IntN(0xfff), randAlnum(r, 24), stamp)
		field(b, "X-Google-Smtp-Source", "AGHT+IF"+randB64(r, 86))
	}
	sel := "selector1"
	switch m.mailer {
	case mailerGmail:
		sel = "20230601"
	case mailerFastmail:
		sel = "fm3"
	case mailerService:
		sel = "s" + fmt.Sprint(2019+r.IntN(6))
	}
	sig := randB64(r, 344)
	fmt.Fprintf(b, "Authentication-Results: %s;\r\n\tdkim=pass (2048-bit key; unprotected) header.d=%s header.i=@%s header.a=rsa-sha256 header.s=%s header.b=%s;\r\n\tspf=pass (%s: domain of %s designates %s as permitted sender) smtp.mailfrom=%s;\r\n\tdmarc=pass (p=none dis=none) header.from=%s\r\n",
		mx, domain, domain, sel, sig[:8], mx, from, ip, from, domain)
	fmt.Fprintf(b, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n\td=%s; s=%s; t=%d; x=%d;\r\n\th=mime-version:references:in-reply-to:from:date:message-id:subject:to:cc\r\n\t :content-type;\r\n\tbh=%s;\r\n\tb=",
		domain, sel, internal.Unix(), internal.Unix()+7*86400, randB64(r, 44))
	for i := 0; i < len(sig); i += 64 {
		if i > 0 {
			b.WriteString("\r\n\t ")
		}
		b.WriteString(sig[i:min(i+64, len(sig))])
	}
	b.WriteString("\r\n")
}

// relayHost is the last outside hop for a mailer, with an address from
// the documentation ranges.
func relayHost(r *rand.Rand, m mailer, domain string) (string, string) {
	ip := fmt.Sprintf("%s.%d", [3]string{"192.0.2", "198.51.100", "203.0.113"}[r.IntN(3)], 1+r.IntN(254))
	switch m {
	case mailerGmail:
		return fmt.Sprintf("mail-sor-f%d.google.com", 40+r.IntN(60)), ip
	case mailerOutlook:
		return fmt.Sprintf("EUR%02d-AM%d-obe.outbound.protection.outlook.com", 1+r.IntN(5), 5+r.IntN(3)), ip
	case mailerApple:
		return fmt.Sprintf("st43p00im-ztdg%05d.me.com", r.IntN(100000)), ip
	case mailerFastmail:
		return fmt.Sprintf("fout-a%d-smtp.messagingengine.com", 1+r.IntN(8)), ip
	case mailerService:
		return fmt.Sprintf("a%d-%d.smtp-out.amazonses.com", 8+r.IntN(40), r.IntN(300)), ip
	}
	return "mail." + domain, ip
}

// messageID makes a Message-ID in the style of the mailer that wrote it.
func messageID(r *rand.Rand, m mailer, domain string, t time.Time) string {
	switch m {
	case mailerGmail:
		return "CA" + randFrom(r, 54, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+_-=") + "@mail.gmail.com"
	case mailerOutlook:
		p := fmt.Sprintf("AM%dPR%02dMB%04d", 5+r.IntN(5), r.IntN(10), r.IntN(10000))
		return p + randFrom(r, 28, "0123456789ABCDEF") + "@" + p + ".eurprd0" + fmt.Sprint(r.IntN(9)+1) + ".prod.outlook.com"
	case mailerApple:
		return strings.ToUpper(uuid(r)) + "@" + domain
	case mailerFastmail:
		return uuid(r) + "@app.fastmail.com"
	case mailerThunderbird:
		return uuid(r) + "@" + domain
	case mailerService:
		return fmt.Sprintf("0100%011x-%s-000000@email.amazonses.com", t.UnixMilli(), uuid(r))
	}
	return fmt.Sprintf("%s.%d.%s@mail.%s", t.UTC().Format("20060102150405"), r.IntN(100000), randAlnum(r, 8), domain)
}

func uuid(r *rand.Rand) string {
	h := randFrom(r, 32, "0123456789abcdef")
	return h[:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + "89ab"[r.IntN(4):][:1] + h[17:20] + "-" + h[20:]
}

const b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// randB64 returns n base64 characters, the last two of a 344-long one
// being "==" like a real 2048-bit signature.
func randB64(r *rand.Rand, n int) string {
	if n == 44 || n == 344 {
		buf := make([]byte, (n/4)*3-1)
		for i := range buf {
			buf[i] = byte(r.Uint32())
		}
		return base64.StdEncoding.EncodeToString(buf)
	}
	return randFrom(r, n, b64chars)
}

func randAlnum(r *rand.Rand, n int) string {
	return randFrom(r, n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
}

func randFrom(r *rand.Rand, n int, chars string) string {
	buf := make([]byte, n)
	var x uint64
	for i := range buf {
		if i%8 == 0 {
			x = r.Uint64()
		}
		buf[i] = chars[int(x&0xff)%len(chars)]
		x >>= 8
	}
	return string(buf)
}

// field writes one unstructured header field.
func field(b *bytes.Buffer, name, value string) {
	b.WriteString(name)
	b.WriteString(":")
	if value != "" {
		b.WriteString(" ")
		b.WriteString(value)
	}
	b.WriteString("\r\n")
}

// list writes a header field of items separated by spaces (or commas),
// folded before an item that would take a line past 78 characters.
func list(b *bytes.Buffer, name string, items []string, comma bool) {
	b.WriteString(name)
	b.WriteString(":")
	col := len(name) + 1
	for i, it := range items {
		if i > 0 && comma {
			b.WriteByte(',')
			col++
		}
		if i > 0 && col+1+len(it) > 78 {
			b.WriteString("\r\n")
			col = 0
		}
		b.WriteByte(' ')
		b.WriteString(it)
		col += 1 + len(it)
	}
	b.WriteString("\r\n")
}

func addrList(b *bytes.Buffer, name string, as []addr) {
	if len(as) == 0 {
		return
	}
	items := make([]string, len(as))
	for i, a := range as {
		items[i] = formatAddr(a)
	}
	list(b, name, items, true)
}

// formatAddr writes a mailbox as a careful mailer would: non-ASCII names
// as RFC 2047 words, names with specials quoted.
func formatAddr(a addr) string {
	if a.raw != "" {
		return a.raw
	}
	if a.name == "" {
		return a.email
	}
	return phrase(a.name) + " <" + a.email + ">"
}

const specials = `()<>[]:;@\,."`

var quoter = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

func phrase(name string) string {
	if !isASCII(name) {
		if strings.ContainsAny(name, specials+"'") {
			return mime.BEncoding.Encode("UTF-8", name)
		}
		return mime.QEncoding.Encode("UTF-8", name)
	}
	if strings.ContainsAny(name, specials) {
		return `"` + quoter.Replace(name) + `"`
	}
	return name
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// encodeBody returns the body with CRLF line endings, quoted-printable
// when it is not plain ASCII, and the Content-Transfer-Encoding to say so.
func encodeBody(body string) ([]byte, string) {
	body = strings.TrimRight(body, "\n") + "\n"
	if isASCII(body) {
		return []byte(strings.ReplaceAll(body, "\n", "\r\n")), "7bit"
	}
	var qp bytes.Buffer
	w := quotedprintable.NewWriter(&qp)
	_, _ = w.Write([]byte(body))
	_ = w.Close()
	// The writer emits CRLF for line breaks it was given as LF.
	return qp.Bytes(), "quoted-printable"
}
