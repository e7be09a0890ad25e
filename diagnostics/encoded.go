package diagnostics

import (
	"bytes"
	"encoding/base64"
	"sort"
)

// Encodings of a finding found inside an encoded token (Finding.Encoding).
const (
	EncodingBase64 = "base64"
	EncodingURL    = "url"
)

// Base64 tokens worth decoding: long enough to hold the shortest prefix key
// (about 30 bytes, 40 encoded), short enough that a megabyte data URI is
// not decoded. A Kubernetes Secret's `data:` value, a docker config.json
// `auth`, a CI variable are all in that range.
const (
	minBase64Token = 40
	maxBase64Token = 16 << 10
)

// b64Class: 1 standard alphabet (A-Z a-z 0-9 + /), 2 URL-safe only (- _).
var b64Class = func() (t [256]uint8) {
	for c := 'A'; c <= 'Z'; c++ {
		t[c], t[c+'a'-'A'] = 1, 1
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = 1
	}
	t['+'], t['/'] = 1, 1
	t['-'], t['_'] = 2, 2
	return
}()

// ScanEncoded finds keys that are written base64- or URL-encoded: it
// decodes each plausible token once (never the result again) and runs the
// prefix rules over what it decodes. A finding spans the encoded token (for
// URL encoding, exactly the key's encoded bytes); Key, Secret and
// Fingerprint are the decoded key's, Encoding says which decoding found
// it. Findings that overlap plain ones (the plain scan's, passed in) are
// left out: the key was visible as written.
func ScanEncoded(path string, content []byte, plain []Finding) []Finding {
	var out []Finding
	var idx *LineIndex
	overlapsPlain := plainOverlap(plain)
	add := func(f Finding, start, end int, enc string) {
		if overlapsPlain(start, end) {
			return
		}
		if n := len(out); n > 0 && out[n-1].Start < end && start < out[n-1].End {
			return
		}
		if idx == nil {
			idx = NewLineIndex(content)
		}
		l0, c0 := idx.Position(start)
		l1, c1 := idx.Position(end)
		f.Path, f.Start, f.End = path, start, end
		f.Line, f.Column, f.EndLine, f.EndColumn = l0+1, c0+1, l1+1, c1+1
		// The line of the encoded text, as the language server sees it.
		f.Encoding, f.VarName, f.Context = enc, "", LineAround(content, start)
		out = append(out, f)
	}
	scanBase64Tokens(content, func(start, end int, decoded []byte) {
		for _, f := range prefixDetector().Scan("", decoded) {
			add(f, start, end, EncodingBase64)
		}
	})
	scanURLTokens(content, func(start, end int, decoded []byte, at []int) {
		for _, f := range prefixDetector().Scan("", decoded) {
			add(f, start+at[f.Start], start+at[f.End], EncodingURL)
		}
	})
	return out
}

// plainOverlap returns a test of whether [start, end) overlaps any of
// plain, in O(log n): a file with many plain and many encoded keys made a
// loop over plain per encoded finding quadratic (20,000 of each, 8 MB,
// took 7 s).
func plainOverlap(plain []Finding) func(start, end int) bool {
	type span struct{ start, end int }
	spans := make([]span, len(plain))
	for i, p := range plain {
		spans[i] = span{p.Start, p.End}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].start < spans[j].start })
	// maxEnd[i] is the largest end among spans[:i+1].
	maxEnd := make([]int, len(spans))
	for i, sp := range spans {
		maxEnd[i] = sp.end
		if i > 0 && maxEnd[i-1] > sp.end {
			maxEnd[i] = maxEnd[i-1]
		}
	}
	return func(start, end int) bool {
		// The spans that start before end overlap iff one ends after start.
		n := sort.Search(len(spans), func(i int) bool { return spans[i].start >= end })
		return n > 0 && maxEnd[n-1] > start
	}
}

