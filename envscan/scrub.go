package envscan

import (
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"

	"github.com/keyguard/keyguard/diagnostics"
)

// minSecretLen is the shortest value a Scrubber masks: shorter ones are
// words ("true", "prod") that would mangle messages, and no provider issues
// keys that short.
const minSecretLen = 8

// Scrubber masks secrets wherever they appear in a string that is about to
// leave keyguard. It is the one masking step, applied last: after every
// note is appended and every provider field copied, so nothing added later
// can slip past it. It knows each secret in the forms it may come back in:
// as written, trimmed (a provider echoes " sk-… " as "sk-…", because HTTP
// trims header values), URL-escaped (an error that quotes a URL), and
// base64- or hex-encoded (a gateway that echoes the Authorization it got).
type Scrubber struct {
	r *strings.Replacer // nil: nothing to mask
	// frags maps every minFragment-byte window of a key to where it
	// starts in it, to mask pieces of the key (NewKeyScrubber).
	frags map[string][]int
	key   string
}

// minFragment is the shortest piece of a key that NewKeyScrubber masks:
// long enough that no text shares it by chance, short enough that a key
// cut in two halves (a hostile endpoint's code and type fields, or a
// message truncated mid-key) still loses both halves. Providers' own
// masked echoes ("sk-proj-****abcd") keep far fewer characters in a row.
const minFragment = 16

// NewKeyScrubber is NewScrubber for the one key a provider was sent, that
// also masks any piece of it of minFragment bytes or more: a provider can
// echo the key cut up, and only this key ever went to it. (Not used for a
// whole file's secrets: the window map of thousands of keys costs too
// much, and those never went to a provider.)
func NewKeyScrubber(key string) *Scrubber {
	sc := NewScrubber(key)
	t := strings.TrimSpace(key)
	if len(t) < 2*minFragment {
		return sc
	}
	sc.key = t
	sc.frags = make(map[string][]int, len(t)-minFragment+1)
	for i := 0; i+minFragment <= len(t); i++ {
		w := t[i : i+minFragment]
		sc.frags[w] = append(sc.frags[w], i)
	}
	return sc
}

// NewScrubber builds a Scrubber for secrets; short and empty ones are
// left out (see minSecretLen).
func NewScrubber(secrets ...string) *Scrubber {
	forms := map[string]string{} // form -> mask
	for _, s := range secrets {
		fs := secretForms(s)
		if len(fs) == 0 {
			continue
		}
		mask := diagnostics.Mask(strings.TrimSpace(s))
		for _, f := range fs {
			forms[f] = mask
		}
	}
	if len(forms) == 0 {
		return &Scrubber{}
	}
	olds := make([]string, 0, len(forms))
	for f := range forms {
		olds = append(olds, f)
	}
	// strings.Replacer tries the old strings in argument order at each
	// position: longest first, so a key is never half-masked by a shorter
	// key it contains.
	sort.Slice(olds, func(i, j int) bool {
		if len(olds[i]) != len(olds[j]) {
			return len(olds[i]) > len(olds[j])
		}
		return olds[i] < olds[j]
	})
	pairs := make([]string, 0, 2*len(olds))
	for _, f := range olds {
		pairs = append(pairs, f, forms[f])
	}
	return &Scrubber{r: strings.NewReplacer(pairs...)}
}

// secretForms are the forms a secret may come back in: as written,
// trimmed, URL-escaped, and for a key-length secret encoded (EncodedForms);
// none for a secret shorter than minSecretLen.
func secretForms(s string) []string {
	t := strings.TrimSpace(s)
	if len(t) < minSecretLen {
		return nil
	}
	var out []string
	for _, f := range []string{s, t, url.QueryEscape(t), url.PathEscape(t)} {
		if len(f) >= minSecretLen {
			out = append(out, f)
		}
	}
	if len(t) >= minEncodedSecret {
		out = append(out, EncodedForms(t)...)
	}
	return out
}

// minEncodedSecret is the shortest secret whose encodings are masked: the
// base64 run that depends on a shorter one alone is too short to tell from
// other base64.
const minEncodedSecret = 20

// EncodedForms are a secret as an echoing endpoint may re-encode it: hex
// (either case) and base64 (standard and URL alphabets). Base64 text
// depends on where the secret starts inside what was encoded (an echoed
// Basic credential is "user:" + key), so for each of the three alignments
// the form is the run of characters that come from the secret's bytes
// alone; it is found inside any longer encoding that holds the secret.
func EncodedForms(secret string) []string {
	out := []string{hex.EncodeToString([]byte(secret)), strings.ToUpper(hex.EncodeToString([]byte(secret)))}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for lead := 0; lead < 3; lead++ {
			e := enc.EncodeToString(append(make([]byte, lead), secret...))
			// 3 bytes make 4 characters. With lead bytes before it, the
			// first group mixes them with the secret's; the last group
			// may mix in whatever follows the secret.
			first, rest := 0, len(secret)
			if lead > 0 {
				first, rest = 4, len(secret)-(3-lead)
			}
			if core := e[first : first+4*(rest/3)]; len(core) >= minFragment {
				out = append(out, core)
			}
		}
	}
	return out
}

