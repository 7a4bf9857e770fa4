package config

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"
)

// Error is one mistake in a configuration: the key it concerns, what is
// wrong and, where that is not obvious, how to fix it. Load and Parse
// return it (as an error) for every problem with the file's content;
// errors.As finds it.
type Error struct {
	// File is the configuration file; empty when the configuration came
	// from Parse.
	File string
	// Line is the 1-based line of the key in the file, or of the nearest
	// enclosing key when the key itself is missing; 0 when unknown.
	Line int
	// Key is the path of the key, e.g. "accounts[0].imap.host"; empty
	// when the problem is the document as a whole (a YAML syntax error).
	Key string
	// Msg says what is wrong. It never holds a secret's value.
	Msg string
}

// Error formats the error as "FILE:LINE: KEY: MSG", leaving out what is
// unknown.
func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.File != "" && e.Line > 0:
		fmt.Fprintf(&b, "%s:%d: ", e.File, e.Line)
	case e.File != "":
		fmt.Fprintf(&b, "%s: ", e.File)
	case e.Line > 0:
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// doc is a parsed configuration document with an index from key paths and
// tokens to nodes, so that every error can name its key and line.
type doc struct {
	file string
	body ast.Node // nil for an empty document
	// byPath maps a key path ("accounts[0].imap.host") to the node where
	// the key is written: the "key: value" node for mapping keys, the
	// value for sequence items.
	byPath map[string]ast.Node
	// byToken maps a token to the path of the first (outermost) node
	// that holds it, and nodeOf to that node.
	byToken map[*token.Token]string
	nodeOf  map[*token.Token]ast.Node
	// floats are the paths of floating-point values, checked against
	// integer keys after decoding.
	floats []ast.Node
}

// parseDoc parses data as one YAML document and indexes it.
func parseDoc(data []byte, file string) (*doc, error) {
	d := &doc{file: file, byPath: map[string]ast.Node{}, byToken: map[*token.Token]string{}, nodeOf: map[*token.Token]ast.Node{}}
	f, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, d.convert(err)
	}
	var bodies []ast.Node
	for _, dd := range f.Docs {
		if dd != nil && dd.Body != nil {
			bodies = append(bodies, dd.Body)
		}
	}
	if len(bodies) > 1 {
		return nil, d.at(bodies[1], "", "a second YAML document (after ---); the configuration is one document")
	}
	if len(bodies) == 0 {
		return d, nil
	}
	d.body = bodies[0]
	ast.Walk(indexer{d}, d.body)
	return d, nil
}

// indexer fills a doc's index while ast.Walk visits its nodes, parents
// before children.
type indexer struct{ d *doc }

// Visit records n's path and token.
func (v indexer) Visit(n ast.Node) ast.Visitor {
	p := trimPath(n.GetPath())
	if _, ok := v.d.byPath[p]; !ok {
		v.d.byPath[p] = n
	}
	if tk := n.GetToken(); tk != nil {
		if _, ok := v.d.byToken[tk]; !ok {
			v.d.byToken[tk] = p
			v.d.nodeOf[tk] = n
		}
	}
	if n.Type() == ast.FloatType {
		v.d.floats = append(v.d.floats, n)
	}
	return v
}

// trimPath turns a YAMLPath ("$.accounts[0].name") into a key path
// ("accounts[0].name").
func trimPath(p string) string {
	p = strings.TrimPrefix(p, "$")
	return strings.TrimPrefix(p, ".")
}

// parentKey returns the key path enclosing key, "" at the top.
func parentKey(key string) string {
	i := strings.LastIndexAny(key, ".[")
	if i < 0 {
		return ""
	}
	return key[:i]
}

// has reports whether key is written in the document.
func (d *doc) has(key string) bool {
	_, ok := d.byPath[key]
	return ok
}

// line returns the line of key, or of its nearest enclosing key that is
// written in the document; 0 when none is.
func (d *doc) line(key string) int {
	for {
		if n, ok := d.byPath[key]; ok {
			if tk := n.GetToken(); tk != nil {
				return tk.Position.Line
			}
		}
		if key == "" {
			return 0
		}
		key = parentKey(key)
	}
}

// errorf returns an *Error for key, placed at key's line.
func (d *doc) errorf(key, format string, args ...any) error {
	return &Error{File: d.file, Line: d.line(key), Key: key, Msg: fmt.Sprintf(format, args...)}
}

// at returns an *Error placed at node n.
func (d *doc) at(n ast.Node, key, msg string) *Error {
	e := &Error{File: d.file, Key: key, Msg: msg}
	if n != nil && n.GetToken() != nil {
		e.Line = n.GetToken().Position.Line
	}
	return e
}

