package e2e

// The evaluator of TestRealMailJudgement: an independent reading of a real
// mailbox's raw messages that says who the user really corresponds with,
// which of those ties have gone quiet, and whether a suggestion is one the
// issue allows. It knows nothing of rekindle's model (it imports none of
// relationship, digest, store or imapsync), so it can disagree with it.
//
// The rules, all computed from the raw mail:
//
//   - Copies of one message (same Message-ID) are one message, the union of
//     their senders and recipients; it is list mail only when every copy
//     carries List-Id, List-Unsubscribe or Precedence: list|bulk|junk.
//   - A personal message has at most 15 recipients (To and Cc).
//   - The user is the manifest's addresses (a +tag is dropped). A list
//     address is one named by a List-Id (<r-help.example.org> is
//     r-help@example.org) or addressed in To by a list copy not written by
//     the user. A robot is noreply, mailer-daemon, postmaster and the like,
//     and a list's -bounces, -request and -owner addresses.
//   - The user wrote to X on a personal message from the user with X in To
//     or Cc; X wrote to the user on a personal message from X with the user
//     in To or Cc that is not list mail. Days are UTC dates.
//   - A valid pick as of D (only mail dated up to D counts): not the user, a
//     list or a robot; at least one personal message each way; no personal
//     message in the 14 days before D; the pick's last contact not after D.
//   - A strong tie gone quiet as of D: at least 4 exchange days (days with a
//     personal message either way, of a person who both wrote to and heard
//     from the user), silent for at least twice the median gap between
//     those days and for at least 14 days.
//
// A pick that names a person by several addresses is judged on the union
// of their mail.

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	evalMaxRecipients = 15
	evalQuietDays     = 14
	evalStrongDays    = 4
)

// evalMessage is one message: the union of its copies.
type evalMessage struct {
	id       string
	date     time.Time
	from     []string // lower case
	rcpt     []string // To and Cc, lower case, each once
	listOnly bool
	copies   int
}

// evaluator is an independent reading of one mailbox.
type evaluator struct {
	me    map[string]bool
	lists map[string]bool
	names map[string]string // a display name of each address seen
	msgs  []*evalMessage    // by date
	// userDates are the dates of every message from the user, sorted;
	// directDates those of the personal ones to at least one person.
	userDates, directDates []time.Time
	// sent and recv are, for each address, the times of the personal
	// messages from the user to it and from it to the user, sorted.
	sent, recv map[string][]time.Time
	// skipped counts copies that could not be read (no usable Date);
	// unparsed the address lines net/mail refused.
	skipped, unparsed int
}

var (
	evalWords = &mime.WordDecoder{CharsetReader: func(_ string, r io.Reader) (io.Reader, error) {
		return r, nil // an unknown charset: keep the bytes (names are for reports only)
	}}
	evalAddrParser = &mail.AddressParser{WordDecoder: evalWords}
	evalAddrRE     = regexp.MustCompile(`[^\s<>,;:"()\[\]]+@[^\s<>,;:"()\[\]]+`)
	evalAngleRE    = regexp.MustCompile(`((?:"(?:[^"\\]|\\.)*"|[^,"<>])*)<([^<>@\s]+@[^<>\s]+)>`)
	evalQuotedRE   = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
)

