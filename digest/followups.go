package digest

import (
	"cmp"
	"slices"
	"strings"

	"github.com/rekindle/rekindle/relationship"
)

// DefaultMaxFollowups is how many follow-ups of each kind (awaiting their
// reply, waiting on the user's) a digest shows when Input.MaxFollowups is
// zero. A morning digest that lists twelve unanswered threads is a to-do
// list nobody reads; the strongest three are the ones that matter, and
// `rekindle followups` lists the rest.
const DefaultMaxFollowups = 3

// CompareFollowups orders follow-ups as the digest and `rekindle
// followups` show them: the strongest tie first (Strength), then the
// warmest (Score), then the one that has waited longest (Date), then by
// Key so the order never depends on the input's.
func CompareFollowups(x, y relationship.Followup) int {
	if c := cmp.Compare(y.Strength, x.Strength); c != 0 {
		return c
	}
	if c := cmp.Compare(y.Score, x.Score); c != 0 {
		return c
	}
	if c := x.Date.Compare(y.Date); c != 0 {
		return c
	}
	return strings.Compare(x.Key, y.Key)
}

// SortFollowups sorts fs in place by CompareFollowups.
func SortFollowups(fs []relationship.Followup) {
	slices.SortFunc(fs, CompareFollowups)
}

// shownFollowups returns the follow-ups of fs whose contact is not among
// the picks, in CompareFollowups order and at most limit of them (limit <
// 0: all), and how many more there were. fs is not modified.
func shownFollowups(fs []relationship.Followup, picked map[string]bool, limit int) (shown []relationship.Followup, more int) {
	for _, f := range fs {
		if !picked[f.Key] {
			shown = append(shown, f)
		}
	}
	SortFollowups(shown)
	if limit >= 0 && len(shown) > limit {
		return shown[:limit], len(shown) - limit
	}
	return shown, 0
}