// duplicateKey matches the parser's message for a key written twice.
var duplicateKey = regexp.MustCompile(`^mapping key "(.*)" already defined at \[(\d+):\d+\]`)

// nodeError is an error from one of this package's UnmarshalYAML methods;
// it keeps the node so that the message can name the key and line.
type nodeError struct {
	node ast.Node
	msg  string
}

// Error returns the message.
func (e *nodeError) Error() string { return e.msg }

// keyOfToken returns the key path of the node holding tk.
func (d *doc) keyOfToken(tk *token.Token) string {
	if tk == nil {
		return ""
	}
	if p, ok := d.byToken[tk]; ok {
		return p
	}
	// A token that is not in the index (the decoder copies some nodes):
	// fall back to its position.
	for t, p := range d.byToken {
		if t.Position.Line == tk.Position.Line && t.Position.Column == tk.Position.Column {
			return p
		}
	}
	return ""
}

// convert turns an error from the YAML parser or decoder into an *Error
// naming the key. It never copies the YAML source into the message, so a
// secret on the offending line stays out of it.
func (d *doc) convert(err error) error {
	var ne *nodeError
	if errors.As(err, &ne) {
		return d.at(ne.node, trimPath(ne.node.GetPath()), ne.msg)
	}
	var ye yaml.Error
	if !errors.As(err, &ye) {
		return &Error{File: d.file, Msg: err.Error()}
	}
	tk := ye.GetToken()
	e := &Error{File: d.file, Key: d.keyOfToken(tk), Msg: ye.GetMessage()}
	if tk != nil {
		e.Line = tk.Position.Line
	}
	var (
		te *yaml.TypeError
		ue *yaml.UnknownFieldError
		oe *yaml.OverflowError
		nt *yaml.UnexpectedNodeTypeError
		dk *yaml.DuplicateKeyError
	)
	switch {
	case errors.As(err, &ue):
		e.Msg = d.unknownKeyMsg(e.Key)
	case errors.As(err, &te):
		e.Msg = fmt.Sprintf("expected %s, got %s", describeType(te.DstType), d.describeValue(e.Key, tk))
		if quotedScalar(te.DstType, tk) {
			e.Msg += "; remove the quotes"
		}
	case errors.As(err, &oe):
		e.Msg = fmt.Sprintf("%s is out of range", d.describeValue(e.Key, tk))
	case errors.As(err, &nt):
		e.Msg = fmt.Sprintf("expected %s, got %s", describeNodeType(nt.Expected), describeNodeType(nt.Actual))
	case errors.As(err, &dk):
		// The parser catches a key written twice; the decoder, a key that
		// a merge (<<: *anchor) also sets. Which one wins depends on their
		// order in goccy/go-yaml, so neither is allowed.
		e.Msg = "the key is also set by a merge (<<); rekindle does not override merged keys, so write it in one place"
	case e.Key == "":
		if m := duplicateKey.FindStringSubmatch(e.Msg); m != nil {
			e.Msg = fmt.Sprintf("key %q is written twice (first at line %s); keep one", m[1], m[2])
		} else if strings.Contains(e.Msg, "'\t'") {
			e.Msg = "invalid YAML: a tab; indent with spaces"
		} else {
			e.Msg = "invalid YAML: " + e.Msg
		}
	}
	if isSecretKey(e.Key) || onPasswordLine(tk) {
		// The parser may quote the offending text, which here is part of
		// a password.
		e.Msg = "invalid YAML in the password; put it in single quotes, doubling any ' inside"
	}
	if e.Key == "" && (te != nil || nt != nil) {
		e.Msg = "the configuration must be a mapping of keys such as me: and accounts:; " + e.Msg
	}
	return e
}

// unknownKeyMsg says that key is not a configuration key and suggests the
// ones that are.
func (d *doc) unknownKeyMsg(key string) string {
	name := key
	if i := strings.LastIndexAny(key, ".]"); i >= 0 {
		name = key[i+1:]
	}
	t := typeAt(parentKey(key))
	if t == nil {
		return "unknown key"
	}
	valid := yamlKeys(t)
	if s := closest(name, valid); s != "" {
		return fmt.Sprintf("unknown key; did you mean %q?", s)
	}
	return fmt.Sprintf("unknown key; the keys here are %s", strings.Join(valid, ", "))
}

// checkWholeNumbers rejects a number with a fraction where the key wants
// a whole number (the decoder would silently truncate it).
func (d *doc) checkWholeNumbers() error {
	for _, n := range d.floats {
		p := trimPath(n.GetPath())
		t := typeAt(p)
		if t == nil {
			continue
		}
		switch t.Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return d.errorf(p, "expected a whole number, got %s", d.describeValue(p, n.GetToken()))
		}
	}
	return nil
}

