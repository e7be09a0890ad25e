package diagnostics

import (
	"bytes"
	"strings"
)

// Google API keys (AIza…) are public by design in some places: Maps and
// Places browser keys, Firebase client configs (google-services.json), the
// Firebase SDK's own sample keys. A Gemini key is a secret; those are not.
// The windows follow sonar-text's: Maps within 250 bytes before the key,
// Firebase config anywhere in the kilobyte before it.

// firebaseSampleKeys are the Firebase SDK's published sample keys, which
// gitleaks allowlists.
var firebaseSampleKeys = map[string]bool{
	"AIzaSyabcdefghijklmnopqrstuvwxyz1234567": true,
	"AIzaSyAnLA7NfeLquW1tJFpx_eQCxoX-oo6YyIs": true,
	"AIzaSyCkEhVjf3pduRDt6d1yKOMitrUEke8agEM": true,
	"AIzaSyDMAScliyLx7F0NPDEJi1QmyCgHIAODrlU": true,
	"AIzaSyD3asb-2pEZVqMkmL6M9N6nHZRR_znhrh0": true,
	"AIzayDNSXIbFmlXbIE6mCzDLQAqITYefhixbX4A": true,
	"AIzaSyAdOS2zB6NCsk1pCdZ4-P6GBdi_UUPwX7c": true,
	"AIzaSyASWm6HmTMdYWpgMnjRBjxcQ9CKctWmLd4": true,
	"AIzaSyANUvH9H9BsUccjsu2pCmEkOPjjaXeDQgY": true,
	"AIzaSyA5_iVawFQ8ABuTZNUdcwERLJv_a_p4wtM": true,
	"AIzaSyA4UrcGxgwQFTfaI3no3t7Lt1sjmdnP5sQ": true,
	"AIzaSyDSb51JiIcB6OJpwwMicseKRhhrOq1cS7g": true,
	"AIzaSyBF2RrAIm4a0mO64EShQfqfd2AFnzAvvuU": true,
	"AIzaSyBcE-OOIbhjyR83gm4r2MFCu4MJmprNXsw": true,
	"AIzaSyB8qGxt4ec15vitgn44duC5ucxaOi4FmqE": true,
	"AIzaSyA8vmApnrHNFE0bApF4hoZ11srVL_n0nvY": true,
}

var (
	mapsWords = [][]byte{[]byte("maps"), []byte("googlemap"), []byte("google_map"), []byte("mapkey"), []byte("map_key"),
		[]byte("mapapikey"), []byte("map_api_key"), []byte("geo.api_key"), []byte("places")}
	firebaseWords = [][]byte{[]byte("firebase")}
)

func geminiContextAllows(c *scanCtx, start, end int) bool {
	if firebaseSampleKeys[string(c.content[start:end])] {
		return false
	}
	if strings.HasPrefix(c.base, "google-services") && strings.HasSuffix(c.base, ".json") {
		return false
	}
	before := asciiLower(c.content[max(0, start-1000):start])
	if containsAny(before[max(0, len(before)-250):], mapsWords) {
		return false
	}
	return !containsAny(before, firebaseWords)
}

func containsAny(b []byte, words [][]byte) bool {
	for _, w := range words {
		if bytes.Contains(b, w) {
			return true
		}
	}
	return false
}

// Zhipu (GLM) keys: 32 hex, a dot, 16 alphanumerics. No literal to
// prefilter on, so the finder looks for runs of 32 hex digits ending at a
// dot.
var zhipu = prefixRule("zhipu-api-key", "zhipu", `[a-f0-9]{32}\.[A-Za-z0-9]{16}`, 49).examples(
	[]string{`3494c505cf244a3fb17417d6894d404c.LLSZ2InjarUXEhNr`, `ZHIPUAI_API_KEY=a64cb6a9b4e840919351d041dbe65654.eh1YZt0SAhSTOsNR`},
	[]string{`sha = 3494c505cf244a3fb17417d6894d404c.txt`, `x3494c505cf244a3fb17417d6894d404c.LLSZ2InjarUXEhNr`})

func zhipuRule() *rule { return zhipu }

func zhipuCandidates(c *scanCtx) []candidate {
	var out []candidate
	content := c.content
	// A key's dot ends a run of 32+ lower-case hex digits, and every such
	// run covers each 32nd byte: probe those, and look around only where
	// the probe is hex (minified code has a dot every 20 bytes; a run of 32
	// hex digits is rare).
	const hexRun = 32
	for p := hexRun - 1; p < len(content); {
		if !isHexLower(content[p]) {
			p += hexRun
			continue
		}
		a := p
		for a > 0 && isHexLower(content[a-1]) {
			a--
		}
		b := p + 1
		for b < len(content) && isHexLower(content[b]) {
			b++
		}
		p = b + hexRun // the next run starts after b
		if b-a < hexRun || b >= len(content) || content[b] != '.' {
			continue
		}
		dot := b
		start := dot - 32
		if start > 0 && isKeyByte(content[start-1]) {
			continue
		}
		end := dot + 17
		if end > len(content) {
			continue
		}
		if m := zhipu.re.FindIndex(content[start:end]); m != nil {
			out = append(out, candidate{start: start, end: start + m[1], rule: zhipu, order: ruleOrder[zhipu]})
		}
	}
	return out
}

func isHexLower(b byte) bool { return b >= '0' && b <= '9' || b >= 'a' && b <= 'f' }
