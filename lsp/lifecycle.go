package lsp

import (
	"context"
	"encoding/json"
	"slices"
)

// Commands the server executes (workspace/executeCommand).
const (
	CommandCheckEnv      = "keyguard.checkEnv"
	CommandCheckQuota    = "keyguard.checkQuota"
	CommandScanWorkspace = "keyguard.scanWorkspace"
)

// Position encodings (LSP 3.17).
const (
	EncodingUTF16 = "utf-16"
	EncodingUTF8  = "utf-8"
)

func (s *Server) initialize(_ context.Context, raw json.RawMessage) (any, error) {
	var p InitializeParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	s.caps = p.Capabilities
	// UTF-8 spares the conversion on both sides, so take it whenever the
	// client offers it; UTF-16 is the protocol's default otherwise.
	s.utf8 = slices.Contains(p.Capabilities.General.PositionEncodings, EncodingUTF8)
	s.folders = p.WorkspaceFolders
	if len(s.folders) == 0 {
		root := p.RootURI
		if root == "" && p.RootPath != "" {
			root = pathToURI(p.RootPath)
		}
		if root != "" {
			s.folders = []WorkspaceFolder{{URI: root, Name: baseOfURI(root)}}
		}
	}
	if len(p.InitializationOptions) > 0 && string(p.InitializationOptions) != "null" {
		s.initOptions = p.InitializationOptions
		cfg, problems, err := parseSettings(DefaultSettings(), p.InitializationOptions)
		if err != nil {
			s.log.Warn("ignored invalid initializationOptions", "err", err.Error())
		} else {
			s.reportSettings(problems)
			s.applySettings(cfg)
		}
	}
	s.state = stateInitialized

	var res InitializeResult
	res.ServerInfo.Name = "keyguard"
	res.ServerInfo.Version = s.opts.Version
	enc := EncodingUTF16
	if s.utf8 {
		enc = EncodingUTF8
	}
	res.Capabilities = ServerCapabilities{
		PositionEncoding: enc,
		// Incremental sync. The detector rescans the whole text either
		// way (well under a millisecond per thousand lines), but with
		// full sync every keystroke in a 50,000-line file ships and
		// decodes 4 MB of JSON, which costs more than the scan. Clients
		// may still send whole texts; didChange takes both.
		TextDocumentSync: map[string]any{
			"openClose": true,
			"change":    2,
			"save":      map[string]any{"includeText": true},
		},
		HoverProvider: true,
		CodeActionProvider: map[string]any{
			"codeActionKinds": []string{"quickfix"},
			"resolveProvider": true,
		},
		ExecuteCommandProvider: map[string]any{
			"commands": []string{CommandCheckEnv, CommandCheckQuota, CommandScanWorkspace},
		},
		Workspace: map[string]any{
			"workspaceFolders": map[string]any{"supported": true, "changeNotifications": true},
		},
	}
	s.log.Info("initialized", "encoding", enc, "folders", len(s.folders))
	return res, nil
}

func (s *Server) initialized(context.Context, json.RawMessage) (any, error) {
	if s.caps.Workspace.Configuration {
		s.goSafe("pull configuration", s.pullConfiguration)
	}
	if s.caps.Workspace.DidChangeWatchedFiles.DynamicRegistration {
		s.goSafe("register file watchers", s.registerWatchers)
	}
	// The workspace's .env files show in the Problems panel without being
	// opened (envfiles.go).
	s.scheduleEnvRefresh("startup")
	return nil, nil
}

func (s *Server) shutdown(context.Context, json.RawMessage) (any, error) {
	s.state = stateShutdown
	s.exitCode = 0
	for _, d := range s.docs {
		d.stopTimer()
	}
	return nil, nil
}

func (s *Server) exit(context.Context, json.RawMessage) (any, error) {
	if s.state != stateShutdown {
		s.exitCode = 1
	}
	s.state = stateExited
	select {
	case <-s.exited:
	default:
		close(s.exited)
	}
	return nil, nil
}

func (s *Server) didChangeWorkspaceFolders(_ context.Context, raw json.RawMessage) (any, error) {
	var p struct {
		Event struct {
			Added   []WorkspaceFolder `json:"added"`
			Removed []WorkspaceFolder `json:"removed"`
		} `json:"event"`
	}
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	s.folders = slices.DeleteFunc(s.folders, func(f WorkspaceFolder) bool {
		return slices.ContainsFunc(p.Event.Removed, func(r WorkspaceFolder) bool { return r.URI == f.URI })
	})
	s.folders = append(s.folders, p.Event.Added...)
	return nil, nil
}
