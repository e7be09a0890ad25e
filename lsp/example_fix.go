package lsp

import (
	"fmt"
	"path/filepath"

	"github.com/keyguard/keyguard/diagnostics/safefile"
	"github.com/keyguard/keyguard/envscan"
	"github.com/keyguard/keyguard/lsp/envfix"
)

// examplePlan fixes a real key in a committed .env template (.env.example):
// the value becomes a placeholder, and the key moves to the .env beside the
// template unless .env already holds it — the template may be the only copy
// of a working key, and a fix must not throw it away. is.Fix must be set.
// Called with s.mu held.
func (s *Server) examplePlan(d *document, a analysis, is envscan.Issue) fixPlan {
	var v *envscan.Var
	if a.env != nil {
		for i := range a.env.Vars {
			if a.env.Vars[i].Name == is.Var && a.env.Vars[i].ValStart == is.Start {
				v = &a.env.Vars[i]
			}
		}
	}
	placeholder := s.openFileEdit(d, a, []envfix.Edit{{Start: is.Fix.Start, End: is.Fix.End, NewText: is.Fix.NewText}})
	if v == nil || d.path == "" {
		// An untitled template has no .env beside it: placeholder only.
		return fixPlan{title: "Replace key with a placeholder", files: []fileEdit{placeholder}}
	}
	envPath := filepath.Join(filepath.Dir(d.path), ".env")
	if err := safefile.NoSymlinkBelow(filepath.Dir(d.path), envPath); err != nil {
		s.log.Debug("no move for the key in the template", "document", d.displayPath(), "err", err.Error())
		return fixPlan{title: "Replace key with a placeholder", files: []fileEdit{placeholder}}
	}
	env, envVer := s.readSide(envPath)
	name, change, err := envfix.AddToEnv(env, v.Name, v.Value)
	if err != nil {
		s.log.Debug("no move for the key in the template", "document", d.displayPath(), "err", err.Error())
		return fixPlan{title: "Replace key with a placeholder", files: []fileEdit{placeholder}}
	}
	files := []fileEdit{placeholder}
	title := fmt.Sprintf("Replace key with a placeholder (it is already in .env as %s)", name)
	if change != nil {
		content := env
		if change.Create {
			content = nil
		}
		files = append(files, fileEdit{uri: pathToURI(envPath), create: change.Create, version: envVer, content: content, edits: change.Edits})
		title = fmt.Sprintf("Move key to .env as %s and leave a placeholder", name)
	}
	return fixPlan{title: title, preferred: true, files: files}
}
