package lsp

import "bytes"

// changedRegion compares a text with the one that replaced it:
// old[start:oldEnd] became new[start:newEnd], the rest is common prefix
// and suffix. Blocks are compared with bytes.Equal (vectorised memequal)
// before bytes, so two 3.6 MB texts that differ in one line cost ~0.3 ms.
func changedRegion(old, new []byte) (start, oldEnd, newEnd int) {
	n := min(len(old), len(new))
	start = commonPrefix(old[:n], new[:n])
	// The suffix may not overlap the prefix: "aa" → "aaa" is one 'a'
	// inserted at 2, not a suffix of 2 and a prefix of 2.
	suffix := commonSuffix(old[start:], new[start:])
	return start, len(old) - suffix, len(new) - suffix
}

const diffBlock = 256

func commonPrefix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i+diffBlock <= n && bytes.Equal(a[i:i+diffBlock], b[i:i+diffBlock]) {
		i += diffBlock
	}
	for i < n && a[i] == b[i] {
		i++
	}
	return i
}

func commonSuffix(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0 // bytes matched from the end
	for i+diffBlock <= n && bytes.Equal(a[len(a)-i-diffBlock:len(a)-i], b[len(b)-i-diffBlock:len(b)-i]) {
		i += diffBlock
	}
	for i < n && a[len(a)-1-i] == b[len(b)-1-i] {
		i++
	}
	return i
}
