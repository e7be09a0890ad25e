// Package lsptest drives a keyguard language server the way an editor
// does, for tests: a workspace written from a txtar archive, a client
// connected to the server over in-memory pipes, and a small expectation
// DSL in the style of gopls' integration tests:
//
//	env := lsptest.New(t, `
//	-- app.py --
//	key = "{{openai}}"
//	`)
//	env.Initialize()
//	env.Open("app.py")
//	env.Await(lsptest.Diagnostics("app.py", lsptest.Code("hardcoded-key")))
//
// Archive files are templates: {{openai}}, {{anthropic}} and the other
// names in Keys become made-up keys of that provider's format, so that no
// test source holds a key-shaped literal.
//
// The client answers what the server asks (workspace/configuration,
// window/workDoneProgress/create, workspace/applyEdit), records every
// notification, and keeps everything the server wrote so that a test can
// look for leaked keys.
package lsptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf16"

	"go.lsp.dev/jsonrpc2"
	"golang.org/x/tools/txtar"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/lsp"
)

// Keys are made-up keys by template name. Each is built from pieces so
// that this file is not itself a finding, and each is found by the
// detector (a test in this package checks that).
var Keys = map[string]string{
	"openai":    "sk-proj-" + strings.Repeat("Ab3dEf6hIj9k", 6) + "T3Blbk" + "FJ" + strings.Repeat("mN2oP5qR8sT1", 6),
	"openai2":   "sk-proj-" + strings.Repeat("Zy9xWv6uTs3r", 6) + "T3Blbk" + "FJ" + strings.Repeat("qP0oN7mL4kJ1", 6),
	"anthropic": "sk-ant-" + "api03-" + strings.Repeat("Q1w2E3r4T5y6", 7) + "Ab1-cD2_eF3gAA",
	"groq":      "gsk_" + strings.Repeat("Zx8Cv7Bn6M", 4) + "a1B2c3D4e5F6",
}

// Key returns the template key name, failing the test for an unknown one.
func Key(name string) string {
	k, ok := Keys[name]
	if !ok {
		panic("lsptest: no key named " + name)
	}
	return k
}

// Expand replaces {{name}} with Keys[name].
func Expand(s string) string {
	for name, k := range Keys {
		s = strings.ReplaceAll(s, "{{"+name+"}}", k)
	}
	return s
}

// Timeout bounds every wait; generous because CI machines are slow and a
// wait that succeeds returns as soon as its condition holds.
var Timeout = 20 * time.Second

// Env is one editor session against one server.
type Env struct {
	T   testing.TB
	Dir string // the workspace root on disk

	server  *lsp.Server
	conn    jsonrpc2.Conn
	ctx     context.Context
	cancel  context.CancelFunc
	exit    chan int
	wrote   *syncBuffer // every byte the server wrote to its output
	logs    *syncBuffer // the server's stderr log
	initOpt any
	caps    map[string]any
	command []string  // run this process instead of an in-process server
	raw     io.Writer // the server's input, for WriteRaw
	gitInit bool
	pid     int

	mu       sync.Mutex
	changed  chan struct{} // closed and replaced on every state change
	versions map[string]int32
	texts    map[string]string // open documents' text, by path
	st       State
}

// State is what the client has seen; expectations look at it.
type State struct {
	// Diagnostics is the latest publication per file path (or URI for
	// non-file documents).
	Diagnostics map[string]lsp.PublishDiagnosticsParams
	// Publications counts publishDiagnostics per path.
	Publications map[string]int
	// Progress is every $/progress value by token, in order.
	Progress map[string][]lsp.WorkDoneProgress
	// Logs are window/logMessage messages.
	Logs []string
	// ShowMessages are window/showMessage messages.
	ShowMessages []string
	// ProbeResults are keyguard/probeResult notifications.
	ProbeResults []lsp.ProbeResultParams
	// ConfigurationRequests counts workspace/configuration requests.
	ConfigurationRequests int
	// Registrations are client/registerCapability registrations as sent
	// (method and registerOptions).
	Registrations []Registration
}

