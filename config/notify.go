package config

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// Notify is one place a short push goes after each digest: an ntfy topic,
// or a webhook that receives the digest's JSON. Exactly one of Ntfy and
// Webhook is set.
type Notify struct {
	// Ntfy is an ntfy topic URL (https://ntfy.sh/jane-rekindle-7f3a, or a
	// self-hosted server's): a push "3 people to reconnect with today:
	// Marcus, Sarah, Lukas" whose click opens Click.
	Ntfy string `yaml:"ntfy,omitempty" json:"ntfy,omitempty"`
	// Webhook is a URL that gets the digest's JSON (as rekindle digest
	// --json prints it) in a POST.
	Webhook string `yaml:"webhook,omitempty" json:"webhook,omitempty"`
	// Headers are sent with each request (Authorization: "Bearer ...").
	// A value is written inline, or read from a secret source:
	// {password_command: "pass show ntfy"} and the like.
	Headers map[string]HeaderValue `yaml:"headers,omitempty" json:"headers,omitempty"`
	// Click is what tapping an ntfy push opens; default mailto: of
	// digest.to, which opens the mail app. Not used by webhooks.
	Click string `yaml:"click,omitempty" json:"click,omitempty"`
}

// HeaderValue is a header's value: inline, or from a secret source. It
// prints as "<secret>" in every format, like a password.
type HeaderValue struct {
	SecretSource `yaml:",inline"`
}

// UnmarshalYAML reads a string as the value itself, and a mapping as a
// secret source (password, password_file, password_command or
// password_env).
func (h *HeaderValue) UnmarshalYAML(n ast.Node) error {
	switch v := n.(type) {
	case *ast.StringNode, *ast.LiteralNode, *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
		var s Secret
		if err := s.UnmarshalYAML(v); err != nil {
			return err
		}
		*h = HeaderValue{SecretSource{Password: s}}
		return nil
	case *ast.MappingNode, *ast.MappingValueNode:
		var src SecretSource
		if err := yaml.NodeToValue(n, &src, yaml.DisallowUnknownField()); err != nil {
			msg, _, _ := strings.Cut(err.Error(), "\n")
			if i := strings.Index(msg, "] "); strings.HasPrefix(msg, "[") && i > 0 {
				msg = msg[i+2:]
			}
			return &nodeError{node: n, msg: msg + "; write a value, or one of password, password_file, password_command, password_env"}
		}
		*h = HeaderValue{src}
		return nil
	}
	return &nodeError{node: n, msg: "expected a header value, or {password_command: ...} and the like"}
}

// Resolve returns the header's value; a command is bounded by
// timeouts.secret_command.
func (h *HeaderValue) Resolve(ctx context.Context, who string) (string, error) {
	return h.SecretSource.resolve(ctx, who, "")
}

func (c *checker) notify(cfg *Config) error {
	d := cfg.Timeouts.SecretCommand.Std()
	for i := range cfg.Notify {
		n := &cfg.Notify[i]
		key := fmt.Sprintf("notify[%d]", i)
		n.Ntfy, n.Webhook, n.Click = strings.TrimSpace(n.Ntfy), strings.TrimSpace(n.Webhook), strings.TrimSpace(n.Click)
		switch {
		case n.Ntfy == "" && n.Webhook == "":
			return c.errorf(key, "empty: write ntfy: https://ntfy.sh/TOPIC or webhook: https://...")
		case n.Ntfy != "" && n.Webhook != "":
			return c.errorf(key, "both ntfy and webhook: write each as its own entry")
		}
		for _, u := range []struct{ name, v string }{{"ntfy", n.Ntfy}, {"webhook", n.Webhook}} {
			if u.v == "" {
				continue
			}
			p, err := url.Parse(u.v)
			if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
				return c.errorf(key+"."+u.name, "%q is not an http or https URL", u.v)
			}
			if p.Scheme == "http" && !isLoopback(p.Hostname()) {
				return c.errorf(key+"."+u.name, "%q would send your digest in clear: use https", u.v)
			}
			if u.name == "ntfy" && strings.Trim(p.Path, "/") == "" {
				return c.errorf(key+".ntfy", "%q has no topic: write https://ntfy.sh/TOPIC", u.v)
			}
		}
		if n.Click != "" && n.Webhook != "" {
			return c.errorf(key+".click", "only ntfy pushes have a click; remove it")
		}
		for _, name := range slices.Sorted(func(yield func(string) bool) {
			for k := range n.Headers {
				if !yield(k) {
					return
				}
			}
		}) {
			hk := key + ".headers." + name
			if name == "" || strings.ContainsAny(name, " :\r\n") || http.CanonicalHeaderKey(name) == "" {
				return c.errorf(hk, "%q is not a header name", name)
			}
			h := n.Headers[name]
			if len(h.setKeys()) != 1 {
				return c.errorf(hk, "write a value, or exactly one of password, password_file, password_command, password_env")
			}
			h.PasswordFile = strings.TrimSpace(h.PasswordFile)
			var err error
			if h.PasswordFile, err = c.path(hk+".password_file", h.PasswordFile); err != nil {
				return err
			}
			h.getenv, h.key, h.timeout = c.custom, hk, d
			n.Headers[name] = h
		}
	}
	return nil
}
