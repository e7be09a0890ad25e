package lsp

import (
	"encoding/json"

	"go.lsp.dev/protocol"
)

// Wire types the server reads and writes itself. go.lsp.dev/protocol v0.12.0
// predates LSP 3.17 (no positionEncoding), types documentChanges as text
// edits only (no CreateFile), decodes a full-text change with a zero range
// that cannot be told apart from an insertion at 0:0, and omits version 0
// from publishDiagnostics; where that matters we decode and encode our own
// shapes and reuse the library's for the rest (Position, Range, TextEdit,
// Diagnostic, MarkupContent).

// Position, Range and friends are the library's.
type (
	Position   = protocol.Position
	Range      = protocol.Range
	TextEdit   = protocol.TextEdit
	Diagnostic = protocol.Diagnostic
)

// ClientCapabilities holds the parts of the client's capabilities the server
// acts on.
type ClientCapabilities struct {
	General struct {
		PositionEncodings []string `json:"positionEncodings"`
	} `json:"general"`
	Workspace struct {
		WorkspaceEdit struct {
			DocumentChanges    bool     `json:"documentChanges"`
			ResourceOperations []string `json:"resourceOperations"`
		} `json:"workspaceEdit"`
		Configuration         bool `json:"configuration"`
		WorkspaceFolders      bool `json:"workspaceFolders"`
		DidChangeWatchedFiles struct {
			DynamicRegistration bool `json:"dynamicRegistration"`
		} `json:"didChangeWatchedFiles"`
	} `json:"workspace"`
	TextDocument struct {
		CodeAction struct {
			ResolveSupport *struct {
				Properties []string `json:"properties"`
			} `json:"resolveSupport"`
			DataSupport     bool `json:"dataSupport"`
			DisabledSupport bool `json:"disabledSupport"`
		} `json:"codeAction"`
	} `json:"textDocument"`
	Window struct {
		WorkDoneProgress bool `json:"workDoneProgress"`
	} `json:"window"`
}

// WorkspaceFolder is one root the client opened.
type WorkspaceFolder struct {
	URI  string `json:"uri"`
	Name string `json:"name"`
}

// InitializeParams is what the server reads of initialize.
type InitializeParams struct {
	ProcessID             *int               `json:"processId"`
	RootURI               string             `json:"rootUri"`
	RootPath              string             `json:"rootPath"`
	Capabilities          ClientCapabilities `json:"capabilities"`
	InitializationOptions json.RawMessage    `json:"initializationOptions"`
	WorkspaceFolders      []WorkspaceFolder  `json:"workspaceFolders"`
}

