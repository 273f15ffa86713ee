// Command server is celltherapy's reference HTTP server: decisions made
// with the clinic's rules, each recorded in a hash-chained audit log before
// it is answered, behind bearer-token authentication.
//
//	go run ./examples/server                          # serve on 127.0.0.1:8080
//	go run ./examples/server token --role doctor      # a development token
//	go run ./examples/server audit verify             # check the audit chain
//
// Run it with --help for every setting.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/reocell/celltherapy/examples/server/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, app.ErrUsage):
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}