// Registration is one dynamic registration the server asked for.
type Registration struct {
	ID              string          `json:"id"`
	Method          string          `json:"method"`
	RegisterOptions json.RawMessage `json:"registerOptions"`
}

// Option configures New.
type Option func(*Env, *lsp.Options)

// WithInitializationOptions sets initialize's initializationOptions.
func WithInitializationOptions(v any) Option {
	return func(e *Env, _ *lsp.Options) { e.initOpt = v }
}

// WithCapabilities replaces the client capabilities (default: a modern
// client with documentChanges, resource operations, codeAction data,
// work-done progress and configuration).
func WithCapabilities(caps map[string]any) Option {
	return func(e *Env, _ *lsp.Options) { e.caps = caps }
}

// WithCommand runs the server as a process (argv) over its stdin and
// stdout instead of in-process; its stderr is the log.
func WithCommand(argv ...string) Option {
	return func(e *Env, _ *lsp.Options) { e.command = argv }
}

// GitInit makes the workspace a git repository (before its files are
// written), for checks that ask git whether .env is ignored or tracked.
func GitInit() Option {
	return func(e *Env, _ *lsp.Options) { e.gitInit = true }
}

// WithServerOptions edits the server's options.
func WithServerOptions(f func(*lsp.Options)) Option {
	return func(_ *Env, o *lsp.Options) { f(o) }
}

// ModernCapabilities are VS Code-like client capabilities.
func ModernCapabilities() map[string]any {
	return map[string]any{
		"workspace": map[string]any{
			"workspaceEdit":    map[string]any{"documentChanges": true, "resourceOperations": []string{"create", "rename", "delete"}},
			"configuration":    true,
			"workspaceFolders": true,
		},
		"textDocument": map[string]any{
			"codeAction": map[string]any{
				"codeActionLiteralSupport": map[string]any{"codeActionKind": map[string]any{"valueSet": []string{"quickfix"}}},
				"dataSupport":              true,
				"resolveSupport":           map[string]any{"properties": []string{"edit"}},
			},
		},
		"window": map[string]any{"workDoneProgress": true},
	}
}

// New writes the archive (a txtar, expanded with Expand) into a temporary
// workspace and starts a server connected to a client over pipes. The
// session is torn down when the test ends.
func New(t testing.TB, archive string, opts ...Option) *Env {
	t.Helper()
	e := &Env{
		T:        t,
		Dir:      t.TempDir(),
		exit:     make(chan int, 1),
		wrote:    &syncBuffer{},
		logs:     &syncBuffer{},
		caps:     ModernCapabilities(),
		changed:  make(chan struct{}),
		versions: map[string]int32{},
		texts:    map[string]string{},
		st: State{
			Diagnostics:  map[string]lsp.PublishDiagnosticsParams{},
			Publications: map[string]int{},
			Progress:     map[string][]lsp.WorkDoneProgress{},
		},
	}
	// Resolve symlinks (macOS /var → /private/var) so that paths the
	// server reports match ours.
	if d, err := filepath.EvalSymlinks(e.Dir); err == nil {
		e.Dir = d
	}
	so := lsp.Options{Log: e.logs, Version: "test"}
	so.ProberConfig.Transport = loopbackOnly{}
	for _, o := range opts {
		o(e, &so)
	}
	if e.gitInit {
		if out, err := exec.Command("git", "init", "-q", e.Dir).CombinedOutput(); err != nil {
			t.Fatalf("git init: %v\n%s", err, out)
		}
	}
	WriteArchive(t, e.Dir, archive)
	// toServer is the server's stdin, toClient its stdout.
	toServer, toClient := newBufPipe(), newBufPipe()
	e.raw = toServer
	e.ctx, e.cancel = context.WithCancel(context.Background())
	if len(e.command) > 0 {
		cmd := exec.Command(e.command[0], e.command[1:]...)
		cmd.Dir = e.Dir
		// A pipe of our own: with cmd.Stdin set to a reader, Wait would
		// wait for the copy from it, which ends only when the test closes
		// its side, not when the server exits.
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		go func() {
			_, _ = io.Copy(stdin, toServer)
			_ = stdin.Close()
		}()
		cmd.Stdout = io.MultiWriter(toClient, e.wrote)
		cmd.Stderr = e.logs
		if err := cmd.Start(); err != nil {
			t.Fatalf("start %v: %v", e.command, err)
		}
		e.pid = cmd.Process.Pid
		go func() {
			err := cmd.Wait()
			_ = toClient.Close()
			code := cmd.ProcessState.ExitCode()
			if err != nil && code == 0 {
				code = -1
			}
			e.exit <- code
		}()
	} else {
		e.server = lsp.New(so)
		go func() {
			code := e.server.Serve(e.ctx, toServer, io.MultiWriter(toClient, e.wrote))
			_ = toClient.Close()
			e.exit <- code
		}()
	}
	e.conn = jsonrpc2.NewConn(jsonrpc2.NewStream(&pipeRWC{r: toClient, w: toServer}))
	e.conn.Go(e.ctx, e.handle)
	t.Cleanup(func() {
		e.cancel()
		_ = toServer.Close()
		_ = e.conn.Close()
		select {
		case <-e.exit:
		case <-time.After(5 * time.Second):
			t.Errorf("lsptest: server did not stop within 5s of the session's end")
		}
		if t.Failed() {
			t.Logf("server log:\n%s", e.logs.String())
		}
	})
	return e
}

