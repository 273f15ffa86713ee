package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	"github.com/reocell/celltherapy/server"
)

// serverCommand runs one of the reference server's commands (serve, token,
// audit) with the process's environment for the CELLTHERAPY_* settings.
func serverCommand(name string) func(*cli, context.Context, []string) int {
	return func(c *cli, ctx context.Context, args []string) int {
		if name == "serve" {
			var stop context.CancelFunc
			ctx, stop = signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
		}
		err := server.Run(ctx, append([]string{name}, args...), c.getenv, c.stdout, c.stderr)
		switch {
		case errors.Is(err, server.ErrUsage):
			return exitBadUsed
		case err != nil:
			c.errorf("%s: %v", name, err)
			return exitFailed
		}
		return exitOK
	}
}
