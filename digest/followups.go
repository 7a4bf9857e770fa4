package digest

import (
	"slices"

	"github.com/rekindle/rekindle/relationship"
)

// DefaultMaxFollowups is how many follow-ups of each kind (awaiting their
// reply, waiting on the user's) a digest shows when Input.MaxFollowups is
// zero. A morning digest that lists twelve unanswered threads is a to-do
// list nobody reads; the strongest three are the ones that matter, and
// `rekindle followups` lists the rest.
const DefaultMaxFollowups = 3

// SortFollowups sorts fs in place by relationship.CompareFollowups: the
// strongest tie first.
func SortFollowups(fs []relationship.Followup) {
	slices.SortFunc(fs, relationship.CompareFollowups)
}

// shownFollowups returns the follow-ups of fs whose contact is not among
// the picks, in relationship.CompareFollowups order and at most limit of them (limit <
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