// WriteArchive writes a txtar archive (expanded) under dir.
func WriteArchive(t testing.TB, dir, archive string) {
	t.Helper()
	ar := txtar.Parse([]byte(Expand(archive)))
	for _, f := range ar.Files {
		p := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// WriteRaw writes bytes straight into the server's input, between the
// client's own messages: broken frames, garbage, half messages.
func (e *Env) WriteRaw(b []byte) {
	e.T.Helper()
	if _, err := e.raw.Write(b); err != nil {
		e.T.Fatal(err)
	}
}

// PID is the server process's id (WithCommand), else 0.
func (e *Env) PID() int { return e.pid }

// Wrote is everything the server has written to its output so far.
func (e *Env) Wrote() string { return e.wrote.String() }

// Log is the server's stderr log so far.
func (e *Env) Log() string { return e.logs.String() }

// Path is the absolute path of a workspace-relative file.
func (e *Env) Path(rel string) string { return filepath.Join(e.Dir, filepath.FromSlash(rel)) }

// URI is the file: URI of a workspace-relative file.
func (e *Env) URI(rel string) string { return "file://" + filepath.ToSlash(e.Path(rel)) }

// uriOf is the URI of a workspace-relative path, or rel itself when it is
// already a URI of another scheme (untitled:, vscode-notebook-cell:), as
// State names those.
func (e *Env) uriOf(rel string) string {
	if i := strings.IndexByte(rel, ':'); i > 1 && !strings.ContainsAny(rel[:i], "/\\") {
		return rel
	}
	return e.URI(rel)
}

// keyOf names a URI in State: the workspace-relative path for files in
// the workspace, else the URI itself.
func (e *Env) keyOf(uri string) string {
	if p, ok := strings.CutPrefix(uri, "file://"); ok {
		if rel, err := filepath.Rel(e.Dir, filepath.FromSlash(p)); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return uri
}

// ReadFile reads a workspace file from disk.
func (e *Env) ReadFile(rel string) string {
	e.T.Helper()
	b, err := os.ReadFile(e.Path(rel))
	if err != nil {
		e.T.Fatalf("read %s: %v", rel, err)
	}
	return string(b)
}

// WriteFile writes a workspace file on disk (expanded).
func (e *Env) WriteFile(rel, content string) {
	e.T.Helper()
	if err := os.MkdirAll(filepath.Dir(e.Path(rel)), 0o755); err != nil {
		e.T.Fatal(err)
	}
	if err := os.WriteFile(e.Path(rel), []byte(Expand(content)), 0o644); err != nil {
		e.T.Fatal(err)
	}
}

func (e *Env) update(f func(*State)) {
	e.mu.Lock()
	f(&e.st)
	close(e.changed)
	e.changed = make(chan struct{})
	e.mu.Unlock()
}

// handle answers the server's requests and records its notifications. It
// returns no error, for the reason lsp.Server's handler returns none.
func (e *Env) handle(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	_ = e.dispatch(ctx, reply, req)
	return nil
}

func (e *Env) dispatch(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request) error {
	switch req.Method() {
	case "textDocument/publishDiagnostics":
		var p lsp.PublishDiagnosticsParams
		if err := json.Unmarshal(req.Params(), &p); err != nil {
			e.T.Errorf("bad publishDiagnostics: %v", err)
			return nil
		}
		e.update(func(s *State) {
			k := e.keyOf(p.URI)
			s.Diagnostics[k] = p
			s.Publications[k]++
		})
		return nil
	case "$/progress":
		var p struct {
			Token any                  `json:"token"`
			Value lsp.WorkDoneProgress `json:"value"`
		}
		if err := json.Unmarshal(req.Params(), &p); err != nil {
			e.T.Errorf("bad $/progress: %v", err)
			return nil
		}
		e.update(func(s *State) {
			k := fmt.Sprint(p.Token)
			s.Progress[k] = append(s.Progress[k], p.Value)
		})
		return nil
	case "window/logMessage", "window/showMessage":
		var p lsp.LogMessageParams
		_ = json.Unmarshal(req.Params(), &p)
		e.update(func(s *State) {
			if req.Method() == "window/logMessage" {
				s.Logs = append(s.Logs, p.Message)
			} else {
				s.ShowMessages = append(s.ShowMessages, p.Message)
			}
		})
		return nil
	case lsp.MethodProbeResult:
		var p lsp.ProbeResultParams
		if err := json.Unmarshal(req.Params(), &p); err != nil {
			e.T.Errorf("bad %s: %v", lsp.MethodProbeResult, err)
		}
		e.update(func(s *State) { s.ProbeResults = append(s.ProbeResults, p) })
		return nil
	case "workspace/configuration":
		var p struct {
			Items []struct {
				Section string `json:"section"`
			} `json:"items"`
		}
		_ = json.Unmarshal(req.Params(), &p)
		e.mu.Lock()
		cfg := e.initOpt
		e.mu.Unlock()
		out := make([]any, len(p.Items))
		for i := range out {
			out[i] = cfg
		}
		e.update(func(s *State) { s.ConfigurationRequests++ })
		return reply(ctx, out, nil)
	case "client/registerCapability":
		var p struct {
			Registrations []Registration `json:"registrations"`
		}
		if err := json.Unmarshal(req.Params(), &p); err != nil {
			e.T.Errorf("bad registerCapability: %v", err)
		}
		e.update(func(s *State) { s.Registrations = append(s.Registrations, p.Registrations...) })
		return reply(ctx, nil, nil)
	case "window/workDoneProgress/create", "client/unregisterCapability":
		return reply(ctx, nil, nil)
	case "workspace/applyEdit":
		var p lsp.ApplyWorkspaceEditParams
		if err := json.Unmarshal(req.Params(), &p); err != nil {
			return reply(ctx, lsp.ApplyWorkspaceEditResult{FailureReason: err.Error()}, nil)
		}
		if err := e.applyEdit(p.Edit); err != nil {
			return reply(ctx, lsp.ApplyWorkspaceEditResult{FailureReason: err.Error()}, nil)
		}
		return reply(ctx, lsp.ApplyWorkspaceEditResult{Applied: true}, nil)
	}
	if _, isCall := req.(*jsonrpc2.Call); isCall {
		return reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "lsptest client: %s", req.Method()))
	}
	return nil
}

// Call sends a request and decodes the result into result (may be nil).
func (e *Env) Call(method string, params, result any) error {
	ctx, cancel := context.WithTimeout(e.ctx, Timeout)
	defer cancel()
	_, err := e.conn.Call(ctx, method, params, result)
	return err
}

// Notify sends a notification.
func (e *Env) Notify(method string, params any) {
	e.T.Helper()
	if err := e.conn.Notify(e.ctx, method, params); err != nil {
		e.T.Fatalf("notify %s: %v", method, err)
	}
}

// Initialize runs initialize and initialized with the workspace as the one
// folder, and returns the server's answer.
func (e *Env) Initialize() lsp.InitializeResult {
	e.T.Helper()
	var res lsp.InitializeResult
	params := map[string]any{
		"processId":        nil,
		"rootUri":          e.URI(""),
		"capabilities":     e.caps,
		"workspaceFolders": []map[string]string{{"uri": e.URI(""), "name": "ws"}},
	}
	if e.initOpt != nil {
		params["initializationOptions"] = e.initOpt
	}
	if err := e.Call("initialize", params, &res); err != nil {
		e.T.Fatalf("initialize: %v", err)
	}
	e.Notify("initialized", map[string]any{})
	return res
}

// SetConfiguration changes what workspace/configuration answers and sends
// workspace/didChangeConfiguration with it.
func (e *Env) SetConfiguration(cfg any) {
	e.T.Helper()
	e.mu.Lock()
	e.initOpt = cfg
	e.mu.Unlock()
	e.Notify("workspace/didChangeConfiguration", map[string]any{"settings": map[string]any{"keyguard": cfg}})
}

// languageOf guesses the LSP language id from a file name, as editors do.
func languageOf(rel string) string {
	base := filepath.Base(rel)
	if diagnostics.IsEnvFile(base) {
		return "dotenv"
	}
	switch filepath.Ext(base) {
	case ".py":
		return "python"
	case ".js", ".mjs", ".cjs":
		return "javascript"
	case ".ts":
		return "typescript"
	case ".tsx":
		return "typescriptreact"
	case ".jsx":
		return "javascriptreact"
	case ".go":
		return "go"
	case ".md":
		return "markdown"
	case ".yml", ".yaml":
		return "yaml"
	case ".sh":
		return "shellscript"
	}
	return "plaintext"
}

// Open opens a workspace file with its content on disk.
func (e *Env) Open(rel string) {
	e.T.Helper()
	e.OpenURI(e.URI(rel), languageOf(rel), e.ReadFile(rel))
}

// OpenURI opens any document (untitled:, non-file schemes) with text.
func (e *Env) OpenURI(uri, languageID, text string) {
	e.T.Helper()
	k := e.keyOf(uri)
	e.mu.Lock()
	e.versions[k] = 1
	e.texts[k] = text
	e.mu.Unlock()
	e.Notify("textDocument/didOpen", map[string]any{"textDocument": map[string]any{
		"uri": uri, "languageId": languageID, "version": 1, "text": text}})
}

// Edit replaces an open document's whole text (full sync) and returns the
// new version.
func (e *Env) Edit(rel, text string) int32 {
	e.T.Helper()
	return e.EditURI(e.URI(rel), text)
}

// EditURI is Edit for any URI.
func (e *Env) EditURI(uri, text string) int32 {
	e.T.Helper()
	k := e.keyOf(uri)
	e.mu.Lock()
	e.versions[k]++
	v := e.versions[k]
	e.texts[k] = text
	e.mu.Unlock()
	e.Notify("textDocument/didChange", map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": v},
		"contentChanges": []map[string]any{{"text": text}},
	})
	return v
}

