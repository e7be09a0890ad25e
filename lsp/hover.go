package lsp

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"go.lsp.dev/protocol"

	"github.com/keyguard/keyguard/diagnostics"
	"github.com/keyguard/keyguard/envscan"
)

// now is the clock hover's "2 min ago" reads; tests replace it.
var now = time.Now

func (s *Server) hover(_ context.Context, raw json.RawMessage) (any, error) {
	var p TextDocumentPositionParams
	if err := unmarshalParams(raw, &p); err != nil {
		return nil, err
	}
	d := s.docs[p.TextDocument.URI]
	if d == nil {
		return nil, nil
	}
	a := s.current(d)
	off := s.offsetOf(a.li, p.Position)
	for _, f := range a.findings {
		if off >= f.Start && off <= f.End {
			r := s.rangeOf(a.li, f.Start, f.End)
			return &protocol.Hover{Range: &r, Contents: protocol.MarkupContent{Kind: protocol.Markdown,
				Value: s.hoverText(f.Provider, f.Format, f.Secret, f.Fingerprint, "") + s.historyLine(s.historyRoot(d), f.Fingerprint)}}, nil
		}
	}
	for _, kv := range a.keys {
		v := kv.Var
		if off >= v.Start && off <= v.ValEnd {
			key := kv.Request.Key
			m, _ := s.det.IdentifyVar(v.Name, strings.TrimSpace(key))
			r := s.rangeOf(a.li, v.ValStart, v.ValEnd)
			return &protocol.Hover{Range: &r, Contents: protocol.MarkupContent{Kind: protocol.Markdown,
				Value: s.hoverText(kv.Request.Provider, m.Rule, diagnostics.Mask(key), diagnostics.Fingerprint(key), v.Name) +
					s.historyLine(s.historyRoot(d), diagnostics.Fingerprint(key))}}, nil
		}
	}
	return nil, nil
}

// hoverText describes a key without showing it. Called with s.mu held.
func (s *Server) hoverText(provider, rule, masked, fp, varName string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "**keyguard** · %s key", providerName(provider))
	if varName != "" {
		fmt.Fprintf(&b, " in %s", codeSpan(varName))
	}
	b.WriteString("\n\n")
	fmt.Fprintf(&b, "- key: `%s`\n", masked)
	fmt.Fprintf(&b, "- fingerprint: `%s`\n", fp)
	if rule != "" {
		fmt.Fprintf(&b, "- rule: `%s`\n", rule)
	}
	r, ok := s.verdictFor(fp)
	if !ok {
		b.WriteString("- last check: not checked yet")
		if !s.cfg.Probe.Enabled {
			b.WriteString(" (probing is off)")
		}
		b.WriteString("\n")
		return b.String()
	}
	fmt.Fprintf(&b, "- last check: %s\n", verdictLine(r))
	if r.Detail != "" && r.Verdict != envscan.VerdictValid {
		fmt.Fprintf(&b, "- %s\n", r.Detail)
	}
	if len(r.RateLimit) > 0 {
		names := make([]string, 0, len(r.RateLimit))
		for k := range r.RateLimit {
			names = append(names, k)
		}
		sort.Strings(names)
		b.WriteString("- rate limits:")
		for _, k := range names {
			fmt.Fprintf(&b, " %s", codeSpan(k+": "+r.RateLimit[k]))
		}
		b.WriteString("\n")
	}
	if r.RequestID != "" {
		fmt.Fprintf(&b, "- request id: %s\n", codeSpan(r.RequestID))
	}
	return b.String()
}

// verdictLine reads "verified valid 2 min ago" or "revoked (HTTP 401) just now".
func verdictLine(r envscan.Result) string {
	what := string(r.Verdict)
	if r.Verdict == envscan.VerdictValid {
		what = "verified valid"
	} else if r.Status != 0 {
		what += fmt.Sprintf(" (HTTP %d)", r.Status)
	}
	if r.CheckedAt.IsZero() {
		return what
	}
	return what + " " + ago(now().Sub(r.CheckedAt))
}

func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

// codeSpan writes s as one Markdown code span whatever it holds: text from
// a repository (a committed path) or a provider (a request id) may hold
// backticks that would close a plain `…` span and let the rest render as
// Markdown — a link or an image in keyguard's own hover, pointing anywhere.
// The fence is one backtick longer than the longest run in s (CommonMark),
// line breaks and other control characters become U+FFFD.
func codeSpan(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return '\uFFFD'
		}
		return r
	}, s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if longest > 0 {
		// A span that starts or ends with a backtick needs a space
		// between it and the fence; CommonMark strips one on each side.
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
