// Package lsp is keyguard's language server: inline diagnostics for
// hardcoded AI-provider keys, .env hygiene and live key checks, hover, quick
// fixes that move a key into an environment variable, and workspace
// commands. It speaks LSP over any byte stream (stdio in `keyguard lsp`,
// pipes in tests) with go.lsp.dev/jsonrpc2.
//
// Concurrency: jsonrpc2's conn reads messages one by one and calls the
// handler for each in order. Every handler runs under Server.mu (the one
// lock) and returns quickly; code actions take the lock themselves around
// everything but reading files, which is never done under the lock (buf's
// one-lock model). Anything that waits on the network or on the client
// (probes, workspace scans, workspace/configuration pulls, progress
// creation) runs in its own goroutine, because a handler that waited on a
// client answer would block the very reader that has to deliver it.
package lsp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	sjson "github.com/segmentio/encoding/json"
	"go.lsp.dev/jsonrpc2"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
)

// Options configure a Server.
type Options struct {
	// Log receives structured logs (stderr in `keyguard lsp`); nil discards.
	Log io.Writer
	// LogLevel filters both Log and window/logMessage.
	LogLevel slog.Level
	// Debounce is the pause after the last edit before a document is
	// rescanned; 0 means 50 ms.
	Debounce time.Duration
	// Detector finds keys; nil means diagnostics.Default.
	Detector *diagnostics.Detector
	// Version is reported in serverInfo.
	Version string
	// ProberConfig is the base of the prober's configuration; settings
	// (endpoints, allowed hosts, TTL) are applied on top. Tests set
	// Transport or the clock here.
	ProberConfig envscan.ProberConfig
}

// DefaultDebounce is the pause between the last keystroke and a rescan.
const DefaultDebounce = 50 * time.Millisecond

// Server is one language-server session.
type Server struct {
	opts Options
	det  *diagnostics.Detector
	log  *slog.Logger

	conn jsonrpc2.Conn
	// bg is cancelled when the session ends; goroutines started by
	// handlers (probes, scans, debounce timers) watch it.
	bg       context.Context
	bgCancel context.CancelFunc
	wg       sync.WaitGroup

	mu          sync.Mutex // the one lock: everything below
	state       sessionState
	exitCode    int
	utf8        bool // negotiated position encoding is utf-8 (else utf-16)
	caps        ClientCapabilities
	folders     []WorkspaceFolder
	cfg         Settings
	initOptions json.RawMessage
	docs        map[string]*document
	prober      *envscan.Prober
	autoProbes  *envscan.AutoProbeLimiter // caps probes on open/save
	republish   map[*document]bool        // a verdict republish is pending (probe.go)
	keysMemo    map[*document]keysMemo    // envKeys of a text not scanned yet (probe.go)
	// verdicts holds the last probe result per key fingerprint, for
	// diagnostics and hover (the prober's cache expires; the last word
	// stays until a new probe replaces it).
	verdicts map[string]envscan.Result
	// scanned are unopened files the workspace scan published diagnostics
	// for, so that a later scan can clear them.
	scanned map[string]bool
	// progress maps work-done tokens (as JSON) to the cancel function of
	// the work, for window/workDoneProgress/cancel.
	progress map[string]context.CancelFunc
	// requests maps in-flight async request ids to their cancel function,
	// for $/cancelRequest.
	requests map[string]context.CancelFunc
	// told holds the warnings already shown (tellOnce).
	told map[string]bool
	// histories index each workspace root's git history (history.go).
	histories map[string]*historyIndex
	// envs are the unopened .env files with published diagnostics
	// (envfiles.go).
	envs   envFiles
	exited chan struct{}

	// historyRepos caches the repository holding each root (histories
	// are by repository); historySlot lets one history scan run at a time.
	historyRepos map[string]string
	historySlot  chan struct{}
}

type sessionState int

const (
	stateNew sessionState = iota
	stateInitialized
	stateShutdown
	stateExited
)

// New builds a server; Serve runs it.
func New(opts Options) *Server {
	if opts.Debounce <= 0 {
		opts.Debounce = DefaultDebounce
	}
	det := opts.Detector
	if det == nil {
		det = diagnostics.Default
	}
	s := &Server{
		opts:     opts,
		det:      det,
		docs:     map[string]*document{},
		verdicts: map[string]envscan.Result{},
		scanned:  map[string]bool{},
		progress: map[string]context.CancelFunc{},
		requests: map[string]context.CancelFunc{},
		told:     map[string]bool{},
		exited:   make(chan struct{}),
		cfg:      DefaultSettings(),
	}
	s.log = newLogger(s, opts.Log, opts.LogLevel)
	s.prober = envscan.NewProber(s.proberConfig())
	s.autoProbes = envscan.NewAutoProbeLimiter(0, 0, nil)
	s.republish, s.keysMemo = map[*document]bool{}, map[*document]keysMemo{}
	return s
}