// EditRanges sends one didChange with ranged (incremental) changes,
// applied in order as the protocol says, and applies them to the client's
// copy too. It returns the new version.
func (e *Env) EditRanges(rel string, changes []lsp.TextEdit) int32 {
	e.T.Helper()
	send, v := e.PrepareEditRanges(rel, changes)
	send()
	return v
}

// PrepareEditRanges is EditRanges in two steps: the client applies the
// changes to its copy now, and the returned function sends them, so that a
// benchmark's clock covers the server, not the client's own bookkeeping.
// Prepare and send one edit at a time.
func (e *Env) PrepareEditRanges(rel string, changes []lsp.TextEdit) (send func(), version int32) {
	e.T.Helper()
	e.mu.Lock()
	text := e.texts[rel]
	v := e.versions[rel] + 1
	e.mu.Unlock()
	cs := make([]map[string]any, 0, len(changes))
	for _, c := range changes {
		var err error
		if text, err = ApplyTextEdits(text, []lsp.TextEdit{c}); err != nil {
			e.T.Fatalf("EditRanges: %v", err)
		}
		cs = append(cs, map[string]any{"range": c.Range, "text": c.NewText})
	}
	params := map[string]any{
		"textDocument":   map[string]any{"uri": e.URI(rel), "version": v},
		"contentChanges": cs,
	}
	return func() {
		e.mu.Lock()
		e.versions[rel] = v
		e.texts[rel] = text
		e.mu.Unlock()
		e.Notify("textDocument/didChange", params)
	}, v
}

