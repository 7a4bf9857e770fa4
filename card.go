package rekindle

// Card is one entry of the user's address book, as package addressbook
// reads it from vCard files or a CardDAV server: what the user says about
// a person, which the relationship model takes over what the mail says
// (see relationship.Options.Cards).
type Card struct {
	// Name is the card's formatted name (FN), else its structured name
	// (N) put together; empty when it has neither. One line of valid
	// UTF-8 without control characters.
	Name string
	// Emails are the card's addresses, lower case, the preferred one
	// first, without duplicates.
	Emails []string
	// Categories are the card's categories (CATEGORIES, and the groups
	// of the address book it belongs to) as written, trimmed, without
	// duplicates; one line of valid UTF-8 each, without commas.
	Categories []string
}
