package relationship

import (
	"math"
	"slices"
	"time"

	"github.com/rekindle/rekindle"
)

// Warmth constants; the formula is in the package documentation.
const (
	sentFactor   = 1.5   // a day the user wrote counts 1.5 times a day they wrote
	scoreScale   = 50.0  // X at which the score reaches 63
	lengthYears  = 3.0   // relationship length at which the length bonus is full
	cadenceGaps  = 25    // the most recent gaps the cadence is learnt from
	gapWeightCap = 7.0   // days; see cadence
	dormantAfter = 365.0 // days of silence before a tie is dormant
	// strengthScale is the X at which strength reaches 50 (about fifteen
	// days of two-way exchange over a few threads); it puts four days of
	// exchange both ways in one thread (X = 8) at 20, DefaultMinStrength.
	// Strength approaches 100 as X/(X+32), slowly: the strongest ties stay
	// apart rather than all reading 100.
	strengthScale = 32.0
)

type warmthInput struct {
	twoWay       bool
	now          time.Time
	halfLife     time.Duration
	threads      int
	sentW, recvW int64 // weight units
	first, last  int64 // unix seconds
}

type warmthStats struct {
	score, peak  float64
	strength     float64
	exchangeDays int
	personalDays int
	recent       []int32 // the last cadenceGaps+1 exchange days, ascending
}

// warmth computes the score, the peak score and the exchange days of a
// person from their day records. Deferred bulk mail counts only for a
// two-way person.
func warmth(days []dayRec, in warmthInput) warmthStats {
	var st warmthStats
	h := in.halfLife.Hours() / 24
	nowDay := dayOf(in.now.Unix())
	lastDay := dayOf(in.last)
	var a, aPeak float64
	mask := daySent | dayRecv
	recvMask := dayRecv
	if in.twoWay {
		mask |= dayBulk
		recvMask |= dayBulk
	}
	var depth float64
	var lat latencies
	for _, d := range days {
		if d.flags&mask == 0 {
			continue
		}
		st.exchangeDays++
		sent, recv := d.flags&daySent != 0, d.flags&recvMask != 0
		dv := 0.0
		if sent {
			dv++
		}
		if recv {
			dv++
		}
		if d.flags&dayPersonal != 0 {
			st.personalDays++
		} else {
			dv /= 2
		}
		depth += dv
		lat.day(d.day, sent, recv)
		r := float64(d.recvW)
		if in.twoWay {
			r += float64(d.bulkW)
		}
		v := sentFactor*min(1, float64(d.sentW)/weightUnit) + min(1, r/weightUnit)
		a += v * math.Exp2(-float64(max(0, nowDay-d.day))/h)
		aPeak += v * math.Exp2(-float64(max(0, lastDay-d.day))/h)
		if len(st.recent) == cadenceGaps+1 {
			copy(st.recent, st.recent[1:])
			st.recent = st.recent[:cadenceGaps]
		}
		st.recent = append(st.recent, d.day)
	}
	breadth := min(1.5, 0.75+0.25*math.Log2(1+float64(in.threads)))
	balance := 0.0
	if s := in.sentW + in.recvW; s > 0 {
		balance = 2 * float64(min(in.sentW, in.recvW)) / float64(s)
	}
	years := 0.0
	if in.last > in.first {
		years = float64(in.last-in.first) / (365.25 * 86400)
	}
	length := 1 + 0.5*min(1, years/lengthYears)
	f := breadth * (0.5 + 0.5*balance) * length
	st.score = 100 * (1 - math.Exp(-a*f/scoreScale))
	st.peak = 100 * (1 - math.Exp(-aPeak*f/scoreScale))
	if in.twoWay {
		x := depth * f * lat.factor()
		st.strength = 100 * x / (x + strengthScale)
	}
	return st
}

// latencies collects how many days each side took to answer the other,
// from the sequence of exchange days: a day with mail from the user opens
// a question that the next day with mail from them answers, and the other
// way round; a day with mail both ways is an answer within the day.
type latencies struct {
	openOut, openIn int32 // the day of an unanswered message; -1: none
	started         bool
	gaps            []int32
}

