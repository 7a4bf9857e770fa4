// Command rekindle keeps your real relationships warm: it reads the headers
// of your mail over IMAP, learns who you actually correspond with and how
// often, and each morning emails you the few people worth reconnecting with,
// each with a drafted message.
//
// Run "rekindle help" for the commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"
	"syscall"
)

func main() {
	// rekindle's live heap is small (a few batches of headers, a map of
	// people) but it allocates fast while it parses: collect at 3x the
	// live heap rather than 2x, and let a soft limit make the collector
	// work harder before the heap outgrows what a small daemon should hold.
	// A first sync of 50,000 messages peaks under 60 MB of RSS.
	debug.SetGCPercent(200)
	debug.SetMemoryLimit(40 << 20)

	// Signals are handled here and only here: the commands take a context
	// and a reload channel, so tests run them whole. SIGHUP asks "run" to
	// reload; several in a row coalesce into one reload.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	reload := make(chan struct{}, 1)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	// REKINDLE_CPUPROFILE=file writes a CPU profile of the command, for
	// finding where a slow sync spends its time (see the README's
	// benchmarks).
	var profile *os.File
	if path := os.Getenv("REKINDLE_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "rekindle: REKINDLE_CPUPROFILE: %v\n", err)
			os.Exit(1)
		}
		profile = f
	}
	code := mainWith(ctx, reload, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if profile != nil {
		pprof.StopCPUProfile()
		profile.Close()
	}
	os.Exit(code)
}
