package relationship

import (
	"testing"
	"time"

	"github.com/rekindle/rekindle"
)

func TestCadence(t *testing.T) {
	tests := []struct {
		name string
		days []int32
		want float64
		src  string
	}{
		{"no days", nil, 30, CadenceDefault},
		{"one day", []int32{10}, 30, CadenceDefault},
		{"two days: one gap says nothing", []int32{10, 12}, 30, CadenceDefault},
		{"three days, gaps 20 and 20", []int32{0, 20, 40}, 20, CadenceRhythm},
		{"median of odd gaps", []int32{0, 10, 40, 61}, 21, CadenceRhythm},
		{"gaps weigh their length up to a week", []int32{0, 1, 2, 30, 60}, 28, CadenceRhythm},
		{"past a week every gap weighs the same", []int32{0, 10, 40, 61, 71}, 15.5, CadenceRhythm},
		{"an even split averages", []int32{0, 10, 20, 40, 70}, 15, CadenceRhythm},
		{"a few bursts of a thread, months apart: the rhythm is the thread's", []int32{0, 2, 3, 6, 127, 128, 134, 294, 304, 307}, 10, CadenceRhythm},
		{"yearly with next-day replies is yearly", []int32{0, 1, 365, 366, 730, 731}, 364, CadenceRhythm},
		{"bursts every two months", []int32{0, 1, 2, 3, 60, 61, 62, 63, 120, 121, 122}, 57, CadenceRhythm},
		{"weekly with a reply the next day: the silence between is 6", []int32{0, 1, 7, 8, 14, 15, 21, 22}, 6, CadenceRhythm},
		{"one long silence does not move the median", []int32{0, 14, 28, 42, 400, 414}, 14, CadenceRhythm},
		{"floor of 5 days for daily contacts", []int32{0, 1, 2, 3, 4, 5}, 5, CadenceRhythm},
		{"only the last 25 gaps count", append(seqDays(0, 1, 30), seqDays(100, 40, 26)...), 40, CadenceRhythm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, src := cadence(tt.days)
			if got != tt.want || src != tt.src {
				t.Errorf("cadence(%v) = %v %s, want %v %s", tt.days, got, src, tt.want, tt.src)
			}
		})
	}
}

func seqDays(start, step int32, n int) []int32 {
	var d []int32
	for i := range n {
		d = append(d, start+int32(i)*step)
	}
	return d
}

