package redact

import "bytes"

// anchorLen is the length of the part of a secret searched for first.
const anchorLen = 16

// needle is how one form of a secret is searched for: bytes.Index finds
// candidates by their first byte, so a secret that starts with a common
// letter ("sk-ant-...") is slow to look for in English text. The search is
// for an anchor, anchorLen bytes of the secret that start with bytes rare
// in text (capitals, digits), and each hit is checked against the whole.
type needle struct {
	full   []byte
	anchor []byte
	off    int // of anchor in full
}

func plan(full []byte) needle {
	if len(full) <= anchorLen {
		return needle{full: full, anchor: full}
	}
	best, bestScore := 0, 1<<30
	for k := 0; k+anchorLen <= len(full); k++ {
		if s := 4*commonness(full[k]) + commonness(full[k+1]); s < bestScore {
			best, bestScore = k, s
		}
	}
	return needle{full: full, anchor: full[best : best+anchorLen], off: best}
}

// commonness ranks how often a byte occurs in English text and JSON: 0 for
// the rarest (capitals, digits, most punctuation) to 3 for the most common.
func commonness(c byte) int {
	switch {
	case bytes.IndexByte([]byte("etaoinshr \"\n,"), c) >= 0:
		return 3
	case c >= 'a' && c <= 'z', c == '.', c == ':':
		return 2
	case c == '-', c == '_', c == '/':
		return 1
	}
	return 0
}

// index returns the index in b of the needle's first occurrence at or after
// pos, or -1.
func (n *needle) index(b []byte, pos int) int {
	if len(b)-pos < len(n.full) {
		return -1
	}
	for i := pos + n.off; i <= len(b); {
		j := bytes.Index(b[i:], n.anchor)
		if j < 0 {
			return -1
		}
		at := i + j - n.off
		if at+len(n.full) <= len(b) && bytes.Equal(b[at:at+len(n.full)], n.full) {
			return at
		}
		i += j + 1
	}
	return -1
}
