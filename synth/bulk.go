package synth

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// addBulk adds the list, notification, newsletter, spam and hostile
// sources, sized so that the total comes near Options.Messages.
func (g *generator) addBulk() {
	nHostile := 0
	if g.hostile {
		nHostile = max(len(hostileKinds), g.opts.Messages*3/1000)
	}
	rest := max(g.opts.Messages-g.counted-nHostile, 0)
	nLists := max(rest*58/100, 60)
	nNotif := max(rest*26/100, 60)
	nNews := max(rest*14/100, 10)
	nSpam := max(rest*2/100, 6*g.opts.Years)

	switch {
	case g.opts.Messages < 5000:
		g.lists = []mailingList{mailingLists[0], mailingLists[4]}
	case g.opts.Messages < 60000:
		g.lists = []mailingList{mailingLists[0], mailingLists[1], mailingLists[3], mailingLists[4]}
	default:
		g.lists = mailingLists
	}
	weights := 0
	for _, l := range g.lists {
		weights += l.weight
	}
	for i, l := range g.lists {
		n := nLists * l.weight / weights
		if i == 0 {
			n = max(n, 40)
		}
		g.addList(i, l, max(n, 10))
	}
	nGitHub := max(nNotif*35/100, 40)
	g.addSpread(nGitHub, g.github)
	g.addSpread(max(nNotif-nGitHub, 20), g.notification)
	g.addSpread(nNews, g.newsletter)
	g.addSpread(nSpam, g.spam)
	if nHostile > 0 {
		i := 0
		g.addSpread(nHostile, func(r *rand.Rand, t time.Time) []*msg {
			k := hostileKinds[i%len(hostileKinds)]
			i++
			return []*msg{g.hostileMsg(r, t, k)}
		})
	}
}

// github is a notification from GitHub's noreply address.
func (g *generator) github(r *rand.Rand, t time.Time) []*msg {
	subj := pick(r, noreplySubjects)
	if strings.Contains(subj, "%s") {
		subj = fmt.Sprintf(subj, randFrom(r, 7, "0123456789abcdef"))
	} else if strings.Contains(subj, "%d") {
		subj = fmt.Sprintf(subj, 1+r.IntN(30))
	}
	reason := "security_alert"
	if strings.HasPrefix(subj, "[rekindle/") {
		reason = "ci_activity"
	}
	m := &msg{
		folder: FolderInbox, date: t.UTC(), internal: t.Add(deliver(r)), from: []addr{{name: "GitHub", email: "noreply@github.com"}},
		to: []addr{{name: firstName(g.me.name, g.me.email), email: g.me.email}}, subject: subj,
		id:      fmt.Sprintf("rekindle/rekindle/actions/runs/%d/%d@github.com", 9000000000+r.IntN(999999999), r.IntN(1000)),
		autoSub: "auto-generated", inbound: true, mailer: mailerService, persona: KeyNoReply,
		extra: [][2]string{{"X-GitHub-Reason", reason}, {"X-Auto-Response-Suppress", "All"}},
		body:  subj + "\n\nView it on GitHub: https://github.com/rekindle/rekindle\n\n-- \nYou are receiving this because of your account settings.",
	}
	if g.now.Sub(t) > 3*day || chance(r, 0.5) {
		m.flags = []string{`\Seen`}
	}
	if chance(r, 0.1) {
		m.folder = FolderTrash
	}
	return []*msg{m}
}

// notification is an automated message from one of the services.
func (g *generator) notification(r *rand.Rand, t time.Time) []*msg {
	s := pick(r, services)
	subj := pick(r, s.subjects)
	if strings.Contains(subj, "%d") {
		subj = fmt.Sprintf(subj, 2+r.IntN(9000))
	}
	to := addr{email: g.me.email}
	if s.to == "plus" {
		to = g.shop
	}
	m := &msg{
		folder: FolderInbox, date: t.UTC(), internal: t.Add(deliver(r)), from: []addr{{name: s.name, email: s.addr}}, to: []addr{to},
		subject: subj, id: messageID(r, mailerService, s.domain, t), inbound: true, deliveredTo: to.email, mailer: mailerService,
		body: subj + "\n\nThis is an automated message; please do not reply.",
	}
	if s.autoSubmitted {
		m.autoSub = "auto-generated"
	}
	if s.bulk {
		m.precedence = "bulk"
	}
	if s.unsubscribe {
		m.listUnsub = "<https://" + s.domain + "/unsubscribe/" + randAlnum(r, 20) + ">"
	}
	if g.now.Sub(t) > 3*day || chance(r, 0.4) {
		m.flags = []string{`\Seen`}
	}
	if chance(r, 0.05) {
		m.folder = FolderTrash
	}
	return []*msg{m}
}