// Cadence through the Builder: bursts collapse to days, and overrides win.
func TestCadenceContacts(t *testing.T) {
	const bob = "bob@acme.com"
	every := func(step float64, n int) []*Mail {
		var ms []*Mail
		for i := range n {
			ms = append(ms, exchange(float64(i)*step, bob)...)
		}
		return ms
	}
	burst := func(d float64) []*Mail {
		var ms []*Mail
		for i := range 10 {
			ms = append(ms, msg(day(d).Add(time.Duration(i)*time.Minute), bob, me), msg(day(d).Add(time.Duration(i)*time.Minute+30*time.Second), me, bob))
		}
		return ms
	}
	tests := []struct {
		name  string
		opts  Options
		mail  [][]*Mail
		want  float64
		src   string
		xdays int
	}{
		{"every 21 days", Options{}, [][]*Mail{every(21, 6)}, 21, CadenceRhythm, 6},
		{"bursts of twenty messages count as one day each", Options{}, [][]*Mail{burst(0), burst(30), burst(60), burst(90)}, 30, CadenceRhythm, 4},
		{"two exchanges: default", Options{}, [][]*Mail{every(5, 2)}, 30, CadenceDefault, 2},
		{"override cadence wins", Options{Overrides: map[string]Override{bob: {Cadence: 90 * 24 * time.Hour}}}, [][]*Mail{every(21, 6)}, 90, CadenceOverride, 6},
		{"tag cadence", Options{
			Overrides:  map[string]Override{bob: {Tags: []string{"mentor", "family"}}},
			TagCadence: map[string]time.Duration{"family": 14 * 24 * time.Hour, "mentor": 60 * 24 * time.Hour},
		}, [][]*Mail{every(21, 6)}, 14, "tag:family", 6},
		{"override beats tag", Options{
			Overrides:  map[string]Override{bob: {Cadence: 45 * 24 * time.Hour, Tags: []string{"family"}}},
			TagCadence: map[string]time.Duration{"family": 14 * 24 * time.Hour},
		}, [][]*Mail{every(21, 6)}, 45, CadenceOverride, 6},
		{"untagged cadence tag is ignored", Options{
			TagCadence: map[string]time.Duration{"family": 14 * 24 * time.Hour},
		}, [][]*Mail{every(21, 6)}, 21, CadenceRhythm, 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustFind(t, build(tt.opts, tt.mail...).Contacts(day(200)), bob)
			if c.CadenceDays != tt.want || c.CadenceSource != tt.src || c.ExchangeDays != tt.xdays {
				t.Errorf("cadence %v (%s), %d exchange days; want %v (%s), %d", c.CadenceDays, c.CadenceSource, c.ExchangeDays, tt.want, tt.src, tt.xdays)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		silence, cadence float64
		want             rekindle.Status
	}{
		{0, 7, rekindle.StatusWarm},
		{14, 7, rekindle.StatusWarm},
		{14.5, 7, rekindle.StatusCooling},
		{28, 7, rekindle.StatusCooling},
		{29, 7, rekindle.StatusCold},
		{60, 7, rekindle.StatusCold}, // 8.6×: a weekly colleague quiet for two months is cold, not gone
		{365, 7, rekindle.StatusCold},
		{366, 7, rekindle.StatusDormant}, // a year of silence
		{60, 30, rekindle.StatusWarm},
		{61, 30, rekindle.StatusCooling},
		{121, 30, rekindle.StatusCold},
		{270, 30, rekindle.StatusCold},
		{366, 30, rekindle.StatusDormant},
		{300, 180, rekindle.StatusWarm},
		{361, 180, rekindle.StatusCooling}, // 2.006×
		{366, 180, rekindle.StatusDormant},
		{400, 365, rekindle.StatusWarm},    // a yearly friend a month late
		{731, 365, rekindle.StatusDormant}, // two birthdays missed
		{10, 0, rekindle.StatusWarm},       // no cadence: the default
	}
	for _, tt := range tests {
		if got := statusOf(tt.silence, tt.cadence); got != tt.want {
			t.Errorf("statusOf(%v, %v) = %s, want %s", tt.silence, tt.cadence, got, tt.want)
		}
	}
}

// Warmth follows its documented parts.
func TestWarmth(t *testing.T) {
	const bob = "bob@acme.com"
	score := func(opts Options, now float64, ms ...[]*Mail) float64 {
		return mustFind(t, build(opts, ms...).Contacts(day(now)), bob).Score
	}
	monthly := func(n int, from float64) []*Mail {
		var ms []*Mail
		for i := range n {
			ms = append(ms, exchange(from+float64(i)*30, bob)...)
		}
		return ms
	}
	t.Run("range", func(t *testing.T) {
		var weekly []*Mail
		for i := range 150 {
			weekly = append(weekly, exchange(float64(i)*7, bob)...)
		}
		hi := score(Options{}, 1050, weekly)
		lo := score(Options{}, 31, exchange(0, bob), one(msg(day(0.2), me, bob)))
		if hi < 90 || hi > 100 || lo <= 0 || lo > 10 {
			t.Errorf("weekly for three years: %v (want 90-100); one exchange a month ago: %v (want 0-10)", hi, lo)
		}
	})
	t.Run("monthly for a year, just now", func(t *testing.T) {
		if s := score(Options{}, 331, monthly(12, 0)); s < 40 || s > 80 {
			t.Errorf("score %v, want 40-80", s)
		}
	})
	t.Run("recency decays by the half-life", func(t *testing.T) {
		now := score(Options{}, 330, monthly(12, 0))
		later := score(Options{}, 330+180, monthly(12, 0))
		if later >= now {
			t.Errorf("score did not fall: %v then %v", now, later)
		}
		short := score(Options{HalfLife: 30 * 24 * time.Hour}, 330+180, monthly(12, 0))
		if short >= later {
			t.Errorf("a shorter half-life should cool faster: %v vs %v", short, later)
		}
	})
	t.Run("the user's mail counts more than theirs", func(t *testing.T) {
		base := exchange(0, bob)
		mine := score(Options{}, 60, base, one(msg(day(20), me, bob)))
		theirs := score(Options{}, 60, base, one(msg(day(20), bob, me)))
		if mine <= theirs {
			t.Errorf("one more sent %v should beat one more received %v", mine, theirs)
		}
	})
	t.Run("a burst counts once", func(t *testing.T) {
		base := monthly(3, 0)
		first := msg(day(70), me, bob)
		one1 := score(Options{}, 90, base, one(first, msg(day(70.01), bob, me).replyTo(first)))
		burst := []*Mail{first}
		for i := range 39 {
			from, to := bob, me
			if i%2 == 1 {
				from, to = me, bob
			}
			burst = append(burst, msg(day(70.005+float64(i)*0.005), from, to).replyTo(burst[len(burst)-1]))
		}
		if s := score(Options{}, 90, base, burst); s != one1 {
			t.Errorf("a burst of 40 messages on one day scored %v, two messages %v", s, one1)
		}
	})
	t.Run("balance matters", func(t *testing.T) {
		balanced := score(Options{}, 100, monthly(3, 0))
		var lopsided []*Mail
		lopsided = append(lopsided, monthly(3, 0)...)
		for i := range 3 {
			lopsided = append(lopsided, msg(day(float64(i)*30+5), me, bob))
		}
		if s := score(Options{}, 100, lopsided); s >= balanced+10 {
			t.Errorf("three unanswered messages raised warmth from %v to %v", balanced, s)
		}
	})
	t.Run("distinct threads and a long relationship count", func(t *testing.T) {
		// Same exchange days, but one long-running thread.
		var single []*Mail
		root := msg(day(0), me, bob).subj("project")
		single = append(single, root)
		prev := root
		for i := 0; i < 12; i++ {
			m := msg(day(float64(i)*30+1), bob, me).replyTo(prev)
			m2 := msg(day(float64(i+1)*30), me, bob).replyTo(m)
			single = append(single, m, m2)
			prev = m2
		}
		many := monthly(13, 0)
		if a, b := score(Options{}, 400, single), score(Options{}, 400, many); a >= b {
			t.Errorf("one thread %v should be less warm than thirteen %v", a, b)
		}
	})
}