// newEvaluator reads raw messages (RFC 5322, in any order) of a mailbox
// whose user has the addresses me.
func newEvaluator(me []string, raws [][]byte) *evaluator {
	e := &evaluator{
		me: map[string]bool{}, lists: map[string]bool{}, names: map[string]string{},
		sent: map[string][]time.Time{}, recv: map[string][]time.Time{},
	}
	for _, a := range me {
		e.me[evalNorm(a)] = true
	}
	byID := map[string]*evalMessage{}
	var listTo []string // To addresses of list copies not from the user
	for i, raw := range raws {
		m, err := mail.ReadMessage(bytes.NewReader(raw))
		if err != nil {
			e.skipped++
			continue
		}
		h := m.Header
		date, err := mail.ParseDate(strings.TrimSpace(h.Get("Date")))
		if err != nil {
			e.skipped++
			continue
		}
		from := e.addresses(h["From"])
		to := e.addresses(h["To"])
		cc := e.addresses(h["Cc"])
		prec := strings.ToLower(strings.TrimSpace(h.Get("Precedence")))
		isList := h.Get("List-Id") != "" || h.Get("List-Unsubscribe") != "" ||
			prec == "list" || prec == "bulk" || prec == "junk"
		if isList {
			for _, v := range h["List-Id"] {
				if a := listIDAddress(v); a != "" {
					e.lists[a] = true
				}
			}
			if !slices.ContainsFunc(from, e.isMe) {
				listTo = append(listTo, to...)
			}
		}
		id := strings.TrimSpace(h.Get("Message-Id"))
		if id == "" {
			id = fmt.Sprintf("#%d", i) // no Message-ID: a message of its own
		}
		msg := byID[id]
		if msg == nil {
			msg = &evalMessage{id: id, date: date.UTC(), listOnly: true}
			byID[id] = msg
			e.msgs = append(e.msgs, msg)
		}
		msg.copies++
		if date.Before(msg.date) {
			msg.date = date.UTC()
		}
		msg.listOnly = msg.listOnly && isList
		msg.from = evalUnion(msg.from, from)
		msg.rcpt = evalUnion(msg.rcpt, to, cc)
	}
	for _, a := range listTo {
		if !e.isMe(a) {
			e.lists[a] = true
		}
	}
	sort.SliceStable(e.msgs, func(i, j int) bool { return e.msgs[i].date.Before(e.msgs[j].date) })
	for _, m := range e.msgs {
		fromMe := slices.ContainsFunc(m.from, e.isMe)
		if fromMe {
			e.userDates = append(e.userDates, m.date)
		}
		if len(m.rcpt) > evalMaxRecipients {
			continue
		}
		switch {
		case fromMe:
			direct := false
			for _, r := range m.rcpt {
				if !e.isMe(r) {
					e.sent[r] = append(e.sent[r], m.date)
				}
				direct = direct || e.kind(r) == ""
			}
			if direct {
				e.directDates = append(e.directDates, m.date)
			}
		case !m.listOnly && slices.ContainsFunc(m.rcpt, e.isMe):
			for _, f := range m.from {
				e.recv[f] = append(e.recv[f], m.date)
			}
		}
	}
	return e
}

// addresses parses address header lines, leniently: a list that does not
// parse is read address by address, and an address that does not either
// is found by its shape. Display names are remembered for reports.
func (e *evaluator) addresses(lines []string) []string {
	var out []string
	add := func(name, addr string) {
		addr = evalNorm(addr)
		if addr == "" {
			return
		}
		out = append(out, addr)
		if name != "" && e.names[addr] == "" {
			e.names[addr] = name
		}
	}
	for _, line := range lines {
		if list, err := evalAddrParser.ParseList(line); err == nil {
			for _, a := range list {
				add(a.Name, a.Address)
			}
			continue
		}
		e.unparsed++
		// Real archives hold addresses net/mail refuses (a local part
		// with "..", an '@' in an unquoted name): take each <address>,
		// with the name before it; without any, whatever has the shape
		// of an address outside quotes.
		if ms := evalAngleRE.FindAllStringSubmatch(line, -1); len(ms) > 0 {
			for _, m := range ms {
				name := strings.TrimSpace(m[1])
				if n, err := strconv.Unquote(name); err == nil {
					name = n
				}
				if n, err := evalWords.DecodeHeader(name); err == nil {
					name = n
				}
				add(name, m[2])
			}
			continue
		}
		for _, a := range evalAddrRE.FindAllString(evalQuotedRE.ReplaceAllString(line, ""), -1) {
			add("", a)
		}
	}
	return out
}

// listIDAddress is the address a List-Id names: "R help
// <r-help.r-project.example>" is r-help@r-project.example.
func listIDAddress(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		v = v[i+1:]
		if j := strings.IndexByte(v, '>'); j >= 0 {
			v = v[:j]
		}
	}
	label, domain, ok := strings.Cut(strings.TrimSpace(v), ".")
	if !ok || label == "" || domain == "" {
		return ""
	}
	return strings.ToLower(label + "@" + domain)
}

func evalNorm(a string) string {
	return strings.ToLower(strings.Trim(strings.TrimSpace(a), "<>"))
}

func evalUnion(dst []string, srcs ...[]string) []string {
	for _, src := range srcs {
		for _, a := range src {
			if !slices.Contains(dst, a) {
				dst = append(dst, a)
			}
		}
	}
	return dst
}

