package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/keyguard/keyguard/lsp"
)

// lspStdin is the server's input; tests replace it.
var lspStdin io.Reader = os.Stdin

// runLSP runs the language server over stdio. `--stdio` is accepted (and
// implied) because editors' LSP clients pass it by convention.
func runLSP(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lsp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Bool("stdio", true, "talk LSP over stdin/stdout (the only transport)")
	level := fs.String("log-level", "info", "log level on stderr and window/logMessage: debug, info, warn, error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "keyguard lsp: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		fmt.Fprintf(stderr, "keyguard lsp: bad --log-level %q: %v\n", *level, err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := lsp.New(lsp.Options{Log: stderr, LogLevel: lv, Version: version})
	return srv.Serve(ctx, lspStdin, stdout)
}