// PrepareEdit encodes a full-text didChange for rel now and returns a
// function that sends it: benchmarks time the server, not the client's
// JSON encoding of a large document.
func (e *Env) PrepareEdit(rel, text string) (send func(), version int32) {
	e.T.Helper()
	uri := e.URI(rel)
	e.mu.Lock()
	v := e.versions[rel] + 1
	e.mu.Unlock()
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "method": "textDocument/didChange", "params": map[string]any{
		"textDocument":   map[string]any{"uri": uri, "version": v},
		"contentChanges": []map[string]any{{"text": text}},
	}})
	if err != nil {
		e.T.Fatal(err)
	}
	frame := append([]byte(fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body))), body...)
	return func() {
		e.mu.Lock()
		e.versions[rel] = v
		e.texts[rel] = text
		e.mu.Unlock()
		e.WriteRaw(frame)
	}, v
}

// Text is an open document's text as the client has it.
func (e *Env) Text(rel string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.texts[rel]
}

// Save writes an open document's text to disk and sends didSave with it.
func (e *Env) Save(rel string) {
	e.T.Helper()
	text := e.Text(rel)
	if err := os.WriteFile(e.Path(rel), []byte(text), 0o644); err != nil {
		e.T.Fatal(err)
	}
	e.Notify("textDocument/didSave", map[string]any{"textDocument": map[string]any{"uri": e.URI(rel)}, "text": text})
}