// isMe says whether a is one of the user's addresses, a +tag dropped.
func (e *evaluator) isMe(a string) bool {
	a = evalNorm(a)
	if e.me[a] {
		return true
	}
	local, domain, ok := strings.Cut(a, "@")
	if base, _, tagged := strings.Cut(local, "+"); ok && tagged {
		return e.me[base+"@"+domain]
	}
	return false
}

// isRobot says whether a is an address no person reads: noreply and the
// like, and a mailing list's administrative addresses.
func isRobot(a string) bool {
	local, _, _ := strings.Cut(evalNorm(a), "@")
	switch local {
	case "noreply", "no-reply", "no_reply", "donotreply", "do-not-reply", "do_not_reply",
		"mailer-daemon", "mailerdaemon", "postmaster", "bounce", "bounces", "daemon",
		"listserv", "majordomo", "notification", "notifications":
		return true
	}
	return strings.Contains(local, "-bounces") || strings.HasSuffix(local, "-request") ||
		strings.HasSuffix(local, "-owner") || strings.HasPrefix(local, "owner-") ||
		strings.HasPrefix(local, "noreply") || strings.HasPrefix(local, "no-reply") ||
		strings.HasPrefix(local, "bounce-") || strings.HasPrefix(local, "bounces+")
}

// kind says why an address is not a person: "the user", "a list", "a
// robot"; "" for a person.
func (e *evaluator) kind(a string) string {
	switch a = evalNorm(a); {
	case e.isMe(a):
		return "the user"
	case e.lists[a]:
		return "a list"
	case isRobot(a):
		return "a robot"
	}
	return ""
}

// name is a display name for an address, or the address.
func (e *evaluator) name(a string) string {
	if n := e.names[a]; n != "" {
		return n
	}
	return a
}

// evalDay is a time's UTC date as a day number.
func evalDay(t time.Time) int64 {
	s := t.Unix()
	if s < 0 && s%86400 != 0 {
		return s/86400 - 1
	}
	return s / 86400
}

func evalDate(day int64) string {
	return time.Unix(day*86400, 0).UTC().Format("2006-01-02")
}

// tieHist is a person's personal mail with the user up to some moment.
type tieHist struct {
	addrs      []string
	asOf       time.Time
	sent, recv []time.Time // personal messages from the user, to the user
	days       []int64     // UTC dates with a personal message either way
}

// hist gathers the personal mail of the addresses up to asOf.
func (e *evaluator) hist(addrs []string, asOf time.Time) tieHist {
	h := tieHist{addrs: addrs, asOf: asOf}
	upTo := func(ts []time.Time) []time.Time {
		n := sort.Search(len(ts), func(i int) bool { return ts[i].After(asOf) })
		return ts[:n]
	}
	seen := map[string]bool{}
	for _, a := range addrs {
		a = evalNorm(a)
		if seen[a] {
			continue
		}
		seen[a] = true
		h.sent = append(h.sent, upTo(e.sent[a])...)
		h.recv = append(h.recv, upTo(e.recv[a])...)
	}
	sortTimes := func(ts []time.Time) { sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) }) }
	sortTimes(h.sent)
	sortTimes(h.recv)
	for _, ts := range [][]time.Time{h.sent, h.recv} {
		for _, t := range ts {
			h.days = append(h.days, evalDay(t))
		}
	}
	slices.Sort(h.days)
	h.days = slices.Compact(h.days)
	return h
}

// twoWay: at least one personal message each way.
func (h tieHist) twoWay() bool { return len(h.sent) > 0 && len(h.recv) > 0 }

// exchangeDays counts the days of personal exchange of a two-way tie (0
// for a one-way one).
func (h tieHist) exchangeDays() int {
	if !h.twoWay() {
		return 0
	}
	return len(h.days)
}

// last is the time of the last personal message either way (zero if none).
func (h tieHist) last() time.Time {
	var l time.Time
	if n := len(h.sent); n > 0 {
		l = h.sent[n-1]
	}
	if n := len(h.recv); n > 0 && h.recv[n-1].After(l) {
		l = h.recv[n-1]
	}
	return l
}

// medianGap is the median of the gaps in days between consecutive exchange
// days (0 with fewer than two days).
func (h tieHist) medianGap() float64 {
	if len(h.days) < 2 {
		return 0
	}
	gaps := make([]int64, 0, len(h.days)-1)
	for i := 1; i < len(h.days); i++ {
		gaps = append(gaps, h.days[i]-h.days[i-1])
	}
	slices.Sort(gaps)
	n := len(gaps)
	if n%2 == 1 {
		return float64(gaps[n/2])
	}
	return float64(gaps[n/2-1]+gaps[n/2]) / 2
}

