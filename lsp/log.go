package lsp

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"

	"github.com/keyguard/keyguard/diagnostics"
)

// logHandler writes structured records to a writer (stderr) as text and
// mirrors them to the client as window/logMessage. Every line passes
// through scrub first: code never logs a key on purpose, and scrub makes
// sure an error string that happens to quote one (a URL, a parse error)
// still shows it masked.
type logHandler struct {
	s     *Server
	level slog.Level
	mu    *sync.Mutex
	w     io.Writer
	attrs []slog.Attr
	group string
}

func newLogger(s *Server, w io.Writer, level slog.Level) *slog.Logger {
	if w == nil {
		w = io.Discard
	}
	return slog.New(&logHandler{s: s, level: level, mu: &sync.Mutex{}, w: w})
}

func (h *logHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	var buf bytes.Buffer
	th := slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: h.level})
	var hh slog.Handler = th
	if len(h.attrs) > 0 {
		hh = hh.WithAttrs(h.attrs)
	}
	if h.group != "" {
		hh = hh.WithGroup(h.group)
	}
	if err := hh.Handle(context.Background(), r); err != nil {
		return err
	}
	line := scrub(buf.Bytes())
	h.mu.Lock()
	_, err := h.w.Write(line)
	h.mu.Unlock()

	// The client's log gets the same line, without the time prefix noise.
	var typ int
	switch {
	case r.Level >= slog.LevelError:
		typ = 1
	case r.Level >= slog.LevelWarn:
		typ = 2
	case r.Level >= slog.LevelInfo:
		typ = 3
	default:
		typ = 4
	}
	if c := h.s.conn; c != nil && h.s.bg != nil {
		// Straight to the conn: Server.notify logs its failures, which
		// would come back here.
		_ = c.Notify(h.s.bg, "window/logMessage", LogMessageParams{Type: typ, Message: string(bytes.TrimSpace(line))})
	}
	return err
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	return &n
}

func (h *logHandler) WithGroup(name string) slog.Handler {
	n := *h
	n.group = name
	return &n
}

// scrub masks anything the detector recognises as a key.
func scrub(line []byte) []byte {
	fs := diagnostics.Default.Scan("", line)
	if len(fs) == 0 {
		return line
	}
	var out []byte
	last := 0
	for _, f := range fs {
		if f.Start < last {
			continue
		}
		out = append(out, line[last:f.Start]...)
		out = append(out, diagnostics.Mask(string(line[f.Start:f.End]))...)
		last = f.End
	}
	return append(out, line[last:]...)
}
