package main

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-vcard"
	"github.com/google/uuid"

	"github.com/rekindle/rekindle/app"
	"github.com/rekindle/rekindle/relationship"
)

// The address book forms of "rekindle contacts": vCard and CSV.

// writeVCards writes one vCard 4.0 (RFC 6350) per contact, UTF-8, lines
// ending in CRLF and folded at 75 octets:
//
//	FN          the name on one line (app.OneLine), else the address
//	N           the name split into given, middle and family name when it
//	            splits sensibly (splitName), else empty: some importers
//	            want an N, and FN then names the card
//	EMAIL       every address, the main one with PREF=1
//	CATEGORIES  the tags
//	UID         urn:uuid: a UUID (version 5) of "mailto:" and the contact's
//	            key, the same on every export
//	X-REKINDLE-STRENGTH (0-100), -STATUS (warm, cooling, cold, dormant or
//	one-way), -LAST-EXCHANGE (YYYY-MM-DD), and -CADENCE-DAYS (the usual
//	rhythm in days, when there is one: cadenceDays)
//
// 4.0 rather than 3.0: it is UTF-8 by definition (3.0 leaves the charset
// to the transport, and importers guessed), go-vcard writes and reads
// RFC 6350's escaping (3.0 also wants ";" escaped in every text value,
// which go-vcard does not unescape), and the properties written here are
// the core that every 4.0 importer reads.
func writeVCards(w io.Writer, contacts []relationship.Contact) error {
	lw := &vcardLines{w: w}
	enc := vcard.NewEncoder(lw)
	for i := range contacts {
		card, ok := contactCard(&contacts[i])
		if !ok {
			continue
		}
		if err := enc.Encode(card); err != nil {
			return err
		}
	}
	return lw.err
}

// contactCard is the vCard of c; false when c has no address a card can
// carry (addressOK).
func contactCard(c *relationship.Contact) (vcard.Card, bool) {
	main, others := exportAddresses(c)
	if main == "" {
		return nil, false
	}
	card := vcard.Card{}
	card.SetValue(vcard.FieldVersion, "4.0")
	card.SetValue(vcard.FieldProductID, "-//rekindle//rekindle//EN")
	card.SetKind(vcard.KindIndividual)
	name := app.OneLine(c.Name)
	fn := name
	if fn == "" {
		fn = main
	}
	card.SetValue(vcard.FieldFormattedName, fn)
	n, _ := splitName(name)
	card.SetName(&n)
	card.SetValue(vcard.FieldUID, contactUID(c.Key))
	card.Add(vcard.FieldEmail, &vcard.Field{Value: main, Params: vcard.Params{vcard.ParamPreferred: {"1"}}})
	for _, a := range others {
		card.AddValue(vcard.FieldEmail, a)
	}
	if len(c.Tags) > 0 {
		// vcardLines writes the commas between them as separators.
		card.SetValue(vcard.FieldCategories, strings.Join(c.Tags, ","))
	}
	card.SetValue("X-REKINDLE-STRENGTH", strconv.FormatFloat(math.Round(c.Strength), 'f', 0, 64))
	card.SetValue("X-REKINDLE-STATUS", exportStatus(c))
	if d := isoDate(c.LastContact); d != "" {
		card.SetValue("X-REKINDLE-LAST-EXCHANGE", d)
	}
	if d := cadenceDays(c); d != "" {
		card.SetValue("X-REKINDLE-CADENCE-DAYS", d)
	}
	return card, true
}

// contactUID is a contact's vCard UID: stable across exports as long as
// its key is.
func contactUID(key string) string {
	return "urn:uuid:" + uuid.NewSHA1(uuid.NameSpaceURL, []byte("mailto:"+key)).String()
}

// exportAddresses are c's main address and its others, without any that
// holds a control character (a tab or a line break cannot be mailed to,
// and would break a line of the output); the main address is then the
// first other one left.
func exportAddresses(c *relationship.Contact) (main string, others []string) {
	if addressOK(c.Email) {
		main = c.Email
	}
	for _, a := range c.Addresses {
		switch {
		case a == c.Email || !addressOK(a):
		case main == "":
			main = a
		default:
			others = append(others, a)
		}
	}
	return main, others
}