// silentDays is the number of UTC dates from the last exchange day to asOf.
func (h tieHist) silentDays() int64 {
	if len(h.days) == 0 {
		return 0
	}
	return evalDay(h.asOf) - h.days[len(h.days)-1]
}

// strongQuiet says whether the tie is strong and gone quiet as of asOf,
// and why (or why not).
func (h tieHist) strongQuiet() (bool, string) {
	n := h.exchangeDays()
	if !h.twoWay() {
		return false, fmt.Sprintf("not two-way (%d sent, %d received)", len(h.sent), len(h.recv))
	}
	if n < evalStrongDays {
		return false, fmt.Sprintf("%d exchange days < %d", n, evalStrongDays)
	}
	med, silent := h.medianGap(), h.silentDays()
	need := max(2*med, evalQuietDays)
	if float64(silent) < need {
		return false, fmt.Sprintf("%d exchange days, median gap %.1fd, silent %dd < %.1fd (last %s)",
			n, med, silent, need, evalDate(h.days[len(h.days)-1]))
	}
	return true, fmt.Sprintf("%d exchange days, median gap %.1fd, silent %dd ≥ %.1fd", n, med, silent, need)
}

// evalPick is one suggested person as rekindle's JSON names them: replay
// mornings carry addresses and last_contact, digest previews email and
// last_date.
type evalPick struct {
	Key          string    `json:"key"`
	Name         string    `json:"name"`
	Email        string    `json:"email"`
	Addresses    []string  `json:"addresses"`
	Status       string    `json:"status"`
	ExchangeDays int       `json:"exchange_days"`
	LastContact  time.Time `json:"last_contact"`
	LastDate     time.Time `json:"last_date"`
	TwoWay       *bool     `json:"two_way"`
}

// addrs are the pick's addresses: addresses, else email, else key.
func (p *evalPick) addrs() []string {
	if len(p.Addresses) > 0 {
		return p.Addresses
	}
	if p.Email != "" {
		return []string{p.Email}
	}
	return []string{p.Key}
}

// last is the last contact the pick claims.
func (p *evalPick) last() time.Time {
	if !p.LastContact.IsZero() {
		return p.LastContact
	}
	return p.LastDate
}

func (p *evalPick) String() string {
	return fmt.Sprintf("%s <%s>", orDashEval(p.Name), strings.Join(p.addrs(), ", "))
}

func orDashEval(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// checkPick returns the rules a pick as of asOf breaks, each with its
// evidence; none for a valid pick.
func (e *evaluator) checkPick(p *evalPick, asOf time.Time) []string {
	var broken []string
	for _, a := range p.addrs() {
		if k := e.kind(a); k != "" {
			broken = append(broken, fmt.Sprintf("not a person: %s is %s", a, k))
		}
	}
	h := e.hist(p.addrs(), asOf)
	if !h.twoWay() {
		broken = append(broken, fmt.Sprintf("never wrote each other directly before %s: %d personal messages from the user, %d to the user",
			asOf.Format("2006-01-02"), len(h.sent), len(h.recv)))
	}
	if l := h.last(); !l.IsZero() && asOf.Sub(l) < evalQuietDays*24*time.Hour {
		broken = append(broken, fmt.Sprintf("personal exchange within %d days: last personal message %s, %.1f days before %s",
			evalQuietDays, l.Format(time.RFC3339), asOf.Sub(l).Hours()/24, asOf.Format(time.RFC3339)))
	}
	if l := p.last(); l.After(asOf) {
		broken = append(broken, fmt.Sprintf("uses mail after the date: last contact %s is after %s", l.Format(time.RFC3339), asOf.Format(time.RFC3339)))
	}
	return broken
}

// evalTie is one address's tie with the user as of some moment.
type evalTie struct {
	addr string
	hist tieHist
}

// strongQuietTies are the addresses whose ties are strong and gone quiet
// as of asOf and that stay silent (no personal message either way) until
// silentUntil, strongest (most exchange days) first.
func (e *evaluator) strongQuietTies(asOf, silentUntil time.Time) []evalTie {
	var out []evalTie
	for a := range e.sent {
		if len(e.recv[a]) == 0 || e.kind(a) != "" {
			continue
		}
		h := e.hist([]string{a}, asOf)
		if ok, _ := h.strongQuiet(); !ok {
			continue
		}
		if later := e.hist([]string{a}, silentUntil); len(later.sent) != len(h.sent) || len(later.recv) != len(h.recv) {
			continue
		}
		out = append(out, evalTie{addr: a, hist: h})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if x, y := a.hist.exchangeDays(), b.hist.exchangeDays(); x != y {
			return x > y
		}
		if x, y := a.hist.last(), b.hist.last(); !x.Equal(y) {
			return x.After(y)
		}
		return a.addr < b.addr
	})
	return out
}

