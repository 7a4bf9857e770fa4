package rekindle_test

import (
	"slices"
	"testing"

	"github.com/rekindle/rekindle"
)

// TestStatuses walks every status: the list is complete and runs from
// warmest to coldest, and each status has a default draft kind that is a
// valid draft kind rekindle itself chooses (so the default templates have
// it).
func TestStatuses(t *testing.T) {
	want := []rekindle.Status{rekindle.StatusWarm, rekindle.StatusCooling, rekindle.StatusCold, rekindle.StatusDormant}
	if got := rekindle.Statuses(); !slices.Equal(got, want) {
		t.Errorf("Statuses() = %v, want %v", got, want)
	}
	for _, s := range rekindle.Statuses() {
		k := s.DefaultDraftKind()
		if !rekindle.ValidDraftKind(k) {
			t.Errorf("%s: default draft kind %q is not a valid draft kind", s, k)
		}
		if !slices.Contains(rekindle.DraftKinds(), k) {
			t.Errorf("%s: default draft kind %q is not among DraftKinds() %v", s, k, rekindle.DraftKinds())
		}
	}
	for _, s := range []rekindle.Status{"", "Warm", "hot"} {
		if k := s.DefaultDraftKind(); k != "" {
			t.Errorf("%q is not a status but has the default draft kind %q", s, k)
		}
	}
}

func TestDraftKinds(t *testing.T) {
	kinds := rekindle.DraftKinds()
	for _, k := range kinds {
		if !rekindle.ValidDraftKind(k) {
			t.Errorf("built-in draft kind %q is not a valid draft kind", k)
		}
	}
	if n := len(slices.Compact(slices.Sorted(slices.Values(kinds)))); n != len(kinds) {
		t.Errorf("DraftKinds() %v repeats a kind", kinds)
	}
}

func TestValidDraftKind(t *testing.T) {
	for k, want := range map[string]bool{
		"checkin": true, "congrats": true, "x": true, "9": true, "follow-up_2": true,
		"": false, "Checkin": false, "-x": false, "_x": false, "check in": false,
		"checkin.txt": false, "../x": false, "café": false, "x\n": false,
	} {
		if got := rekindle.ValidDraftKind(k); got != want {
			t.Errorf("ValidDraftKind(%q) = %v, want %v", k, got, want)
		}
	}
}