// scanBase64Tokens calls fn for each maximal run of base64 characters of
// plausible length whose decoding is printable text.
//
// Runs shorter than minBase64Token are skipped without reading all their
// bytes: a probe minBase64Token-1 bytes ahead that is not a base64
// character rules out every run starting before it (as Boyer–Moore skips),
// so prose and code cost about one lookup per identifier, not per byte.
func scanBase64Tokens(content []byte, fn func(start, end int, decoded []byte)) {
	const L = minBase64Token
	n := len(content)
	var buf []byte
	// Invariant: i == 0 or content[i-1] is not a base64 character.
	for i := 0; i+L <= n; {
		p := i + L - 1
		if b64Class[content[p]] == 0 {
			i = p + 1
			continue
		}
		s := p
		for s > i && b64Class[content[s-1]] != 0 {
			s--
		}
		if s > i {
			i = s // the run holding p starts at s: probe from there
			continue
		}
		// content[i:p+1] is all base64: find the run's end.
		var classes uint8
		end := i
		for end < n && b64Class[content[end]] != 0 {
			classes |= b64Class[content[end]]
			end++
		}
		start := i
		i = end + 1
		tokEnd := end
		for tokEnd < n && tokEnd-end < 2 && content[tokEnd] == '=' {
			tokEnd++
		}
		l := end - start
		// Too long, mixing both alphabets, or an impossible length: not
		// one encoded value.
		if l > maxBase64Token || classes == 3 || l%4 == 1 {
			continue
		}
		if start > 0 && content[start-1] == '.' || tokEnd < n && content[tokEnd] == '.' {
			continue // part of a JWT or a dotted name: not one value
		}
		enc := base64.RawStdEncoding
		if classes == 2 {
			enc = base64.RawURLEncoding
		}
		if cap(buf) < enc.DecodedLen(l) {
			buf = make([]byte, enc.DecodedLen(l))
		}
		m, err := enc.Decode(buf[:cap(buf)], content[start:end])
		if err != nil || !printable(buf[:m]) {
			continue
		}
		fn(start, tokEnd, buf[:m])
	}
}

// printable tells whether b is text: printable ASCII and line breaks.
// Random bytes pass with odds of about (97/256)^30, so almost every token
// that is not base64 text stops here, before any rule runs.
func printable(b []byte) bool {
	for _, c := range b {
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c > 0x7e {
			return false
		}
	}
	return true
}

// urlTokenEnd reports the bytes that end a URL-encoded token.
var urlTokenStop = func() (t [256]bool) {
	for c := 0; c <= ' '; c++ {
		t[c] = true
	}
	for _, c := range "\"'`<>()[]{}\\|^" {
		t[c] = true
	}
	t[0x7f] = true
	return
}()

// scanURLTokens calls fn for each token holding a %XX escape, with the
// token decoded and, for each decoded byte (and one past the end), its
// offset in the token.
func scanURLTokens(content []byte, fn func(start, end int, decoded []byte, at []int)) {
	n := len(content)
	var dec []byte
	var at []int
	for i := 0; i+2 < n; i++ {
		k := bytes.IndexByte(content[i:n-2], '%')
		if k < 0 {
			return
		}
		i += k
		if unhex(content[i+1]) < 0 || unhex(content[i+2]) < 0 {
			continue
		}
		start := i
		for start > 0 && !urlTokenStop[content[start-1]] && i-start < 4096 {
			start--
		}
		end := i
		for end < n && !urlTokenStop[content[end]] && end-i < 4096 {
			end++
		}
		dec, at = dec[:0], at[:0]
		for j := start; j < end; {
			if content[j] == '%' && j+2 < end && unhex(content[j+1]) >= 0 && unhex(content[j+2]) >= 0 {
				dec = append(dec, byte(unhex(content[j+1])<<4|unhex(content[j+2])))
				at = append(at, j-start)
				j += 3
				continue
			}
			dec = append(dec, content[j])
			at = append(at, j-start)
			j++
		}
		at = append(at, end-start)
		fn(start, end, dec, at)
		i = end
	}
}

func unhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
