package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
)

var progressSeq atomic.Int64

// progress reports one piece of work with $/progress begin/report/end.
// Without a token (the client neither sent one nor supports
// window/workDoneProgress) its methods do nothing.
type progress struct {
	s     *Server
	token any
	key   string
}

// beginProgress starts reporting: it uses the request's workDoneToken, or
// creates one with window/workDoneProgress/create. The returned context is
// cancelled by window/workDoneProgress/cancel. It must not run on the
// reader goroutine (it may wait on the client).
func (s *Server) beginProgress(ctx context.Context, token any, title string) (*progress, context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	p := &progress{s: s}
	s.mu.Lock()
	supported := s.caps.Window.WorkDoneProgress
	s.mu.Unlock()
	if token == nil && supported {
		t := fmt.Sprintf("keyguard-%d", progressSeq.Add(1))
		if err := s.call(ctx, "window/workDoneProgress/create", map[string]any{"token": t}, nil); err != nil {
			s.log.Debug("window/workDoneProgress/create failed", "err", err.Error())
		} else {
			token = t
		}
	}
	if token == nil {
		return p, ctx, cancel
	}
	p.token = token
	b, _ := json.Marshal(token)
	p.key = string(b)
	s.mu.Lock()
	s.progress[p.key] = cancel
	s.mu.Unlock()
	s.notify("$/progress", ProgressParams{Token: token, Value: WorkDoneProgress{Kind: "begin", Title: title, Cancellable: true}})
	return p, ctx, cancel
}

func (p *progress) report(msg string, pct int) {
	if p.token == nil {
		return
	}
	v := WorkDoneProgress{Kind: "report", Message: msg, Cancellable: true}
	if pct >= 0 {
		v.Percentage = &pct
	}
	p.s.notify("$/progress", ProgressParams{Token: p.token, Value: v})
}

func (p *progress) end(msg string) {
	if p.token == nil {
		return
	}
	p.s.mu.Lock()
	delete(p.s.progress, p.key)
	p.s.mu.Unlock()
	p.s.notify("$/progress", ProgressParams{Token: p.token, Value: WorkDoneProgress{Kind: "end", Message: msg}})
}

func (s *Server) workDoneProgressCancel(_ context.Context, raw json.RawMessage) (any, error) {
	var p struct {
		Token json.RawMessage `json:"token"`
	}
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	if cancel, ok := s.progress[string(p.Token)]; ok {
		cancel()
		s.log.Info("work cancelled by the client", "token", string(p.Token))
	}
	return nil, nil
}

func (s *Server) cancelRequest(_ context.Context, raw json.RawMessage) (any, error) {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	// Request ids are kept as jsonrpc2's ID formats with %v: 1 or abc.
	var key string
	var n int64
	if err := json.Unmarshal(p.ID, &n); err == nil {
		key = fmt.Sprint(n)
	} else if err := json.Unmarshal(p.ID, &key); err != nil {
		return nil, nil
	}
	if cancel, ok := s.requests[key]; ok {
		cancel()
	}
	return nil, nil
}
