package relationship

import (
	"fmt"
	"strings"
	"testing"
)

// TestStrength checks what strength measures: depth of personal exchange
// both ways, not recency.
func TestStrength(t *testing.T) {
	const (
		deep  = "deep@x.org"  // weekly for two years, quick answers, many threads
		brief = "brief@x.org" // one thread over a week
		group = "group@x.org" // as many days, always among six people
		slow  = "slow@x.org"  // as many days, answers after two weeks
		fast  = "fast@x.org"  // the same days as slow, answers the next day
	)
	var mail []*Mail
	for w := 0; w < 100; w++ {
		out := msg(day(float64(7*w)), me, deep).subj(fmt.Sprintf("topic %d", w%12))
		mail = append(mail, out, msg(day(float64(7*w)+0.2), deep, me).replyTo(out))
	}
	ask := msg(day(600), me, brief).subj("a question")
	mail = append(mail, ask, msg(day(601), brief, me).replyTo(ask), msg(day(604), me, brief).replyTo(ask))
	for d := 0; d < 12; d++ {
		mail = append(mail,
			msg(day(float64(30*d)), me, group, "a@y.org", "b@y.org", "c@y.org", "d@y.org"),
			msg(day(float64(30*d)+1), group, me, "a@y.org", "b@y.org", "c@y.org", "d@y.org"),
			msg(day(float64(30*d)), me, slow), msg(day(float64(30*d)+14), slow, me),
			msg(day(float64(30*d)), me, fast), msg(day(float64(30*d)+1), fast, me))
	}
	// Seen two years after the last exchange with deep: silence must not
	// wear strength down.
	at := func(now float64) map[string]Contact {
		out := map[string]Contact{}
		for _, c := range build(Options{Me: []string{me}}, mail).Contacts(day(now)) {
			out[c.Key] = c
		}
		return out
	}
	soon, late := at(700), at(1400)
	if soon[deep].Strength != late[deep].Strength || late[deep].Strength < 90 {
		t.Errorf("deep: strength %v soon, %v two years later; want the same, 90 or more", soon[deep].Strength, late[deep].Strength)
	}
	if late[deep].Score >= soon[deep].Score {
		t.Errorf("deep: warmth %v then %v; warmth should fade", soon[deep].Score, late[deep].Score)
	}
	if s := late[brief].Strength; s >= DefaultMinStrength {
		t.Errorf("brief: strength %v, want below the digest's minimum %v", s, DefaultMinStrength)
	}
	if late[group].Strength >= late[fast].Strength || late[group].PersonalDays != 0 || late[fast].PersonalDays != 24 {
		t.Errorf("group %v (%d personal days) should be weaker than one-to-one %v (%d)", late[group].Strength, late[group].PersonalDays, late[fast].Strength, late[fast].PersonalDays)
	}
	if late[slow].Strength >= late[fast].Strength {
		t.Errorf("slow answers %v should make a weaker tie than fast ones %v", late[slow].Strength, late[fast].Strength)
	}
	if r := late[deep].StrengthRank; r != 1 {
		t.Errorf("deep ranked %d, want 1", r)
	}
	if d, b := late[deep], late[brief]; !d.Vouches() || b.Vouches() {
		t.Errorf("vouches: deep %v, brief %v", d.Vouches(), b.Vouches())
	}
}

// TestPickPrefersDeepTies is the real-mail complaint: a tie of years gone
// quiet must come before acquaintances met in one short thread ("3
// exchanges over 1 week"), who are not suggested at all, however long
// they have been silent against their brief rhythm; and between two real
// ties, the stronger wins unless the other is far more overdue.
func TestPickPrefersDeepTies(t *testing.T) {
	const deep, brief, medium = "deep@x.org", "brief@x.org", "medium@x.org"
	var mail []*Mail
	for m := 0; m < 30; m++ {
		out := msg(day(float64(20*m)), me, deep).subj(fmt.Sprintf("topic %d", m%8))
		mail = append(mail, out, msg(day(float64(20*m)+1), deep, me).replyTo(out))
	}
	prev := msg(day(500), me, brief).subj("the paper") // one thread, three days of one week
	mail = append(mail, prev)
	for d := 0; d < 3; d++ {
		in := msg(day(float64(500+2*d)+0.1), brief, me).replyTo(prev)
		prev = msg(day(float64(502+2*d)), me, brief).replyTo(in)
		mail = append(mail, in)
		if d < 2 {
			mail = append(mail, prev)
		}
	}
	for d := 0; d < 8; d++ { // a few months of a project, weekly
		out := msg(day(float64(760+7*d)), me, medium).subj("the project")
		mail = append(mail, out, msg(day(float64(760+7*d)+1), medium, me).replyTo(out))
	}
	now := day(880) // deep: 299 days silent, rhythm 20; medium: 71 days, rhythm 7; brief: 374 days, rhythm 5
	cs := build(Options{Me: []string{me}}, mail).Contacts(now)
	var got []string
	for _, p := range Pick(cs, now, PickOptions{}) {
		got = append(got, fmt.Sprintf("%s (strength %.0f, overdue %.1f, priority %.0f)", p.Key, p.Strength, p.Overdue, p.Priority))
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], deep) || !strings.HasPrefix(got[1], medium) {
		t.Fatalf("picks %v, want %s then %s, and never %s", got, deep, medium, brief)
	}
	if c := mustFind(t, cs, brief); c.Strength >= DefaultMinStrength || c.ExchangeDays != 3 {
		t.Errorf("brief: strength %v over %d days", c.Strength, c.ExchangeDays)
	}
}