// spreadDates are the dates (at hh:00 UTC) at the given fractions of the
// time from the user's first personal message to a person to the last,
// each once: spread over the years in which the user corresponded, not
// merely posted to lists.
func (e *evaluator) spreadDates(fracs []float64, hour int) []time.Time {
	var out []time.Time
	n := len(e.directDates)
	if n == 0 {
		return nil
	}
	first, last := e.directDates[0], e.directDates[n-1]
	for _, f := range fracs {
		d := first.Add(time.Duration(f * float64(last.Sub(first)))).UTC()
		t := time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, time.UTC)
		if !slices.ContainsFunc(out, t.Equal) {
			out = append(out, t)
		}
	}
	return out
}

// ---- tests of the evaluator itself ----

// evalRaw builds one raw message (CRLF) from header lines.
func evalRaw(headers ...string) []byte {
	return []byte(strings.Join(headers, "\r\n") + "\r\n\r\nbody\r\n")
}

const (
	evalMe   = "me@home.example"
	evalList = "Cc: r-help@lists.example"
)

func evalListHeaders() []string {
	return []string{"List-Id: R help <r-help.lists.example>", "List-Unsubscribe: <mailto:r-help-request@lists.example>",
		"Precedence: list", "Sender: r-help-bounces@lists.example"}
}

func evalDateHdr(t time.Time) string { return "Date: " + t.Format(time.RFC1123Z) }

var evalT0 = time.Date(2020, 1, 1, 12, 0, 0, 0, time.UTC)

func evalAt(days int) time.Time { return evalT0.AddDate(0, 0, days) }

// fromMe is a personal message from the user to addr on day d.
func evalFromMe(id string, addr string, d int) []byte {
	return evalRaw(evalDateHdr(evalAt(d)), "From: Me <"+evalMe+">", "To: "+addr, evalList, "Message-ID: <"+id+">")
}

// toMe is a direct reply from addr to the user on day d (the INBOX copy).
func evalToMe(id string, addr string, d int) []byte {
	return evalRaw(evalDateHdr(evalAt(d)), "From: "+addr, "To: Me <"+evalMe+">", evalList, "Message-ID: <"+id+">")
}

// listCopy is the list's copy of the same reply.
func evalListCopy(id string, addr string, d int) []byte {
	return evalRaw(append([]string{evalDateHdr(evalAt(d)), "From: " + addr, "To: Me <" + evalMe + ">", evalList, "Message-ID: <" + id + ">"},
		evalListHeaders()...)...)
}

