package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
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

	// crash is what the YAML library panicked with, when the error
	// stands for such a panic (see safely); fuzz tests look for it.
	crash any
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
	var f *ast.File
	err := d.safely(func() (err error) {
		f, err = parseBytes(data, 0)
		return err
	}, func() int { return parsePanicLine(data) })
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
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
	body, err := d.resolveTags(bodies[0])
	if err != nil {
		return nil, err
	}
	d.body = body
	ast.Walk(indexer{d}, d.body)
	return d, nil
}

// decode decodes the document strictly over cfg.
func (d *doc) decode(cfg *Config) error {
	err := d.safely(func() error { return nodeToValue(d.body, cfg, yaml.Strict()) },
		func() int { return decodePanicLine(d.body) })
	if e := (*Error)(nil); errors.As(err, &e) && e.crash != nil {
		return err
	}
	if err != nil {
		return d.convert(err)
	}
	return nil
}

// resolveTags returns n with every YAML tag resolved, or an *Error for
// the first tag the configuration does not take. A tag never reaches the
// decoder: goccy/go-yaml dereferences nil on some (addresses: !tag
// followed by another key) and its parser reads a tag at the end of a line
// as tagging the lines below it. The core tags that only restate the kind
// of their value (!!str, !!int, !!float, !!bool, !!null, !!seq, !!map) are
// replaced by the value; !!str turns a number or a boolean into a string.
// Every other tag, application tags (!tag) included, is an error at the
// tag's line: a configuration has no use for them, and a value starting
// with ! was most likely meant as text.
func (d *doc) resolveTags(n ast.Node) (ast.Node, error) {
	var err error
	switch v := n.(type) {
	case *ast.TagNode:
		r, err := d.resolveTag(v)
		if err != nil {
			return nil, err
		}
		return d.resolveTags(r)
	case *ast.MappingNode:
		for _, mv := range v.Values {
			if _, err := d.resolveTags(mv); err != nil {
				return nil, err
			}
		}
	case *ast.MappingValueNode:
		key := ast.Node(v.Key)
		if mk, ok := key.(*ast.MappingKeyNode); ok { // ? key
			key = mk.Value
		}
		if k, ok := key.(*ast.TagNode); ok {
			return nil, d.at(k, trimPath(k.GetPath()), fmt.Sprintf("a YAML tag (%s) on a key; remove it", tagText(k)))
		}
		if v.Value, err = d.resolveTags(v.Value); err != nil {
			return nil, err
		}
	case *ast.MappingKeyNode:
		if v.Value, err = d.resolveTags(v.Value); err != nil {
			return nil, err
		}
	case *ast.SequenceNode:
		for i := range v.Values {
			if v.Values[i], err = d.resolveTags(v.Values[i]); err != nil {
				return nil, err
			}
		}
	case *ast.AnchorNode:
		if v.Value, err = d.resolveTags(v.Value); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// resolveTag returns the node standing for tag t: its value, made a
// string for !!str, or a null for a !!null without one.
func (d *doc) resolveTag(t *ast.TagNode) (ast.Node, error) {
	key := trimPath(t.GetPath())
	v := t.Value
	inner := v // the value under any anchor
	for a, ok := inner.(*ast.AnchorNode); ok; a, ok = inner.(*ast.AnchorNode) {
		inner = a.Value
	}
	kind := "nothing"
	switch inner.(type) {
	case nil:
	case *ast.AliasNode:
		kind = "an alias"
	default:
		kind = describeNodeType(inner.Type())
	}
	wrong := func(want string) (ast.Node, error) {
		return nil, d.at(t, key, fmt.Sprintf("the YAML tag %s wants %s, got %s; remove the tag", tagText(t), want, kind))
	}
	switch token.ReservedTagKeyword(t.Start.Value) {
	case token.StringTag:
		switch s := inner.(type) {
		case nil:
			tk := *t.Start
			tk.Type, tk.Value, tk.Origin = token.StringType, "", ""
			return withPath(ast.String(&tk), key), nil
		case *ast.StringNode, *ast.LiteralNode:
			return v, nil
		case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode, *ast.InfinityNode, *ast.NanNode:
			str := withPath(ast.String(s.GetToken()), trimPath(s.GetPath()))
			if a, ok := v.(*ast.AnchorNode); ok && a.Value == inner {
				a.Value = str
				return a, nil
			}
			if v == inner {
				return str, nil
			}
		}
		return wrong("a string")
	case token.IntegerTag:
		if _, ok := inner.(*ast.IntegerNode); ok {
			return v, nil
		}
		return wrong("a whole number")
	case token.FloatTag:
		switch inner.(type) {
		case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
			return v, nil
		}
		return wrong("a number")
	case token.BooleanTag:
		if _, ok := inner.(*ast.BoolNode); ok {
			return v, nil
		}
		return wrong("true or false")
	case token.NullTag:
		switch inner.(type) {
		case nil:
			tk := *t.Start
			tk.Type, tk.Value, tk.Origin = token.NullType, "null", ""
			return withPath(ast.Null(&tk), key), nil
		case *ast.NullNode:
			return v, nil
		}
		return wrong("nothing (null)")
	case token.SequenceTag:
		if _, ok := inner.(*ast.SequenceNode); ok {
			return v, nil
		}
		return wrong("a list")
	case token.MappingTag:
		switch inner.(type) {
		case *ast.MappingNode, *ast.MappingValueNode:
			return v, nil
		}
		return wrong("a mapping (key: value)")
	}
	if isSecretKey(key) || onPasswordLine(t.Start) {
		return nil, d.at(t, key, "a value starting with ! reads as a YAML tag; put the password in single quotes, doubling any ' inside")
	}
	return nil, d.at(t, key, fmt.Sprintf("%s is a YAML tag, which the configuration does not take; remove it, or quote the value if the ! is part of it", tagText(t)))
}

// tagText is how a message shows tag t: quoted when it is long or odd.
func tagText(t *ast.TagNode) string {
	s := t.Start.Value
	if len(s) > 40 || strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == '"' || r > '~' }) {
		return strconv.Quote(s)
	}
	return s
}