// Close closes a document.
func (e *Env) Close(rel string) {
	e.T.Helper()
	e.Notify("textDocument/didClose", map[string]any{"textDocument": map[string]any{"uri": e.URI(rel)}})
	e.mu.Lock()
	delete(e.texts, rel)
	delete(e.versions, rel)
	e.mu.Unlock()
}

// Diagnostics returns the latest diagnostics published for a file.
func (e *Env) Diagnostics(rel string) []lsp.Diagnostic {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.st.Diagnostics[rel].Diagnostics
}

// Snapshot copies the client's state.
func (e *Env) Snapshot() State {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.st
	s.Diagnostics = map[string]lsp.PublishDiagnosticsParams{}
	for k, v := range e.st.Diagnostics {
		s.Diagnostics[k] = v
	}
	s.Publications = map[string]int{}
	for k, v := range e.st.Publications {
		s.Publications[k] = v
	}
	s.Progress = map[string][]lsp.WorkDoneProgress{}
	for k, v := range e.st.Progress {
		s.Progress[k] = append([]lsp.WorkDoneProgress(nil), v...)
	}
	s.Logs = append([]string(nil), e.st.Logs...)
	s.ShowMessages = append([]string(nil), e.st.ShowMessages...)
	s.ProbeResults = append([]lsp.ProbeResultParams(nil), e.st.ProbeResults...)
	s.Registrations = append([]Registration(nil), e.st.Registrations...)
	return s
}