// Serve runs the session over r/w until the client sends exit or the input
// ends. It returns the process exit code LSP asks for: 0 after
// shutdown+exit, 1 when exit comes without shutdown or the input ends
// before it.
func (s *Server) Serve(ctx context.Context, r io.Reader, w io.Writer) int {
	var closer io.Closer
	if c, ok := r.(io.Closer); ok {
		closer = c
	}
	stream := newTolerantStream(r, w, closer, func(reason string) {
		s.log.Warn("skipped a malformed message", "reason", reason)
	})
	s.bg, s.bgCancel = context.WithCancel(ctx)
	defer s.bgCancel()
	s.conn = jsonrpc2.NewConn(stream)
	s.conn.Go(s.bg, s.handle)
	select {
	case <-s.conn.Done():
	case <-s.exited:
	case <-ctx.Done():
	}
	s.bgCancel()
	s.mu.Lock()
	for _, d := range s.docs {
		d.stopTimer()
	}
	code := 1
	if s.state == stateExited || s.state == stateShutdown {
		code = s.exitCode
	}
	s.mu.Unlock()
	// Background work was cancelled; give it a moment to finish cleanly,
	// but never let it hold the process: after exit the client expects
	// the server to go, whatever a probe, a git process or a scan of a
	// hostile workspace is still doing.
	waited := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(waited)
	}()
	select {
	case <-waited:
	case <-time.After(exitGrace):
		s.log.Warn("exiting with background work still running", "grace", exitGrace.String())
	}
	_ = s.conn.Close()
	return code
}

// exitGrace bounds how long Serve waits for background work after the
// session ends.
const exitGrace = time.Second

// handlerFunc answers one request or notification. It runs under s.mu.
type handlerFunc func(s *Server, ctx context.Context, params json.RawMessage) (any, error)

// asyncHandlerFunc answers a request from its own goroutine, without
// s.mu held; it replies itself through reply.
type asyncHandlerFunc func(s *Server, ctx context.Context, id string, params json.RawMessage) (any, error)

// handlers is the method table. Methods absent here get MethodNotFound
// (requests) or are ignored (notifications), see nyi.go.
var handlers = map[string]handlerFunc{
	"initialize":                          (*Server).initialize,
	"initialized":                         (*Server).initialized,
	"shutdown":                            (*Server).shutdown,
	"exit":                                (*Server).exit,
	"textDocument/didOpen":                (*Server).didOpen,
	"textDocument/didChange":              (*Server).didChange,
	"textDocument/didClose":               (*Server).didClose,
	"textDocument/didSave":                (*Server).didSave,
	"textDocument/hover":                  (*Server).hover,
	"workspace/didChangeConfiguration":    (*Server).didChangeConfiguration,
	"workspace/didChangeWorkspaceFolders": (*Server).didChangeWorkspaceFolders,
	"workspace/didChangeWatchedFiles":     (*Server).didChangeWatchedFiles,
	"window/workDoneProgress/cancel":      (*Server).workDoneProgressCancel,
	"$/cancelRequest":                     (*Server).cancelRequest,
	"$/setTrace":                          func(*Server, context.Context, json.RawMessage) (any, error) { return nil, nil },
}

// unlockedHandlers run in order on the reader goroutine like handlers, but
// take s.mu themselves, around the parts that touch the session: they read
// a fix's side files, and nothing is ever read from disk with the lock
// held (a slow disk would freeze every other handler; safefile already
// keeps a hostile workspace's FIFO from blocking the read itself).
var unlockedHandlers = map[string]handlerFunc{
	"textDocument/codeAction": (*Server).codeAction,
	"codeAction/resolve":      (*Server).codeActionResolve,
}

var asyncHandlers = map[string]asyncHandlerFunc{
	"workspace/executeCommand": (*Server).executeCommand,
}

// handle is the jsonrpc2 handler. It never returns an error: in jsonrpc2
// v0.10.0 a handler error closes the connection, so errors go to the client
// in the reply and the session goes on. Even a failed reply (the client
// went away mid-write) is only logged: conn stores the handler's error in
// an atomic.Value, and a later read error of another type stored there
// panics ("store of inconsistently typed value").
func (s *Server) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	if err := s.dispatch(ctx, reply, req); err != nil {
		s.log.Debug("reply failed", "method", req.Method(), "err", err.Error())
	}
	return nil
}

