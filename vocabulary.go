package rekindle

import "regexp"

// Status is where a relationship stands as of a moment, from the silence
// since the last exchange measured in cadences. The relationship package
// computes it; its documentation gives the thresholds.
type Status string

// The statuses, from warmest to coldest.
const (
	StatusWarm    Status = "warm"    // within about twice the usual gap
	StatusCooling Status = "cooling" // silent past 2× the cadence
	StatusCold    Status = "cold"    // silent past 4× the cadence
	StatusDormant Status = "dormant" // silent past a year (and past 2× the cadence)
)

// Statuses returns every status, from warmest to coldest.
func Statuses() []Status {
	return []Status{StatusWarm, StatusCooling, StatusCold, StatusDormant}
}

// DefaultDraftKind is the kind of draft written for a contact of status s
// when no rule names another; "" for a value that is not a status.
func (s Status) DefaultDraftKind() string {
	switch s {
	case StatusWarm, StatusCooling, StatusCold: // only pinned contacts are picked warm
		return DraftKindCheckin
	case StatusDormant:
		return DraftKindReconnect
	}
	return ""
}

// The draft kinds rekindle itself chooses, for which the default templates
// provide a KIND.subject and a KIND.txt. A user's template directory may
// add others, named by a configuration rule.
const (
	DraftKindCheckin   = "checkin"   // a warm check-in that offers help
	DraftKindReferral  = "referral"  // asks a warm contact to be a referral in a job search
	DraftKindReconnect = "reconnect" // revives a dormant tie
	DraftKindFollowup  = "followup"  // nudges someone who has not answered
	DraftKindReply     = "reply"     // answers someone the user owes a reply
)

// DraftKinds returns the draft kinds rekindle itself chooses: every
// status's default, the job search's referral and the two follow-ups.
func DraftKinds() []string {
	return []string{DraftKindCheckin, DraftKindReconnect, DraftKindReferral, DraftKindFollowup, DraftKindReply}
}

// draftKindName is what a draft kind may be: a template's base name.
var draftKindName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ValidDraftKind reports whether k may name a draft kind: lower-case
// letters, digits, '-' and '_', starting with a letter or digit. A kind is
// the base name of its templates (KIND.subject, KIND.txt).
func ValidDraftKind(k string) bool { return draftKindName.MatchString(k) }