// withPath sets n's YAML path and returns it.
func withPath[N ast.Node](n N, key string) N {
	if key == "" {
		n.SetPath("$")
	} else {
		n.SetPath("$." + key)
	}
	return n
}

// The YAML library's entry points; tests replace them with ones that
// panic.
var (
	parseBytes  = parser.ParseBytes
	nodeToValue = yaml.NodeToValue
)

// recoverPanics turns a panic in the YAML library into an error; the fuzz
// tests set it false to see the panic itself.
var recoverPanics = true

// safely runs f, a call into the YAML library. The library has panicked
// on hostile input (a nil dereference decoding `addresses: !tag` before
// resolveTags caught that), and a panic while reloading would stop the
// daemon that a broken file must not stop: as a last resort a panic in f
// becomes an *Error naming the file, at the line line finds (0 when it
// finds none), and saying it is a bug to report. resolveTags is the fix;
// this is the backstop.
func (d *doc) safely(f func() error, line func() int) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if !recoverPanics {
			panic(r)
		}
		// A runtime error says what went wrong without quoting the file;
		// any other panic value might quote a password.
		what := fmt.Sprintf("a %T", r)
		if re, ok := r.(runtime.Error); ok {
			what = re.Error()
		}
		if fr := panicFrame(); fr != "" {
			what += " in " + fr
		}
		err = &Error{File: d.file, Line: line(), crash: r,
			Msg: fmt.Sprintf("the YAML library failed on this file (panic: %s); this is a bug in rekindle or the library, please report it; meanwhile rewrite the value at this line more plainly", what)}
	}()
	return f()
}

// panicFrame names the function that panicked, from inside a deferred
// recover: the first frame below the runtime's panic machinery.
func panicFrame() string {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	for {
		fr, more := frames.Next()
		if !strings.HasPrefix(fr.Function, "runtime.") && fr.Function != "" {
			return fmt.Sprintf("%s (%s:%d)", fr.Function, filepath.Base(fr.File), fr.Line)
		}
		if !more {
			return ""
		}
	}
}

// parsePanicLine finds the line at which parsing data starts to panic:
// the first line whose prefix of the document panics the parser; 0 when
// none does on its own.
func parsePanicLine(data []byte) int {
	lines := 0
	for i := 0; i <= len(data); i++ {
		if i < len(data) && data[i] != '\n' {
			continue
		}
		lines++
		if panics(func() { parseBytes(data[:i], 0) }) {
			return lines
		}
	}
	return 0
}

// decodePanicLine finds the line of the deepest value under n whose
// decoding panics on its own; 0 when none does.
func decodePanicLine(n ast.Node) int {
	var children []ast.Node
	switch v := n.(type) {
	case *ast.MappingNode:
		for _, mv := range v.Values {
			children = append(children, mv.Value)
		}
	case *ast.MappingValueNode:
		children = append(children, v.Value)
	case *ast.SequenceNode:
		children = v.Values
	case *ast.AnchorNode:
		children = append(children, v.Value)
	}
	for _, c := range children {
		if c == nil {
			continue
		}
		t := typeAt(trimPath(c.GetPath()))
		if t == nil {
			continue
		}
		if panics(func() { nodeToValue(c, reflect.New(t).Interface()) }) {
			if l := decodePanicLine(c); l > 0 {
				return l
			}
			if tk := c.GetToken(); tk != nil {
				return tk.Position.Line
			}
		}
	}
	return 0
}

// panics reports whether f panics.
func panics(f func()) (panicked bool) {
	defer func() {
		if recover() != nil {
			panicked = true
		}
	}()
	f()
	return false
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