func TestEvaluatorDedupAndListOnly(t *testing.T) {
	bob := "Bob <bob@x.example>"
	raws := [][]byte{
		evalFromMe("m1", bob, 0),
		// A reply to the user in both INBOX and the list, same Message-ID:
		// one message, not list mail.
		evalToMe("r1", bob, 1),
		evalListCopy("r1", bob, 1),
		// A reply to the user that arrived only through the list: list mail.
		evalListCopy("r2", "Carol <carol@x.example>", 2),
		// A list post (To the list).
		evalRaw(append([]string{evalDateHdr(evalAt(3)), "From: =?utf-8?q?D=C3=A9sir=C3=A9e?= <desiree@x.example>",
			"To: r-help@lists.example", "Message-ID: <p1>"}, evalListHeaders()...)...),
		// Precedence: bulk alone marks a copy as list mail.
		evalRaw(evalDateHdr(evalAt(4)), "From: news@x.example", "To: "+evalMe, "Precedence: bulk", "Message-ID: <b1>"),
		evalFromMe("m2", "carol@x.example", 5),
		evalFromMe("m3", "news@x.example", 5),
	}
	e := newEvaluator([]string{evalMe}, raws)
	if len(e.msgs) != 7 {
		t.Fatalf("%d messages after dedup, want 7", len(e.msgs))
	}
	for _, m := range e.msgs {
		if m.id == "<r1>" && (m.copies != 2 || m.listOnly) {
			t.Errorf("r1: %d copies, list only %v; want 2 copies, not list only", m.copies, m.listOnly)
		}
		if m.id == "<r2>" && !m.listOnly {
			t.Errorf("r2 arrived only through the list but is not list mail")
		}
		if m.id == "<b1>" && !m.listOnly {
			t.Errorf("b1 (Precedence: bulk) is not list mail")
		}
	}
	if got := e.recv["bob@x.example"]; len(got) != 1 {
		t.Errorf("bob wrote to the user %d times, want 1 (two copies are one message)", len(got))
	}
	if got := e.recv["carol@x.example"]; len(got) != 0 {
		t.Errorf("carol's list-only reply counted as personal: %v", got)
	}
	if e.hist([]string{"carol@x.example"}, evalAt(10)).twoWay() {
		t.Error("carol is two-way; her only reply came through the list")
	}
	if !e.hist([]string{"bob@x.example"}, evalAt(10)).twoWay() {
		t.Error("bob is not two-way")
	}
	if e.hist([]string{"news@x.example"}, evalAt(10)).twoWay() {
		t.Error("news is two-way; its mail to the user is bulk")
	}
	if k := e.kind("r-help@lists.example"); k != "a list" {
		t.Errorf("r-help@lists.example is %q, want a list", k)
	}
	if k := e.kind("r-help-bounces@lists.example"); k != "a robot" {
		t.Errorf("r-help-bounces@lists.example is %q, want a robot", k)
	}
	if k := e.kind("ME+tag@home.example"); k != "the user" {
		t.Errorf("ME+tag@home.example is %q, want the user", k)
	}
	if k := e.kind("bob@x.example"); k != "" {
		t.Errorf("bob is %q, want a person", k)
	}
	// An address net/mail refuses (".." in the local part) with '@'s in
	// its quoted name, beside one it takes.
	got := e.addresses([]string{`"steph@@ie@wi m@iii@g" <steph.ie..wi.b49079@x.example>, "Doe, Jane" <jane@x.example>`})
	if !slices.Equal(got, []string{"steph.ie..wi.b49079@x.example", "jane@x.example"}) {
		t.Errorf("lenient addresses = %q", got)
	}
	if n := e.name("steph.ie..wi.b49079@x.example"); n != "steph@@ie@wi m@iii@g" {
		t.Errorf("name %q, want the quoted one", n)
	}
	if got := e.addresses([]string{`undisclosed: bob@x..example;`}); !slices.Equal(got, []string{"bob@x..example"}) {
		t.Errorf("lenient bare address = %q", got)
	}
	if n := e.name("desiree@x.example"); n != "Désirée" {
		t.Errorf("name %q, want the decoded Désirée", n)
	}
	if len(e.userDates) != 3 {
		t.Errorf("%d messages from the user, want 3", len(e.userDates))
	}
}

