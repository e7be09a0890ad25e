package diagnostics

// CodeCommittedEnvKey marks a key in a .env file that git tracks or has
// staged, or that the user named on the command line: it is (or is about
// to be) in the history, where a .env's keys must never be.
const CodeCommittedEnvKey Code = "committed-env-key"

// ScanCommittedEnv finds every key in a .env file that is committed, staged
// or named explicitly, as CodeCommittedEnvKey findings. Scan reports only
// client-exposed variables in .env files, because an ignored .env is where
// keys belong; a committed one is a leak whatever the variable.
func (d *Detector) ScanCommittedEnv(path string, content []byte) []Finding {
	// An empty path: no file-name context (.env, client-side extensions)
	// changes what is reported.
	fs := d.Scan("", content)
	for i := range fs {
		f := &fs[i]
		f.Path = path
		f.Rule, f.Code, f.Severity = string(CodeCommittedEnvKey), CodeCommittedEnvKey, SeverityError
	}
	return fs
}
