package lsp

import (
	"context"
	"strings"

	"go.lsp.dev/jsonrpc2"
)

// notImplemented answers methods the server does not handle: requests get
// MethodNotFound, as the protocol asks; notifications are dropped (the
// protocol says a server must ignore unknown notifications, and `$/`
// ones are optional by definition).
func (s *Server) notImplemented(ctx context.Context, reply jsonrpc2.Replier, req jsonrpc2.Request, isCall bool) error {
	if !isCall {
		if !strings.HasPrefix(req.Method(), "$/") {
			s.log.Debug("ignored notification", "method", req.Method())
		}
		return nil
	}
	s.log.Debug("method not found", "method", req.Method())
	return reply(ctx, nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "method not found: %s", req.Method()))
}