// CodeActions asks for code actions over a range with the diagnostics the
// client has there (as editors send them).
func (e *Env) CodeActions(rel string, rng lsp.Range) []lsp.CodeAction {
	e.T.Helper()
	var inRange []lsp.Diagnostic
	for _, d := range e.Diagnostics(rel) {
		if !after(d.Range.Start, rng.End) && !after(rng.Start, d.Range.End) {
			inRange = append(inRange, d)
		}
	}
	var out []lsp.CodeAction
	params := map[string]any{
		"textDocument": map[string]any{"uri": e.uriOf(rel)},
		"range":        rng,
		"context":      map[string]any{"diagnostics": nonNil(inRange)},
	}
	if err := e.Call("textDocument/codeAction", params, &out); err != nil {
		e.T.Fatalf("codeAction: %v", err)
	}
	return out
}

func nonNil(d []lsp.Diagnostic) []lsp.Diagnostic {
	if d == nil {
		return []lsp.Diagnostic{}
	}
	return d
}

func after(a, b lsp.Position) bool {
	return a.Line > b.Line || a.Line == b.Line && a.Character > b.Character
}

// Action finds the code action whose title starts with prefix, resolving
// it when it came without an edit.
func (e *Env) Action(actions []lsp.CodeAction, prefix string) lsp.CodeAction {
	e.T.Helper()
	var titles []string
	for _, a := range actions {
		if strings.HasPrefix(a.Title, prefix) {
			if a.Edit == nil && a.Data != nil {
				var r lsp.CodeAction
				if err := e.Call("codeAction/resolve", a, &r); err != nil {
					e.T.Fatalf("codeAction/resolve %q: %v", a.Title, err)
				}
				return r
			}
			return a
		}
		titles = append(titles, a.Title)
	}
	e.T.Fatalf("no code action starting with %q; have %q", prefix, titles)
	return lsp.CodeAction{}
}

// ApplyEdit applies a workspace edit as an editor does: open documents
// get didChange with their new text, other files are written to disk. It
// fails the test when the edit is invalid.
func (e *Env) ApplyEdit(we *lsp.WorkspaceEdit) {
	e.T.Helper()
	if we == nil {
		e.T.Fatal("code action has no edit")
	}
	if err := e.applyEdit(*we); err != nil {
		e.T.Fatalf("apply edit: %v", err)
	}
}

