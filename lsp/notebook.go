package lsp

import (
	"net/url"
	"path/filepath"
	"runtime"
)

// notebookCellScheme is VS Code's scheme for the text documents of notebook
// cells: vscode-notebook-cell:/path/to/nb.ipynb#W0sZmlsZQ%3D%3D, the path
// being the notebook's and the fragment naming the cell.
const notebookCellScheme = "vscode-notebook-cell"

// notebookPath is the file path of the notebook a cell document belongs to,
// for a notebook on local disk (no authority: a remote notebook's cell has
// one). A cell is checked and fixed like a file at that path: its fix
// writes the .env beside the notebook. The cell itself is never written
// as a file; its own edits go to the cell document.
func notebookPath(u string) (string, bool) {
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != notebookCellScheme || pu.Host != "" || pu.Path == "" {
		return "", false
	}
	p := pu.Path
	if runtime.GOOS == "windows" && len(p) > 2 && p[0] == '/' && p[2] == ':' {
		p = p[1:]
	}
	if !filepath.IsAbs(filepath.FromSlash(p)) {
		return "", false
	}
	return filepath.Clean(filepath.FromSlash(p)), true
}

// homePath is where a document lives on disk for choosing its workspace
// root: its own path, or its notebook's for a cell; "" for untitled: and
// other schemes.
func (d *document) homePath() string {
	if d.path != "" {
		return d.path
	}
	if p, ok := notebookPath(d.uri); ok {
		return p
	}
	return ""
}
