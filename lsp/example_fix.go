package lsp

import (
	"fmt"
	"path/filepath"

	"github.com/keyguard/keyguard/envscan"
	"github.com/keyguard/keyguard/lsp/envfix"
)

// templateEnvPath is the .env beside an .env template (.env.example,
// .env.sample …) at path, "" when path is not a template on disk.
func templateEnvPath(path string) string {
	if path == "" || !envscan.IsTemplate(filepath.Base(path)) {
		return ""
	}
	return filepath.Join(filepath.Dir(path), ".env")
}

// examplePlan fixes a real key in a committed .env template (.env.example):
// the value becomes a placeholder, and the key moves to the .env beside the
// template unless .env already holds it — the template may be the only copy
// of a working key, and a fix must not throw it away. is.Fix must be set.
// The .env was read by gatherFix, outside the lock and never through a
// link. Called with s.mu held.
func (s *Server) examplePlan(in *fixInputs, is envscan.Issue) fixPlan {
	d, a := &in.doc, in.a
	var v *envscan.Var
	if a.env != nil {
		for i := range a.env.Vars {
			if a.env.Vars[i].Name == is.Var && a.env.Vars[i].ValStart == is.Start {
				v = &a.env.Vars[i]
			}
		}
	}
	placeholder := s.openFileEdit(d, a, []envfix.Edit{{Start: is.Fix.Start, End: is.Fix.End, NewText: is.Fix.NewText}})
	envPath := templateEnvPath(d.path)
	sf := in.sides[envPath]
	if v == nil || envPath == "" || sf == nil {
		// An untitled template has no .env beside it: placeholder only.
		return fixPlan{title: "Replace key with a placeholder", files: []fileEdit{placeholder}}
	}
	if sf.refused != nil {
		s.log.Debug("no move for the key in the template", "document", d.displayPath(), "err", sf.refused.Error())
		return fixPlan{title: "Replace key with a placeholder", files: []fileEdit{placeholder}}
	}
	env, envVer := sf.data, sf.version
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