// newsletter is an issue of one of the other newsletters.
func (g *generator) newsletter(r *rand.Rand, t time.Time) []*msg {
	nl := newsletters[1+r.IntN(len(newsletters)-1)]
	m := &msg{
		folder: FolderInbox, date: t.UTC(), internal: t.Add(deliver(r)), from: []addr{{name: nl.name, email: nl.addr}},
		to: []addr{{email: g.me.email}}, subject: fmt.Sprintf(nl.subject, 10+r.IntN(600)), id: messageID(r, mailerService, nl.domain, t),
		listUnsub:  "<mailto:leave-" + randAlnum(r, 12) + "@" + nl.domain + ">, <https://" + nl.domain + "/unsubscribe>",
		precedence: "bulk", inbound: true, mailer: mailerService,
		body: "Here is this week's issue.\n\nRead in your browser: https://" + nl.domain + "/latest",
	}
	if chance(r, 0.5) {
		m.listID = "<" + strings.ReplaceAll(strings.ToLower(nl.name), " ", "-") + "." + nl.domain + ">"
	}
	if chance(r, 0.5) {
		m.flags = []string{`\Seen`}
	}
	return []*msg{m}
}

// spam lands in Junk.
func (g *generator) spam(r *rand.Rand, t time.Time) []*msg {
	dom := pick(r, companyWords) + "-" + randFrom(r, 5, "abcdefghijklmnopqrstuvwxyz") + ".biz"
	m := &msg{
		folder: FolderJunk, date: t.UTC(), internal: t.Add(deliver(r)), from: []addr{{name: pick(r, []string{"Customer Service", "Prize Dept", "Account Team", ""}), email: "no-reply@" + dom}},
		to: []addr{{email: g.me.email}}, subject: pick(r, spamSubjects), id: messageID(r, mailerGeneric, dom, t), inbound: true,
		mailer: mailerGeneric, body: "Click here to claim: http://" + dom + "/c/" + randAlnum(r, 10),
	}
	return []*msg{m}
}

// listThread is a thread on a mailing list.
type listThread struct {
	subject string
	ids     []string
	jane    bool // started by the user
}

