// Command rekindle keeps your real relationships warm: it reads the headers
// of your mail over IMAP, learns who you actually correspond with and how
// often, and each morning emails you the few people worth reconnecting with,
// each with a drafted message.
//
// Run "rekindle help" for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// Signals are handled here and only here: the commands take a context,
	// so tests run them whole.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
