package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// TestReloadHostileConfig: a SIGHUP with a YAML tag where a list belongs
// (which crashed the YAML library, and with it the daemon, exiting 2) is
// logged with the file and line, and the daemon keeps running on the
// configuration it had; a good file is taken afterwards (issue 10).
func TestReloadHostileConfig(t *testing.T) {
	_, cfg := setup(t)
	good, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ns := listenNotify(t)
	logs := &syncBuf{}
	reload := make(chan struct{}, 1)
	e := daemonEnv(cfg, ns, logs, reload)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- runDaemon(ctx, e) }()
	waitFor(t, "READY=1", 10*time.Second, func() bool { return strings.Contains(ns.all(), "READY=1") })

	rest := strings.Replace(string(good), "  addresses: [jane@example.com]\n", "", 1)
	for _, tt := range []struct{ name, yaml, want string }{
		{"me.addresses", strings.Replace(string(good), "addresses: [jane@example.com]", "addresses: !tag", 1),
			cfg + ":3: me.addresses: !tag is a YAML tag"},
		{"ignore", string(good) + "ignore: !tag\nlog: {level: info}\n",
			fmt.Sprintf("%s:%d: ignore: !tag is a YAML tag", cfg, strings.Count(string(good), "\n")+1)},
		{"me.target_companies", strings.Replace(rest, "me:\n", "me:\n  target_companies: !tag\n  addresses: [jane@example.com]\n", 1),
			cfg + ":2: me.target_companies: !tag is a YAML tag"},
	} {
		if err := os.WriteFile(cfg, []byte(tt.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		reload <- struct{}{}
		waitFor(t, tt.name+": the failed reload in the log", 10*time.Second, func() bool { return strings.Contains(logs.String(), tt.want) })
		if l := lineWith(logs.String(), tt.want); !strings.Contains(l, "reload failed; keeping the previous configuration") {
			t.Errorf("%s: logged as %s", tt.name, l)
		}
		select {
		case err := <-done:
			t.Fatalf("%s: the daemon stopped after a bad reload: %v\n%s", tt.name, err, logs.String())
		default:
		}
	}

	// The old configuration still runs, and a good file is taken.
	if err := os.WriteFile(cfg, good, 0o600); err != nil {
		t.Fatal(err)
	}
	before := strings.Count(logs.String(), "configuration reloaded")
	reload <- struct{}{}
	waitFor(t, "the good reload", 10*time.Second, func() bool { return strings.Count(logs.String(), "configuration reloaded") > before })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run returned %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the daemon did not stop within 15 s")
	}
}
