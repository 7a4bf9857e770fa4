package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// day is the length of the "d" unit: 24 hours, whatever the calendar.
const day = 24 * time.Hour

// Duration is a time.Duration written as Go writes one ("90m", "36h",
// "1h30m") or in whole days ("14d", also "1d12h"). It prints back in the
// same style: whole days as "14d", other values without zero units
// ("36h", not "36h0m0s").
type Duration time.Duration

// ParseDuration parses a duration in Duration's syntax. Negative
// durations are refused.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, errors.New("empty duration")
	}
	var days int64
	rest := s
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		switch {
		case err != nil:
			return 0, fmt.Errorf("invalid duration %q: days must be a whole number, as in 14d", s)
		case n < 0:
			return 0, fmt.Errorf("invalid duration %q: must not be negative", s)
		case n > 106751: // time.Duration holds about 292 years
			return 0, fmt.Errorf("invalid duration %q: too long", s)
		}
		days, rest = n, s[i+1:]
	}
	var d time.Duration
	if rest != "" {
		var err error
		d, err = time.ParseDuration(rest)
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: use a number and a unit, as in 90m, 36h or 14d", s)
		}
	}
	if d < 0 {
		return 0, fmt.Errorf("invalid duration %q: must not be negative", s)
	}
	total := time.Duration(days)*day + d
	if total < 0 {
		return 0, fmt.Errorf("invalid duration %q: too long", s)
	}
	return total, nil
}

// String formats d as "14d", "36h", "1h30m", "90s" or "0s".
func (d Duration) String() string {
	t := time.Duration(d)
	if t == 0 {
		return "0s"
	}
	if t < 0 {
		return t.String()
	}
	if days := t / day; days > 0 && t%day == 0 {
		return strconv.FormatInt(int64(days), 10) + "d"
	}
	s := t.String() // e.g. "36h0m0s", "1h30m0s", "1.5s", "500ms"
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// MarshalText returns d.String().
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses Duration's syntax.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML returns d.String().
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML parses Duration's syntax from a YAML scalar. A bare
// number other than 0 is refused: its unit would be a guess.
func (d *Duration) UnmarshalYAML(n ast.Node) error {
	var s string
	switch v := n.(type) {
	case *ast.StringNode:
		s = v.Value
	case *ast.IntegerNode:
		if tk := v.GetToken(); tk != nil && tk.Value == "0" {
			*d = 0
			return nil
		}
		return &nodeError{node: n, msg: fmt.Sprintf("%s needs a unit, as in %[1]sm, %[1]sh or %[1]sd", n.GetToken().Value)}
	case *ast.NullNode:
		return nil
	default:
		return &nodeError{node: n, msg: "expected a duration such as 90m, 36h or 14d"}
	}
	v, err := ParseDuration(s)
	if err != nil {
		return &nodeError{node: n, msg: err.Error()}
	}
	*d = Duration(v)
	return nil
}