// String masks every secret in s.
func (s *Scrubber) String(v string) string {
	if s == nil || s.r == nil || v == "" {
		return v
	}
	return s.fragments(s.r.Replace(v))
}

// fragments replaces each run of v that is a piece of the key at least
// minFragment bytes long with "…".
func (s *Scrubber) fragments(v string) string {
	if s.frags == nil || len(v) < minFragment {
		return v
	}
	var b strings.Builder
	last := 0 // v[last:i] is not yet written
	for i := 0; i+minFragment <= len(v); {
		starts, ok := s.frags[v[i:i+minFragment]]
		if !ok {
			i++
			continue
		}
		end := i + minFragment // extend the match as far as the key goes
		for _, k := range starts {
			j, kk := i+minFragment, k+minFragment
			for j < len(v) && kk < len(s.key) && v[j] == s.key[kk] {
				j, kk = j+1, kk+1
			}
			end = max(end, j)
		}
		b.WriteString(v[last:i])
		b.WriteString("…")
		i, last = end, end
	}
	if last == 0 {
		return v
	}
	b.WriteString(v[last:])
	return b.String()
}

// Result masks every string field of r (header names too: a hostile
// endpoint can put the key in a header's name as easily as in its value).
func (s *Scrubber) Result(r Result) Result {
	r.Provider = s.String(r.Provider)
	r.Code = s.String(r.Code)
	r.Detail = s.String(r.Detail)
	r.RequestID = s.String(r.RequestID)
	r.Endpoint = s.String(r.Endpoint)
	r.RateLimit = s.headers(r.RateLimit)
	return r
}

func (s *Scrubber) headers(h map[string]string) map[string]string {
	if h == nil {
		return nil
	}
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[s.String(k)] = s.String(v)
	}
	return out
}

// Report masks every string of a report: each result's and each issue's.
func (s *Scrubber) Report(rep Report) Report {
	out := Report{Results: make([]CheckResult, len(rep.Results)), Issues: make([]CheckIssue, len(rep.Issues))}
	for i, r := range rep.Results {
		r.File, r.Var, r.Provider = s.String(r.File), s.String(r.Var), s.String(r.Provider)
		r.Detail, r.RequestID, r.Code = s.String(r.Detail), s.String(r.RequestID), s.String(r.Code)
		r.Endpoint, r.Secret = s.String(r.Endpoint), s.String(r.Secret)
		r.Verdict = Verdict(s.String(string(r.Verdict)))
		r.RateLimit = s.headers(r.RateLimit)
		out.Results[i] = r
	}
	for i, is := range rep.Issues {
		is.File, is.Message, is.Var = s.String(is.File), s.String(is.Message), s.String(is.Var)
		is.Code, is.Check, is.Severity = s.String(is.Code), s.String(is.Check), s.String(is.Severity)
		out.Issues[i] = is
	}
	return out
}

// FileSecrets are the values of f that must never be shown whole: every
// key KeysToProbe would send, every value the detector recognises, and
// every value of a variable whose name says it holds a secret (…_KEY,
// …_TOKEN, PASSWORD …).
func FileSecrets(f *File, identify func(string) (diagnostics.Match, bool)) []string {
	if identify == nil {
		identify = diagnostics.Default.Identify
	}
	var out []string
	for _, v := range f.Vars {
		t := strings.TrimSpace(v.Value)
		if len(t) < minSecretLen {
			continue
		}
		if secretName(v.Name) {
			out = append(out, v.Value)
			continue
		}
		if _, ok := identify(t); ok {
			out = append(out, v.Value)
		}
	}
	return out
}

// ScrubReport is the last step before a report leaves the process: it masks
// every value of every input file that holds a secret, wherever in the
// report it landed. The language server's keyguard.checkEnv calls it after
// copying its own probe results into the rows.
func ScrubReport(rep Report, inputs []CheckInput, identify func(string) (diagnostics.Match, bool)) Report {
	var secrets []string
	for _, in := range inputs {
		f := Parse(in.Path, in.Data)
		secrets = append(secrets, FileSecrets(f, identify)...)
		for _, kv := range KeysToProbe(f, identify) {
			secrets = append(secrets, kv.Request.Key)
		}
	}
	return NewScrubber(secrets...).Report(rep)
}