func TestEvaluatorPersonalAndListAddresses(t *testing.T) {
	var many []string
	for i := range 16 {
		many = append(many, fmt.Sprintf("p%d@x.example", i))
	}
	raws := [][]byte{
		// 16 recipients: not personal.
		evalRaw(evalDateHdr(evalAt(0)), "From: "+evalMe, "To: "+strings.Join(many, ", "), "Message-ID: <big>"),
		evalRaw(evalDateHdr(evalAt(1)), "From: p0@x.example", "To: "+evalMe, "Message-ID: <r0>"),
		// 15 recipients: personal.
		evalRaw(evalDateHdr(evalAt(2)), "From: "+evalMe, "To: "+strings.Join(many[1:], ", "), "Message-ID: <ok>"),
		evalRaw(evalDateHdr(evalAt(3)), "From: p1@x.example", "To: "+evalMe, "Message-ID: <r1>"),
		// A list copy To an address no List-Id names: that address is a list.
		evalRaw(evalDateHdr(evalAt(4)), "From: p2@x.example", "To: announce@lists.example", "Precedence: list", "Message-ID: <a1>"),
		// The list copy of a reply to the user keeps To: the user, who is no list.
		evalListCopy("r2", "p2@x.example", 5),
	}
	e := newEvaluator([]string{evalMe}, raws)
	if e.hist([]string{"p0@x.example"}, evalAt(10)).twoWay() {
		t.Error("p0 is two-way through a message to 16 people")
	}
	if !e.hist([]string{"p1@x.example"}, evalAt(10)).twoWay() {
		t.Error("p1 is not two-way; the user's message had 15 recipients")
	}
	// The user's post to the list is no message to a person; quantile
	// dates come from the messages to people only.
	e = newEvaluator([]string{evalMe}, append(raws,
		evalRaw(evalDateHdr(evalAt(9)), "From: "+evalMe, "To: r-help@lists.example", "Message-ID: <post>")))
	if len(e.userDates) != 3 || len(e.directDates) != 1 {
		t.Errorf("%d messages from the user, %d personal to people; want 3, 1", len(e.userDates), len(e.directDates))
	}
	if q := e.spreadDates([]float64{0, 0.5, 1}, 7); len(q) != 1 || !q[0].Equal(time.Date(2020, 1, 3, 7, 0, 0, 0, time.UTC)) {
		t.Errorf("spread dates %v, want only 2020-01-03 07:00 UTC", q)
	}
	e2 := newEvaluator([]string{evalMe}, [][]byte{evalFromMe("a", "bob@x.example", 0), evalFromMe("b", "bob@x.example", 100)})
	if q := e2.spreadDates([]float64{0.25, 0.5, 1}, 7); len(q) != 3 || q[0].Format(time.RFC3339) != "2020-01-26T07:00:00Z" ||
		q[1].Format(time.RFC3339) != "2020-02-20T07:00:00Z" || q[2].Format(time.RFC3339) != "2020-04-10T07:00:00Z" {
		t.Errorf("spread dates %v, want days 25, 50 and 100 after 2020-01-01, at 07:00 UTC", q)
	}
	if !e.lists["announce@lists.example"] || e.lists[evalMe] {
		t.Errorf("lists %v: want announce@lists.example and not the user", e.lists)
	}
	if got := listIDAddress(`"R help" <r-help.r-project.example>`); got != "r-help@r-project.example" {
		t.Errorf("listIDAddress = %q", got)
	}
	for _, a := range []string{"noreply@x.example", "MAILER-DAEMON@x.example", "r-help-request@x.example", "no-reply-billing@x.example"} {
		if !isRobot(a) {
			t.Errorf("%s is not a robot", a)
		}
	}
	for _, a := range []string{"noreen@x.example", "bob@x.example", "request.team@x.example"} {
		if isRobot(a) {
			t.Errorf("%s is a robot", a)
		}
	}
}

func TestEvaluatorQuietRule(t *testing.T) {
	raws := [][]byte{
		evalFromMe("m1", "bob@x.example", 0),
		evalToMe("r1", "bob@x.example", 1),
		evalToMe("r2", "bob@x.example", 30), // 30 days after t0, 12:00 UTC
		evalToMe("only", "ann@x.example", 2),
	}
	e := newEvaluator([]string{evalMe}, raws)
	bob := &evalPick{Name: "Bob", Email: "bob@x.example"}
	// 13.8 days after the last personal message: too recent.
	d := evalAt(30).Add(13*24*time.Hour + 19*time.Hour)
	if b := e.checkPick(bob, d); len(b) != 1 || !strings.Contains(b[0], "within 14 days") {
		t.Errorf("as of %s: broken %q, want the 14-day rule", d, b)
	}
	d = evalAt(44).Add(19 * time.Hour) // 14.8 days after
	if b := e.checkPick(bob, d); len(b) != 0 {
		t.Errorf("as of %s: broken %q, want valid", d, b)
	}
	// As of a date before the last message, that message does not count:
	// 5 days after day 1 is too recent, 20 days after is fine.
	if b := e.checkPick(bob, evalAt(6)); len(b) != 1 {
		t.Errorf("as of day 6: broken %q, want the 14-day rule only", b)
	}
	if b := e.checkPick(bob, evalAt(21)); len(b) != 0 {
		t.Errorf("as of day 21 (the day-30 reply not yet written): broken %q, want valid", b)
	}
	// A pick claiming a contact after the date used later mail.
	late := &evalPick{Name: "Bob", Email: "bob@x.example", LastDate: evalAt(30)}
	if b := e.checkPick(late, evalAt(21)); len(b) != 1 || !strings.Contains(b[0], "after the date") {
		t.Errorf("late pick: broken %q, want the after-the-date rule", b)
	}
	// One-way: never valid.
	if b := e.checkPick(&evalPick{Email: "ann@x.example"}, evalAt(60)); len(b) != 1 || !strings.Contains(b[0], "never wrote each other") {
		t.Errorf("ann: broken %q, want the two-way rule", b)
	}
	// A robot or the user is never a valid pick.
	if b := e.checkPick(&evalPick{Addresses: []string{"bob@x.example", evalMe}}, evalAt(60)); len(b) != 1 || !strings.Contains(b[0], "is the user") {
		t.Errorf("bob+me: broken %q, want not a person", b)
	}
}

