package digest

import (
	"github.com/rekindle/rekindle/config"
	"github.com/rekindle/rekindle/relationship"
)

// Settings returns the digest's view of the configuration: the user (with
// the first of me.addresses as Email) and the draft rules.
func Settings(cfg *config.Config) (Me, DraftRules) {
	me := Me{
		Name:       cfg.Me.Name,
		Pitch:      cfg.Me.Pitch,
		LookingFor: cfg.Me.LookingFor,
	}
	for _, t := range cfg.Me.TargetCompanies {
		me.TargetCompanies = append(me.TargetCompanies, relationship.TargetName(relationship.Target{Name: t.Name, Domains: t.Domains}))
	}
	if len(cfg.Me.Addresses) > 0 {
		me.Email = cfg.Me.Addresses[0]
	}
	return normaliseMe(me), DraftRules{ByStatus: cfg.Digest.DraftsByStatus, ByTag: cfg.Digest.DraftsByTag}
}