// maxLatency is the longest gap still taken for an answer, in days; past
// it the next message starts something new.
const maxLatency = 30

func (l *latencies) day(d int32, sent, recv bool) {
	if !l.started {
		l.openOut, l.openIn, l.started = -1, -1, true
	}
	answered := false
	if recv && l.openOut >= 0 {
		if g := d - l.openOut; g <= maxLatency {
			l.gaps = append(l.gaps, g)
			answered = true
		}
		l.openOut = -1
	}
	if sent && l.openIn >= 0 {
		if g := d - l.openIn; g <= maxLatency {
			l.gaps = append(l.gaps, g)
			answered = true
		}
		l.openIn = -1
	}
	switch {
	case sent && recv:
		if !answered {
			l.gaps = append(l.gaps, 0)
		}
	case sent:
		if l.openOut < 0 {
			l.openOut = d
		}
	case recv:
		if l.openIn < 0 {
			l.openIn = d
		}
	}
}

// factor is what the usual answer time says of a tie: answers within a
// day mark a close tie, within the week an ordinary working one, slower
// ones a distant one. Without any answer it says nothing (1).
func (l *latencies) factor() float64 {
	if len(l.gaps) == 0 {
		return 1
	}
	slices.Sort(l.gaps)
	m := l.gaps[len(l.gaps)/2]
	switch {
	case m <= 1:
		return 1.2
	case m <= 3:
		return 1.1
	case m <= 7:
		return 1
	}
	return 0.85
}

// cadence is the expected gap between exchanges, in days, learnt from the
// most recent exchange days (ascending); DefaultCadence with fewer than
// three days, and never less than MinCadence.
//
// It is a weighted median of the gaps between exchange days, each gap
// weighing its length in days up to a week. The median, rather than the
// mean, so that one long silence (a sabbatical) or one busy week does not
// redefine a relationship. The weights, because a plain median is fooled
// by conversations: a friend greeted once a year who answers the next day
// has gaps 1, 364, 1, 364, 1, whose plain median says "daily". Weighted by
// length, a next-day reply counts a seventh of a week's silence, so a
// yearly greeting stays yearly, while past a week every gap weighs the
// same, so a few long breaks do not outvote the usual rhythm either. A tie
// made of intense threads months apart (a question answered over a week,
// another next season) has the rhythm of its threads: once one has been
// silent for twice that, it is worth a note, which is what following up
// means.
func cadence(days []int32) (float64, string) {
	if len(days) < 3 {
		return DefaultCadence.Hours() / 24, CadenceDefault
	}
	if len(days) > cadenceGaps+1 {
		days = days[len(days)-cadenceGaps-1:]
	}
	gaps := make([]float64, len(days)-1)
	total := 0.0
	for i := 1; i < len(days); i++ {
		gaps[i-1] = float64(days[i] - days[i-1])
		total += min(gaps[i-1], gapWeightCap)
	}
	slices.Sort(gaps)
	m, acc := gaps[len(gaps)-1], 0.0
	for i, g := range gaps {
		acc += min(g, gapWeightCap)
		if acc > total/2 {
			m = g
			break
		}
		if acc == total/2 && i+1 < len(gaps) { // an even split: between the two
			m = (g + gaps[i+1]) / 2
			break
		}
	}
	return max(m, MinCadence.Hours()/24), CadenceRhythm
}

// statusOf places a silence (days) against a cadence (days): warm up to
// twice the cadence, cooling past twice, cold past four times, and dormant
// past a year of silence if that is also past twice the cadence (a friend
// greeted once a year is not dormant after 13 months). Dormant needs a
// year whatever the rhythm: a weekly colleague silent for two months is
// cold, not gone; Pick treats dormant ties apart (one a week at most).
func statusOf(silence, cadence float64) rekindle.Status {
	if cadence <= 0 {
		cadence = DefaultCadence.Hours() / 24
	}
	r := silence / cadence
	switch {
	case silence > dormantAfter && r > 2:
		return rekindle.StatusDormant
	case r > 4:
		return rekindle.StatusCold
	case r > 2:
		return rekindle.StatusCooling
	}
	return rekindle.StatusWarm
}