func TestEvaluatorMedianGapRule(t *testing.T) {
	// Exchange days 0, 10, 20, 40 (gaps 10, 10, 20: median 10) with carl,
	// days 0, 1, 2, 3 (median 1) with dora; eve has 3 days only.
	raws := [][]byte{
		evalFromMe("c0", "carl@x.example", 0), evalToMe("c1", "carl@x.example", 10),
		evalFromMe("c2", "carl@x.example", 20), evalToMe("c3", "carl@x.example", 40),
		evalToMe("c3b", "carl@x.example", 40), // a second message the same day: one day
		evalFromMe("d0", "dora@x.example", 0), evalToMe("d1", "dora@x.example", 1),
		evalFromMe("d2", "dora@x.example", 2), evalToMe("d3", "dora@x.example", 3),
		evalFromMe("e0", "eve@x.example", 0), evalToMe("e1", "eve@x.example", 1),
		evalFromMe("e2", "eve@x.example", 2),
	}
	e := newEvaluator([]string{evalMe}, raws)
	carl := e.hist([]string{"carl@x.example"}, evalAt(59))
	if carl.exchangeDays() != 4 || carl.medianGap() != 10 {
		t.Fatalf("carl: %d days, median %.1f; want 4, 10", carl.exchangeDays(), carl.medianGap())
	}
	if ok, why := carl.strongQuiet(); ok {
		t.Errorf("carl strong and quiet after 19 days (< 2x10): %s", why)
	}
	if ok, why := e.hist([]string{"carl@x.example"}, evalAt(60)).strongQuiet(); !ok {
		t.Errorf("carl not strong and quiet after 20 days (2x10): %s", why)
	}
	if ok, why := e.hist([]string{"dora@x.example"}, evalAt(16)).strongQuiet(); ok {
		t.Errorf("dora strong and quiet after 13 days (< 14): %s", why)
	}
	if ok, why := e.hist([]string{"dora@x.example"}, evalAt(17)).strongQuiet(); !ok {
		t.Errorf("dora not strong and quiet after 14 days: %s", why)
	}
	if ok, why := e.hist([]string{"eve@x.example"}, evalAt(200)).strongQuiet(); ok {
		t.Errorf("eve strong with 3 exchange days: %s", why)
	}
	// Two addresses of one person: judged on the union (eve's 3 days and
	// dora's 4 make 4 distinct days 0-3, median 1).
	if ok, why := e.hist([]string{"eve@x.example", "dora@x.example"}, evalAt(17)).strongQuiet(); !ok {
		t.Errorf("eve+dora not strong and quiet: %s", why)
	}
	// An even number of gaps: days 0, 1, 2, 3, 10, 20, 40 give gaps 1, 1,
	// 1, 7, 10, 20, whose median is (1+7)/2.
	if m := e.hist([]string{"carl@x.example", "dora@x.example"}, evalAt(100)).medianGap(); m != 4 {
		t.Errorf("carl+dora median gap %.1f, want 4", m)
	}
	ties := e.strongQuietTies(evalAt(60), evalAt(90))
	if len(ties) != 2 || ties[0].addr != "carl@x.example" || ties[1].addr != "dora@x.example" {
		var got []string
		for _, x := range ties {
			got = append(got, x.addr)
		}
		t.Errorf("strong quiet ties as of day 60 = %v, want carl then dora (ranked by exchange days, then last contact)", got)
	}
	// Silent until: carl writes again on day 70, so he is no longer a tie
	// that stays silent through day 90.
	e = newEvaluator([]string{evalMe}, append(raws, evalToMe("c4", "carl@x.example", 70)))
	for _, x := range e.strongQuietTies(evalAt(60), evalAt(90)) {
		if x.addr == "carl@x.example" {
			t.Error("carl wrote on day 70 but counts as silent through day 90")
		}
	}
}