func (e *Env) applyEdit(we lsp.WorkspaceEdit) error {
	type fileEdits struct {
		uri     string
		version *int32
		edits   []lsp.TextEdit
	}
	var plan []fileEdits
	var creates []string
	if len(we.DocumentChanges) > 0 {
		for _, dc := range we.DocumentChanges {
			switch {
			case dc.Kind == "create":
				creates = append(creates, dc.URI)
				plan = append(plan, fileEdits{uri: dc.URI})
			case dc.Kind != "":
				return fmt.Errorf("unexpected resource operation %q", dc.Kind)
			case dc.TextDocument != nil:
				plan = append(plan, fileEdits{uri: dc.TextDocument.URI, version: dc.TextDocument.Version, edits: dc.Edits})
			}
		}
	} else {
		uris := make([]string, 0, len(we.Changes))
		for u := range we.Changes {
			uris = append(uris, u)
		}
		sort.Strings(uris)
		for _, u := range uris {
			plan = append(plan, fileEdits{uri: u, edits: we.Changes[u]})
		}
	}
	for _, fe := range plan {
		k := e.keyOf(fe.uri)
		e.mu.Lock()
		text, open := e.texts[k]
		ver := e.versions[k]
		e.mu.Unlock()
		path, ok := strings.CutPrefix(fe.uri, "file://")
		if !ok && !open {
			return fmt.Errorf("edit to non-file URI %s that is not open", fe.uri)
		}
		if !open {
			b, err := os.ReadFile(path)
			switch {
			case err == nil:
				text = string(b)
			case os.IsNotExist(err) && (slices.Contains(creates, fe.uri) || len(we.DocumentChanges) == 0):
				// Editors without resource operations (Neovim)
				// create a file that a plain change names.
				text = ""
			default:
				return fmt.Errorf("edit to %s: %v", k, err)
			}
		} else if fe.version != nil && *fe.version != ver {
			return fmt.Errorf("edit to %s at version %d, document is at %d", k, *fe.version, ver)
		}
		if fe.edits == nil {
			if !open {
				if _, err := os.Stat(path); os.IsNotExist(err) {
					if err := os.WriteFile(path, nil, 0o644); err != nil {
						return err
					}
				}
			}
			continue
		}
		nt, err := ApplyTextEdits(text, fe.edits)
		if err != nil {
			return fmt.Errorf("edit to %s: %v", k, err)
		}
		if open {
			e.EditURI(fe.uri, nt)
		} else if err := os.WriteFile(path, []byte(nt), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// ApplyTextEdits applies LSP text edits (UTF-16 positions) to text. The
// edits must not overlap, as the protocol requires.
func ApplyTextEdits(text string, edits []lsp.TextEdit) (string, error) {
	type span struct {
		start, end int
		text       string
		order      int
	}
	spans := make([]span, len(edits))
	for i, ed := range edits {
		s := offsetUTF16(text, ed.Range.Start)
		en := offsetUTF16(text, ed.Range.End)
		if en < s {
			return "", fmt.Errorf("edit %d has its end before its start", i)
		}
		spans[i] = span{s, en, ed.NewText, i}
	}
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	var b strings.Builder
	last := 0
	for i, sp := range spans {
		if sp.start < last {
			return "", fmt.Errorf("edits %d and %d overlap", spans[i-1].order, sp.order)
		}
		b.WriteString(text[last:sp.start])
		b.WriteString(sp.text)
		last = sp.end
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

// offsetUTF16 converts an LSP position (UTF-16) to a byte offset the way an
// editor does, independently of the server's diagnostics.LineIndex so that
// a bug there cannot hide in both: lines end at \n, a \r before it is not
// part of the line, columns past the end clamp to it.
func offsetUTF16(text string, p lsp.Position) int {
	off := 0
	for range p.Line {
		i := strings.IndexByte(text[off:], '\n')
		if i < 0 {
			return len(text)
		}
		off += i + 1
	}
	end := len(text)
	if i := strings.IndexByte(text[off:], '\n'); i >= 0 {
		end = off + i
	}
	if end > off && text[end-1] == '\r' {
		end--
	}
	units := 0
	for i, r := range text[off:end] {
		if units >= int(p.Character) {
			return off + i
		}
		units += utf16.RuneLen(r)
	}
	return end
}

// Hover returns the hover text at a position ("" when none).
func (e *Env) Hover(rel string, pos lsp.Position) string {
	e.T.Helper()
	var res *struct {
		Contents struct {
			Value string `json:"value"`
		} `json:"contents"`
	}
	if err := e.Call("textDocument/hover", map[string]any{
		"textDocument": map[string]any{"uri": e.URI(rel)}, "position": pos}, &res); err != nil {
		e.T.Fatalf("hover: %v", err)
	}
	if res == nil {
		return ""
	}
	return res.Contents.Value
}

// ExecuteCommand runs a server command and decodes its result.
func (e *Env) ExecuteCommand(cmd string, args []any, result any) error {
	params := map[string]any{"command": cmd}
	if args != nil {
		params["arguments"] = args
	}
	return e.Call("workspace/executeCommand", params, result)
}

// WaitExit waits for the server to stop by itself and returns its exit
// code, failing the test after d.
func (e *Env) WaitExit(d time.Duration) int {
	e.T.Helper()
	select {
	case code := <-e.exit:
		e.exit <- code // for Cleanup
		return code
	case <-time.After(d):
		e.T.Fatalf("server still running after %v", d)
	}
	return -1
}

// Shutdown sends shutdown and exit and returns the server's exit code.
func (e *Env) Shutdown() int {
	e.T.Helper()
	if err := e.Call("shutdown", nil, nil); err != nil {
		e.T.Fatalf("shutdown: %v", err)
	}
	e.Notify("exit", nil)
	select {
	case code := <-e.exit:
		e.exit <- code // for Cleanup
		return code
	case <-time.After(Timeout):
		e.T.Fatal("server did not exit after exit")
	}
	return -1
}