// InitializeResult answers initialize.
type InitializeResult struct {
	Capabilities ServerCapabilities `json:"capabilities"`
	ServerInfo   struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"serverInfo"`
}

// ServerCapabilities is what the server announces.
type ServerCapabilities struct {
	PositionEncoding       string         `json:"positionEncoding"`
	TextDocumentSync       any            `json:"textDocumentSync"`
	HoverProvider          bool           `json:"hoverProvider"`
	CodeActionProvider     any            `json:"codeActionProvider"`
	ExecuteCommandProvider map[string]any `json:"executeCommandProvider"`
	Workspace              map[string]any `json:"workspace"`
}

// TextDocumentItem is an opened document.
type TextDocumentItem struct {
	URI        string  `json:"uri"`
	LanguageID string  `json:"languageId"`
	Version    int32   `json:"version"`
	Text       docText `json:"text"`
}

// DidOpenParams is textDocument/didOpen.
type DidOpenParams struct {
	TextDocument TextDocumentItem `json:"textDocument"`
}

// TextDocumentIdentifier names a document.
type TextDocumentIdentifier struct {
	URI string `json:"uri"`
}

// VersionedTextDocumentIdentifier names a document at a version; Version nil
// (JSON null) means "whatever is on disk", as for a file not open.
type VersionedTextDocumentIdentifier struct {
	URI     string `json:"uri"`
	Version *int32 `json:"version"`
}

// ContentChange is one didChange event. Range is a pointer so that a
// full-text change (no range) differs from an insertion at 0:0, which the
// protocol package cannot tell apart.
type ContentChange struct {
	Range       *Range  `json:"range,omitempty"`
	RangeLength uint32  `json:"rangeLength,omitempty"`
	Text        docText `json:"text"`
}

// DidChangeParams is textDocument/didChange.
type DidChangeParams struct {
	TextDocument   VersionedTextDocumentIdentifier `json:"textDocument"`
	ContentChanges []ContentChange                 `json:"contentChanges"`
}

// DidSaveParams is textDocument/didSave.
type DidSaveParams struct {
	TextDocument TextDocumentIdentifier `json:"textDocument"`
	Text         *docText               `json:"text,omitempty"`
}

// PublishDiagnosticsParams always carries the version when the document is
// open (0 included), and an empty (not null) list when cleared.
type PublishDiagnosticsParams struct {
	URI         string       `json:"uri"`
	Version     *int32       `json:"version,omitempty"`
	Diagnostics []Diagnostic `json:"diagnostics"`
}

// TextDocumentPositionParams is hover's request.
type TextDocumentPositionParams struct {
	TextDocument TextDocumentIdentifier `json:"textDocument"`
	Position     Position               `json:"position"`
}

// CodeActionParams is textDocument/codeAction.
type CodeActionParams struct {
	TextDocument TextDocumentIdentifier `json:"textDocument"`
	Range        Range                  `json:"range"`
	Context      struct {
		Diagnostics []Diagnostic `json:"diagnostics"`
		Only        []string     `json:"only"`
	} `json:"context"`
}

// CodeAction is one quick fix. Edit is absent until codeAction/resolve when
// the client resolves lazily; Data then says which fix to compute.
type CodeAction struct {
	Title       string         `json:"title"`
	Kind        string         `json:"kind,omitempty"`
	Diagnostics []Diagnostic   `json:"diagnostics,omitempty"`
	IsPreferred bool           `json:"isPreferred,omitempty"`
	Edit        *WorkspaceEdit `json:"edit,omitempty"`
	Command     *Command       `json:"command,omitempty"`
	Data        *ActionData    `json:"data,omitempty"`
	// Disabled says why a fix is not offered (LSP 3.16), for clients that
	// show disabled actions (codeAction.disabledSupport).
	Disabled *CodeActionDisabled `json:"disabled,omitempty"`
}

// CodeActionDisabled is CodeAction.disabled.
type CodeActionDisabled struct {
	Reason string `json:"reason"`
}

// ActionData identifies a fix so that resolve can recompute it.
type ActionData struct {
	URI     string `json:"uri"`
	Version int32  `json:"version"`
	Kind    string `json:"kind"`  // one of the action* constants
	Start   int    `json:"start"` // byte range of the finding or issue
	End     int    `json:"end"`
	Index   int    `json:"index,omitempty"` // which fix of the range
}

// Command is an LSP command.
type Command struct {
	Title     string `json:"title"`
	Command   string `json:"command"`
	Arguments []any  `json:"arguments,omitempty"`
}

// WorkspaceEdit holds either Changes or DocumentChanges; DocumentChanges
// mixes CreateFile and TextDocumentEdit values.
type WorkspaceEdit struct {
	Changes         map[string][]TextEdit `json:"changes,omitempty"`
	DocumentChanges []DocumentChange      `json:"documentChanges,omitempty"`
}

// DocumentChange is a TextDocumentEdit (TextDocument set) or a CreateFile
// (Kind "create").
type DocumentChange struct {
	// CreateFile
	Kind    string         `json:"kind,omitempty"`
	URI     string         `json:"uri,omitempty"`
	Options *CreateOptions `json:"options,omitempty"`
	// TextDocumentEdit
	TextDocument *VersionedTextDocumentIdentifier `json:"textDocument,omitempty"`
	Edits        []TextEdit                       `json:"edits,omitempty"`
}

// CreateOptions of a CreateFile.
type CreateOptions struct {
	Overwrite      bool `json:"overwrite,omitempty"`
	IgnoreIfExists bool `json:"ignoreIfExists,omitempty"`
}

// ExecuteCommandParams is workspace/executeCommand.
type ExecuteCommandParams struct {
	Command       string            `json:"command"`
	Arguments     []json.RawMessage `json:"arguments"`
	WorkDoneToken any               `json:"workDoneToken,omitempty"`
}

// ProgressParams is $/progress.
type ProgressParams struct {
	Token any `json:"token"`
	Value any `json:"value"`
}

// WorkDoneProgress is the value of a $/progress notification.
type WorkDoneProgress struct {
	Kind        string `json:"kind"` // begin, report, end
	Title       string `json:"title,omitempty"`
	Message     string `json:"message,omitempty"`
	Percentage  *int   `json:"percentage,omitempty"`
	Cancellable bool   `json:"cancellable,omitempty"`
}

// LogMessageParams is window/logMessage.
type LogMessageParams struct {
	Type    int    `json:"type"` // 1 error, 2 warning, 3 info, 4 log
	Message string `json:"message"`
}

// ApplyWorkspaceEditParams is workspace/applyEdit, sent with conn.Call
// because client.ApplyEdit of protocol v0.12.0 cannot decode the answer.
type ApplyWorkspaceEditParams struct {
	Label string        `json:"label,omitempty"`
	Edit  WorkspaceEdit `json:"edit"`
}

// ApplyWorkspaceEditResult answers workspace/applyEdit.
type ApplyWorkspaceEditResult struct {
	Applied       bool   `json:"applied"`
	FailureReason string `json:"failureReason,omitempty"`
}
