package lsp

import (
	"strings"
	"testing"

	"github.com/keyguard/keyguard/envscan"
)

func TestLoadedVerdict(t *testing.T) {
	key := "sk-proj-" + strings.Repeat("aB3", 12) + "T3BlbkFJ" + strings.Repeat("x9Z", 8)
	rejected := envscan.Result{Verdict: envscan.VerdictInvalid, Detail: "The OpenAI API rejected this key: regenerate it."}
	for _, tc := range []struct {
		name, value string
		verdict     envscan.Result
		want        envscan.Verdict
		detail      string
	}{
		{"smart quotes", "“" + key + "”", rejected, envscan.VerdictUnknown, "fix the quotes first"},
		{"single smart quote", "‘" + key, rejected, envscan.VerdictUnknown, "fix the quotes first"},
		{"straight quotes kept", "'" + key + "'", rejected, envscan.VerdictUnknown, "fix the quotes first"},
		{"space inside quotes", " " + key, rejected, envscan.VerdictUnknown, "remove the spaces first"},
		{"bearer", "Bearer " + key, rejected, envscan.VerdictUnknown, "drop the prefix first"},
		{"zero-width space", key[:10] + "\u200b" + key[10:], rejected, envscan.VerdictUnknown, "invisible characters"},
		{"revoked, mangled", "“" + key + "”", envscan.Result{Verdict: envscan.VerdictRevoked}, envscan.VerdictUnknown, "fix the quotes first"},
		{"bare key rejected", key, rejected, envscan.VerdictInvalid, "regenerate it"},
		{"mangled but valid", "“" + key + "”", envscan.Result{Verdict: envscan.VerdictValid}, envscan.VerdictValid, ""},
		{"mangled, no quota", " " + key, envscan.Result{Verdict: envscan.VerdictNoQuota}, envscan.VerdictNoQuota, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := loadedVerdict(envscan.ProbeRequest{Provider: "openai", Key: tc.value}, tc.verdict)
			if r.Verdict != tc.want || !strings.Contains(r.Detail, tc.detail) {
				t.Errorf("verdict %q detail %q, want %q with %q", r.Verdict, r.Detail, tc.want, tc.detail)
			}
			if strings.Contains(r.Detail, key) {
				t.Error("detail holds the key")
			}
		})
	}
}