// dropNulls removes "key:" entries with no value (or ~, null) from every
// mapping whose key is known, so that they leave the default in place
// rather than zeroing a whole section. Unknown keys stay, to be reported.
func dropNulls(n ast.Node) {
	ast.Walk(nullDropper{}, n)
}

type nullDropper struct{}

// Visit filters n's values when n is a mapping.
func (nullDropper) Visit(n ast.Node) ast.Visitor {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return nullDropper{}
	}
	kept := m.Values[:0]
	for _, mv := range m.Values {
		if mv.Value != nil && mv.Value.Type() == ast.NullType && typeAt(trimPath(mv.Value.GetPath())) != nil {
			continue
		}
		kept = append(kept, mv)
	}
	m.Values = kept
	return nullDropper{}
}

// describeValue renders the value at tk for a message; the value of a
// key that may hold a secret is never shown.
func (d *doc) describeValue(key string, tk *token.Token) string {
	if tk == nil {
		return "another type"
	}
	if isSecretKey(key) {
		return "a value of another type"
	}
	if n := d.nodeOf[tk]; n != nil {
		switch n.Type() {
		case ast.SequenceType, ast.MappingType, ast.MappingValueType, ast.NullType:
			return describeNodeType(n.Type())
		}
	}
	return strconv.Quote(tk.Value)
}

// quotedScalar reports whether tk is a quoted string that would be a
// valid value of type t without its quotes, as in idle: "true".
func quotedScalar(t reflect.Type, tk *token.Token) bool {
	if t == nil || tk == nil || (tk.Type != token.DoubleQuoteType && tk.Type != token.SingleQuoteType) {
		return false
	}
	switch t.Kind() {
	case reflect.Bool:
		return tk.Value == "true" || tk.Value == "false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		_, err := strconv.Atoi(tk.Value)
		return err == nil
	}
	return false
}

// onPasswordLine reports whether tk follows a "password" key on its line.
func onPasswordLine(tk *token.Token) bool {
	if tk == nil {
		return false
	}
	for t := tk.Prev; t != nil && t.Position.Line == tk.Position.Line; t = t.Prev {
		if t.Value == "password" && t.Next != nil && t.Next.Type == token.MappingValueType {
			return true
		}
	}
	return false
}

// isSecretKey reports whether the last element of key may hold a secret.
func isSecretKey(key string) bool {
	if i := strings.LastIndexAny(key, ".]"); i >= 0 {
		key = key[i+1:]
	}
	return key == "password"
}

// describeType names a Go type the way a YAML user thinks of it.
func describeType(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	switch t {
	case reflect.TypeFor[Duration]():
		return "a duration such as 90m, 36h or 14d"
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct, reflect.Pointer:
		return "a mapping (key: value)"
	}
	return t.String()
}

// describeNodeType names a YAML node type for a message.
func describeNodeType(t ast.NodeType) string {
	switch t {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping (key: value)"
	case ast.SequenceType:
		return "a list"
	case ast.NullType:
		return "nothing"
	case ast.BoolType:
		return "true or false"
	case ast.IntegerType, ast.FloatType:
		return "a number"
	}
	return "a " + strings.ToLower(t.YAMLName())
}

// typeAt returns the Go type of the value at key path p in a Config, or
// nil when p is not a configuration key.
func typeAt(p string) reflect.Type {
	t := reflect.TypeFor[Config]()
	for p != "" {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if p[0] == '[' {
			end := strings.IndexByte(p, ']')
			if end < 0 || (t.Kind() != reflect.Slice && t.Kind() != reflect.Array) {
				return nil
			}
			t, p = t.Elem(), strings.TrimPrefix(p[end+1:], ".")
			continue
		}
		name, rest := p, ""
		if i := strings.IndexAny(p, ".["); i >= 0 {
			name, rest = p[:i], strings.TrimPrefix(p[i:], ".")
		}
		switch t.Kind() {
		case reflect.Map:
			t = t.Elem()
		case reflect.Struct:
			f, ok := yamlField(t, name)
			if !ok {
				return nil
			}
			t = f.Type
		default:
			return nil
		}
		p = rest
	}
	return t
}

// yamlField finds the field of struct type t whose YAML key is name,
// looking into inline fields.
func yamlField(t reflect.Type, name string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if strings.Contains(opts, "inline") {
			if g, ok := yamlField(f.Type, name); ok {
				return g, true
			}
			continue
		}
		if tag == name {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// yamlKeys lists the YAML keys of struct type t, inline fields included,
// sorted.
func yamlKeys(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var keys []string
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if strings.Contains(opts, "inline") {
			keys = append(keys, yamlKeys(f.Type)...)
			continue
		}
		if tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	sort.Strings(keys)
	return keys
}

// closest returns the candidate nearest to s when it is near enough to be
// a likely typo, else "".
func closest(s string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