// addList adds the source of one mailing list's traffic.
func (g *generator) addList(idx int, l mailingList, n int) {
	r := g.rng()
	zones := []int{-8, -5, 0, 1, 2, 3, 5, 8, 9}
	listAddr := addr{email: l.addr}
	name := strings.Trim(l.tag, "[] ")
	listID := "<" + l.id + ">"
	if name != "" && !l.groups {
		listID = name + " " + listID
	}
	var unsub, post string
	var extra [][2]string
	if l.groups {
		g0, _, _ := strings.Cut(l.addr, "@")
		unsub = fmt.Sprintf("<mailto:googlegroups-manage+%d+unsubscribe@googlegroups.com>, <https://groups.google.com/d/forum/%s/join>", 100000000000+r.IntN(900000000000), g0)
		post = "<https://groups.google.com/group/" + g0 + "/post>, <mailto:" + l.addr + ">"
		extra = [][2]string{
			{"Mailing-list", "list " + l.addr + "; contact " + g0 + "+owners@googlegroups.com"},
			{"List-Help", "<https://groups.google.com/support/>, <mailto:" + g0 + "+help@googlegroups.com>"},
			{"List-Archive", "<https://groups.google.com/group/" + g0 + "/>"},
		}
	} else {
		local, dom, _ := strings.Cut(l.addr, "@")
		unsub = "<mailto:" + local + "-request@" + dom + "?subject=unsubscribe>, <https://" + dom + "/mailman/options/" + local + ">"
		post = "<mailto:" + l.addr + ">"
		extra = [][2]string{{"List-Archive", "<https://" + dom + "/pipermail/" + local + "/>"}, {"X-Mailman-Version", "2.1.29"}}
	}
	threads := make([]*listThread, 0, 32)
	next := 0
	var dmitriDue time.Time
	var janeThread *listThread
	jane1, jane2 := n/3, 2*n/3
	slot := -1

	post1 := func(r *rand.Rand, t time.Time, from addr, m mailer, tz *time.Location, th *listThread, cc []addr) *msg {
		d := t.In(tz)
		mm := &msg{
			folder: "Lists/" + l.folder, date: d, internal: t.Add(between(r, 5*time.Second, 3*time.Minute)), from: []addr{from}, to: []addr{listAddr}, cc: cc,
			id: messageID(r, m, from.domain(), d), listID: listID, listPost: post, listUnsub: unsub, precedence: "list",
			inbound: true, deliveredTo: g.plus.email, mailer: m, extra: extra,
		}
		if idx == 0 {
			mm.persona = KeyList
		}
		if len(th.ids) == 0 {
			mm.subject = th.subject
		} else {
			mm.subject = replySubject(th.subject, "en")
			mm.inReplyTo = th.ids[len(th.ids)-1]
			mm.refs = trimRefs(th.ids)
		}
		th.ids = append(th.ids, mm.id)
		if len(th.ids) > 30 {
			th.ids = trimRefs(th.ids)
		}
		body := pick(r, answers) + " " + pick(r, middles)
		if len(th.ids) == 1 {
			body = fmt.Sprintf(pick(r, openers), strings.ToLower(th.subject[len(l.tag):])) + " " + pick(r, middles)
		}
		if l.groups {
			body += "\n\n-- \nYou received this message because you are subscribed to the Google Groups \"" + l.folder + "\" group.\n" +
				"To unsubscribe from this group and stop receiving emails from it, send an email to " + strings.Replace(l.addr, "@", "+unsubscribe@", 1) + "."
		} else {
			body += "\n\n_______________________________________________\n" + l.folder + " mailing list\n" + l.addr
		}
		mm.body = "Hi,\n\n" + body
		if g.now.Sub(t) > 2*day || chance(r, 0.7) {
			mm.flags = []string{`\Seen`}
		}
		return mm
	}
	newThread := func(r *rand.Rand) *listThread {
		th := &listThread{subject: l.tag + pick(r, listTopics)}
		if len(threads) < cap(threads) {
			threads = append(threads, th)
		} else {
			threads[next] = th
			next = (next + 1) % len(threads)
		}
		return th
	}
	build := func(r *rand.Rand, t time.Time) []*msg {
		slot++
		if idx == 0 && (slot == jane1 || slot == jane2 || chance(r, 0.003)) {
			// The user posts from her +lists address: her Sent copy, then
			// the list's copy of it.
			th := newThread(r)
			th.jane = true
			janeThread = th
			d := t.In(g.myZone)
			echo := post1(r, t, g.plus, mailerThunderbird, g.myZone, th, nil)
			sent := &msg{folder: FolderSent, flags: []string{`\Seen`}, date: d, internal: d, from: []addr{g.plus}, to: []addr{listAddr},
				subject: echo.subject, id: echo.id, mailer: mailerThunderbird, body: echo.body, persona: KeyList}
			echo.noAllMail, echo.flags = true, []string{`\Seen`}
			dmitriDue = t.Add(between(r, 2*time.Hour, 20*time.Hour))
			return []*msg{sent, echo}
		}
		if idx == 0 && janeThread != nil && !dmitriDue.IsZero() && !t.Before(dmitriDue) {
			// Dmitri answers the user's post and copies her in.
			dmitriDue = time.Time{}
			return []*msg{post1(r, t, dmitri, mailerFastmail, zone(2, 0), janeThread, []addr{g.plus})}
		}
		var th *listThread
		if len(threads) == 0 || chance(r, 0.3) {
			th = newThread(r)
		} else {
			th = threads[len(threads)-1-int(float64(len(threads))*math.Pow(r.Float64(), 2))]
		}
		var from addr
		var m mailer
		tz := zone(pick(r, zones), 0)
		if idx == 0 && chance(r, 0.02) {
			from, m, tz = dmitri, mailerFastmail, zone(2, 0)
		} else {
			from, m = g.member(idx, int(float64(l.members)*math.Pow(r.Float64(), 2.2)))
		}
		var cc []addr
		if th.jane && len(th.ids) > 0 && chance(r, 0.3) {
			cc = []addr{g.plus}
		}
		return []*msg{post1(r, t, from, m, tz, th, cc)}
	}
	g.sources = append(g.sources, &bulkSource{g: g, r: r, times: newSpread(g.start, g.now.Add(-time.Minute), n), build: build})
}

// member is list member i of list idx: the same person every time,
// without keeping the membership in memory.
func (g *generator) member(list, i int) (addr, mailer) {
	r := rand.New(rand.NewPCG(g.opts.Seed^0x6d656d626572, uint64(list)<<32|uint64(i)))
	name := pick(r, firstNames) + " " + pick(r, lastNames)
	domain := pick(r, personalDomains)
	if chance(r, 0.4) {
		domain = pick(r, companyWords) + pick(r, companySuffixes) + pick(r, companyTLDs)
	}
	return addr{name: name, email: emailLocal(name, r) + "@" + domain}, mailerFor(r, domain)
}