func (s *Server) dispatch(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) (err error) {
	method := req.Method()
	_, isCall := req.(*jsonrpc2.Call)
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("handler panicked", "method", method, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			_ = reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.InternalError, "keyguard: internal error in %s: %v", method, p))
			err = nil
		}
	}()
	if h, ok := asyncHandlers[method]; ok {
		if rerr := s.checkState(method); rerr != nil {
			return reply(ctx, nil, rerr)
		}
		id := ""
		if c, ok := req.(*jsonrpc2.Call); ok {
			id = fmt.Sprint(c.ID())
		}
		rctx, cancel := context.WithCancel(s.bg)
		s.mu.Lock()
		if id != "" {
			s.requests[id] = cancel
		}
		s.mu.Unlock()
		params := append(json.RawMessage(nil), req.Params()...)
		s.goSafe("request "+method, func() {
			defer cancel()
			defer func() {
				s.mu.Lock()
				delete(s.requests, id)
				s.mu.Unlock()
			}()
			var res any
			var herr error
			func() {
				defer func() {
					if p := recover(); p != nil {
						s.log.Error("handler panicked", "method", method, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
						herr = jsonrpc2.Errorf(jsonrpc2.InternalError, "keyguard: internal error in %s: %v", method, p)
					}
				}()
				res, herr = h(s, rctx, id, params)
			}()
			if errors.Is(herr, context.Canceled) {
				herr = jsonrpc2.Errorf(requestCancelled, "request cancelled")
			}
			if rerr := reply(s.bg, res, herr); rerr != nil {
				s.log.Debug("reply failed", "method", method, "err", rerr.Error())
			}
		})
		return nil
	}
	h, ok := handlers[method]
	unlocked := false
	if !ok {
		h, unlocked = unlockedHandlers[method]
		if !unlocked {
			return s.notImplemented(ctx, reply, req, isCall)
		}
	}
	if rerr := s.checkState(method); rerr != nil {
		if !isCall {
			s.log.Debug("dropped notification", "method", method, "reason", rerr.Error())
			return nil
		}
		return reply(ctx, nil, rerr)
	}
	start := time.Now()
	if n, ok := req.(*notification); ok && !n.received.IsZero() {
		ctx = context.WithValue(ctx, receivedKey{}, n.received)
	}
	var res any
	var herr error
	if unlocked {
		res, herr = h(s, ctx, req.Params())
	} else {
		func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			res, herr = h(s, ctx, req.Params())
		}()
	}
	s.log.Debug("handled", "method", method, "ms", time.Since(start).Milliseconds())
	if herr != nil && !isCall {
		s.log.Warn("notification failed", "method", method, "err", herr.Error())
	}
	return reply(ctx, res, herr)
}

// LSP error codes not in jsonrpc2 v0.10.0.
const (
	serverNotInitialized jsonrpc2.Code = -32002
	requestCancelled     jsonrpc2.Code = -32800
)

// checkState enforces the lifecycle: nothing but initialize before it,
// nothing but exit after shutdown.
func (s *Server) checkState(method string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.state {
	case stateNew:
		if method != "initialize" && method != "exit" {
			return jsonrpc2.Errorf(serverNotInitialized, "server not initialized")
		}
	case stateInitialized:
		if method == "initialize" {
			return jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "initialize sent twice")
		}
	case stateShutdown, stateExited:
		if method != "exit" {
			return jsonrpc2.Errorf(jsonrpc2.InvalidRequest, "server is shutting down")
		}
	}
	return nil
}

// goSafe runs fn in a goroutine that the session waits for and that cannot
// take the process down with a panic.
func (s *Server) goSafe(what string, fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() {
			if p := recover(); p != nil {
				s.log.Error("background task panicked", "task", what, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			}
		}()
		fn()
	}()
}

// notify sends a notification; failures (a closed pipe) are logged at
// debug level only, since the session is ending anyway.
func (s *Server) notify(method string, params any) {
	if s.conn == nil {
		return
	}
	if err := s.conn.Notify(s.bg, method, params); err != nil {
		s.log.Debug("notify failed", "method", method, "err", err.Error())
	}
}

// call sends a request to the client and decodes its answer into result.
// It must not run on the reader (handler) goroutine.
func (s *Server) call(ctx context.Context, method string, params, result any) error {
	if s.conn == nil {
		return errors.New("no connection")
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := s.conn.Call(ctx, method, params, result)
	return err
}

// receivedKey holds, in a handler's context, when its notification began
// to arrive.
type receivedKey struct{}

// sinceReceived is how long ago the handler's notification began to
// arrive; 0 when not known.
func sinceReceived(ctx context.Context) time.Duration {
	if t, ok := ctx.Value(receivedKey{}).(time.Time); ok {
		return time.Since(t)
	}
	return 0
}

func unmarshalParams(raw json.RawMessage, v any) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	// segmentio's decoder (jsonrpc2's own), faster than encoding/json;
	// the params that carry a whole document go through textparams.go.
	if err := sjson.Unmarshal(raw, v); err != nil {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "invalid params: %v", err)
	}
	return nil
}
