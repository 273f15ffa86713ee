package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
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
		err := server.Run(ctx, programName(os.Args[0]), append([]string{name}, args...), c.getenv, c.stdout, c.stderr)
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

// programName is how the user started this program, for the hints the
// server prints: "go run ./cmd/celltherapy" when go run built it (its
// binary then lives in a go-build directory under the temporary
// directory), else argv0 as given ("celltherapy", "./celltherapy").
func programName(argv0 string) string {
	if strings.Contains(filepath.ToSlash(argv0), "/go-build") {
		return "go run ./cmd/celltherapy"
	}
	return argv0
}