// addressOK reports whether an address can go on a line of output: not
// empty, and without control characters or white space other than
// spaces (which a quoted local part may hold).
func addressOK(a string) bool {
	if a == "" {
		return false
	}
	for _, r := range a {
		if r != ' ' && (unicode.IsControl(r) || unicode.IsSpace(r)) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// exportStatus is the status as the table shows it: one-way for a one-way
// correspondent.
func exportStatus(c *relationship.Contact) string {
	if !c.TwoWay {
		return "one-way"
	}
	return string(c.Status)
}

// isoDate is t's day in local time, YYYY-MM-DD; empty for a zero t.
func isoDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02")
}

// cadenceDays is c's usual rhythm in whole days: learnt from the mail,
// set by the user or by a tag; empty when there is none yet (too few
// exchange days: the model then assumes a default, which says nothing of
// the person).
func cadenceDays(c *relationship.Contact) string {
	if c.CadenceDays <= 0 || c.CadenceSource == relationship.CadenceDefault {
		return ""
	}
	return strconv.FormatFloat(math.Max(1, math.Round(c.CadenceDays)), 'f', 0, 64)
}

// splitName splits a display name into vCard name parts when it splits
// sensibly: one to three words of letters (and marks, hyphens,
// apostrophes, periods) in the Latin, Greek or Cyrillic scripts, which
// write the given name first. Three words make given, middle and family
// names, unless the middle one is a particle ("Ludwig van Beethoven"),
// which goes with the family name. Anything else (a company, a note in
// brackets, a name written family name first) is not split: ok is false
// and the parts are empty.
func splitName(name string) (n vcard.Name, ok bool) {
	words := strings.Fields(name)
	if len(words) == 0 || len(words) > 3 {
		return n, false
	}
	for _, w := range words {
		letters := 0
		for _, r := range w {
			switch {
			case unicode.In(r, unicode.Latin, unicode.Greek, unicode.Cyrillic):
				letters++
			case unicode.Is(unicode.Mn, r), r == '-', r == '\'', r == '’', r == '.':
			default:
				return vcard.Name{}, false
			}
		}
		if letters == 0 {
			return vcard.Name{}, false
		}
	}
	switch len(words) {
	case 1:
		n.GivenName = words[0]
	case 2:
		n.GivenName, n.FamilyName = words[0], words[1]
	case 3:
		if nameParticles[words[1]] {
			n.GivenName, n.FamilyName = words[0], words[1]+" "+words[2]
		} else {
			n.GivenName, n.AdditionalName, n.FamilyName = words[0], words[1], words[2]
		}
	}
	return n, true
}

// nameParticles begin a family name ("van Beethoven", "de la Cruz" is
// four words and not split).
var nameParticles = map[string]bool{
	"van": true, "von": true, "de": true, "del": true, "della": true, "di": true, "da": true, "do": true,
	"dos": true, "das": true, "du": true, "der": true, "den": true, "ter": true, "ten": true, "le": true,
	"la": true, "al": true, "el": true, "bin": true, "ibn": true, "zu": true, "af": true, "av": true,
}

// vcardLines takes the lines go-vcard's Encoder writes, each ending in
// CRLF, and passes them on folded at 75 octets (RFC 6350 3.2: a long line
// goes on in lines that begin with a space, never inside a UTF-8
// sequence). In CATEGORIES it unescapes the commas: go-vcard escapes every
// comma of a value, which writes a list of tags as one tag with commas in
// it (go-vcard issue 5); a tag is one word without a comma (app.CheckTag),
// so every comma there is a separator.
type vcardLines struct {
	w   io.Writer
	buf []byte
	err error
}

func (v *vcardLines) Write(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	v.buf = append(v.buf, p...)
	for {
		i := bytes.Index(v.buf, []byte("\r\n"))
		if i < 0 {
			return len(p), nil
		}
		line := v.buf[:i]
		if bytes.HasPrefix(line, []byte(vcard.FieldCategories+":")) {
			line = unescapeCommas(line)
		}
		if v.err = writeFolded(v.w, line); v.err != nil {
			return 0, v.err
		}
		v.buf = v.buf[i+2:]
	}
}

// unescapeCommas turns every escaped comma (\,) of line into a comma,
// leaving other escapes (\\, \n) as they are.
func unescapeCommas(line []byte) []byte {
	out := make([]byte, 0, len(line))
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' && i+1 < len(line) {
			if line[i+1] != ',' {
				out = append(out, '\\')
			}
			out = append(out, line[i+1])
			i++
			continue
		}
		out = append(out, line[i])
	}
	return out
}

// writeFolded writes line and CRLF, folded: at most 75 octets on the
// first line and 74 after the space that begins each next one.
func writeFolded(w io.Writer, line []byte) error {
	var b bytes.Buffer
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.Write(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74
	}
	b.Write(line)
	b.WriteString("\r\n")
	_, err := w.Write(b.Bytes())
	return err
}

// csvHeader names the columns of the CSV form.
var csvHeader = []string{
	"name", "email", "other_addresses", "tags", "strength", "warmth", "status", "two_way",
	"last_exchange", "first_exchange", "cadence_days", "sent", "received", "pinned", "key",
}

// writeCSV writes the contacts as CSV (RFC 4180: a header row, fields
// quoted where they need it, CRLF line ends), UTF-8. other_addresses and
// tags are separated by spaces; dates are YYYY-MM-DD in local time;
// strength and warmth are whole numbers 0-100; cadence_days is empty when
// there is no rhythm yet (cadenceDays). A text field that begins with =, +, - or @ (which a
// spreadsheet would run as a formula: display names come from strangers'
// mail) starts with an apostrophe, as spreadsheets write such text.
func writeCSV(w io.Writer, contacts []relationship.Contact) error {
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	for i := range contacts {
		c := &contacts[i]
		main, others := exportAddresses(c)
		if main == "" {
			continue
		}
		row := []string{
			csvText(app.OneLine(c.Name)), csvText(main), csvText(strings.Join(others, " ")), csvText(strings.Join(c.Tags, " ")),
			fmt.Sprintf("%.0f", c.Strength), fmt.Sprintf("%.0f", c.Score), exportStatus(c), strconv.FormatBool(c.TwoWay),
			isoDate(c.LastContact), isoDate(c.FirstContact), cadenceDays(c),
			strconv.Itoa(c.Sent), strconv.Itoa(c.Received), strconv.FormatBool(c.Pinned), csvText(c.Key),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvText keeps a spreadsheet from taking text for a formula.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