// hostileMsg is one-off mail from a stranger with one kind of hostile
// header; see the Hostile* constants for what each holds.
func (g *generator) hostileMsg(r *rand.Rand, t time.Time, kind string) *msg {
	dom := pick(r, companyWords) + pick(r, companySuffixes) + ".example"
	m := &msg{
		folder: FolderInbox, date: t.In(zone(pick(r, []int{-7, 0, 1, 3}), 0)), internal: t.Add(deliver(r)),
		from: []addr{{name: "Info Desk", email: "info@" + dom}}, to: []addr{{email: g.me.email}},
		subject: "Your request #" + fmt.Sprint(10000+r.IntN(90000)), inbound: true, mailer: mailerGeneric, hostile: kind,
		body: "Hello,\n\nPlease find the details below.\n\nRegards",
	}
	m.id = messageID(r, mailerGeneric, dom, t)
	switch kind {
	case HostileBadDate:
		m.rawDate = pick(r, []string{"sometime last Tuesday", "Mon, 32 Foo 2023 99:99:99 +9999", "0", "2024-13-45 25:61"})
	case HostileNoDate:
		m.rawDate = "-"
	case HostileEncodedUTF8:
		name := pick(r, []string{"Zoë Ødegård", "李雷", "Ἀριστοτέλης Παπαδόπουλος", "Siobhán Ní Bhriain"})
		m.from[0] = addr{name: name, email: "z.odegard@" + dom, raw: bEncode(name) + " <z.odegard@" + dom + ">"}
		m.subject = "Grüße aus Köln — 会议 📅"
		m.rawSubject = bEncode(m.subject)
	case HostileEncodedLatin1:
		m.from[0] = addr{name: "André Müller", email: "andre.mueller@" + dom, raw: "=?ISO-8859-1?Q?" + latin1Q("André Müller") + "?= <andre.mueller@" + dom + ">"}
		m.subject = "Grüße aus München"
		m.rawSubject = "=?ISO-8859-1?Q?" + latin1Q(m.subject) + "?="
	case Hostile8BitName:
		m.from[0] = addr{name: "François Bérubé", email: "francois.berube@" + dom, raw: latin1("François Bérubé") + " <francois.berube@" + dom + ">"}
		m.subject = "Réunion à Québec"
		m.rawSubject = latin1(m.subject)
	case HostileNoDomain:
		m.from[0] = addr{name: "Cron Daemon", email: "root", raw: "Cron Daemon <root>"}
		m.subject = "Cron <root@build01> /usr/local/bin/backup.sh"
		m.body = "rsync: connection unexpectedly closed\n"
	case HostileManyRecipients:
		m.from[0] = addr{name: "DevConf Team", email: "team@devconf.example"}
		m.subject = "DevConf: your ticket and schedule"
		m.to = make([]addr, 0, 500)
		at := r.IntN(500)
		for i := range 500 {
			if i == at {
				m.to = append(m.to, addr{email: g.me.email})
				continue
			}
			a, _ := g.member(99, i)
			m.to = append(m.to, a)
		}
	case HostileNoMessageID:
		m.id = ""
	case HostileCRLFName:
		m.from[0] = addr{name: "Support Team Bcc: everyone@example.com", email: "support@account-security.example",
			raw: "=?UTF-8?Q?Support_Team=0D=0ABcc=3A_everyone=40example.com?= <support@account-security.example>"}
		m.subject = "Action required: confirm your account"
		m.folder = FolderJunk
	case HostileQuoteName:
		m.from[0] = addr{name: `"` + marcus.name + `" <` + marcus.email + `>`, email: "attacker@evil.example"}
		m.subject = "Urgent: wire transfer today"
		m.folder = FolderJunk
	}
	return m
}

func bEncode(s string) string {
	return "=?UTF-8?B?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?="
}

// latin1 returns s in ISO-8859-1 bytes (s holds only Latin-1 letters).
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, c := range s {
		b = append(b, byte(c))
	}
	return string(b)
}

// latin1Q is the Q encoding of s in ISO-8859-1.
func latin1Q(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == ' ':
			b.WriteByte('_')
		case c < 0x80 && c != '=' && c != '?' && c != '_':
			b.WriteRune(c)
		default:
			fmt.Fprintf(&b, "=%02X", c)
		}
	}
	return b.String()
}
