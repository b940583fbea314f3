package jsonscan

import (
	"encoding/json"
	"errors"

	"github.com/bulwarkhq/bulwark/catalog"
)

// DecodeUsage reads the token counts of a usage object ([Response.Usage] or
// [Response.MessageUsage]) as json.Unmarshal would into
// {input_tokens, output_tokens, cache_creation_input_tokens,
// cache_read_input_tokens int64}: false when raw is nil or json.Unmarshal
// would fail. The usual shape (exact names, integers or null) is read by
// hand, without allocating; anything else goes to encoding/json.
func DecodeUsage(raw []byte) (catalog.Usage, bool) {
	if raw == nil {
		return catalog.Usage{}, false
	}
	if u, ok := usageByHand(raw); ok {
		return u, true
	}
	var u usageJSON
	if json.Unmarshal(raw, &u) != nil {
		return catalog.Usage{}, false
	}
	return catalog.Usage(u), true
}

// usageJSON is the usage object of a message, as the API sends it; its
// fields are catalog.Usage's, in order.
type usageJSON struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
}

// errByHand stops usageByHand at what it leaves to encoding/json.
var errByHand = errors.New("left to encoding/json")

// usageByHand reads a usage object whose keys are unescaped ASCII, whose
// token counts are integers of at most 18 digits or null, and that has no
// other key encoding/json would match to a count (case and, for
// encoding/json v2, '_' and '-' do not count there). ok is false for
// anything else, which is left to encoding/json.
func usageByHand(raw []byte) (u catalog.Usage, ok bool) {
	s := scanner{b: raw}
	if !s.isObject() {
		return u, false
	}
	err := s.members(func(ks, ke int, escaped bool) error {
		if escaped {
			return errByHand
		}
		var n *int64
		switch key := raw[ks+1 : ke-1]; string(key) {
		case "input_tokens":
			n = &u.InputTokens
		case "output_tokens":
			n = &u.OutputTokens
		case "cache_creation_input_tokens":
			n = &u.CacheCreationInputTokens
		case "cache_read_input_tokens":
			n = &u.CacheReadInputTokens
		default:
			if mayNameCount(key) {
				return errByHand
			}
			return s.value()
		}
		return s.count(n)
	})
	return u, err == nil && s.end()
}

// count reads a token count into n: an integer of at most 18 digits, or null,
// which leaves n as it was (as encoding/json does).
func (s *scanner) count(n *int64) error {
	if s.literal("null") == nil {
		return nil
	}
	b, i := s.b, s.i
	neg := i < len(b) && b[i] == '-'
	if neg {
		i++
	}
	var v int64
	start := i
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		v = v*10 + int64(b[i]-'0')
		i++
	}
	digits := i - start
	if digits == 0 || digits > 18 || digits > 1 && b[start] == '0' ||
		i < len(b) && (b[i] == '.' || b[i] == 'e' || b[i] == 'E') {
		return errByHand
	}
	if neg {
		v = -v
	}
	s.i, *n = i, v
	return nil
}

// mayNameCount reports whether encoding/json could match key to one of the
// counts' names although it is not one of them exactly: a non-ASCII key, or
// one equal to a name when case, '_' and '-' are ignored.
func mayNameCount(key []byte) bool {
	var folded [len("cachecreationinputtokens")]byte
	n := 0
	for _, c := range key {
		switch {
		case c >= 0x80:
			return true
		case c == '_' || c == '-':
			continue
		case n == len(folded):
			return false
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		folded[n] = c
		n++
	}
	switch string(folded[:n]) {
	case "inputtokens", "outputtokens", "cachecreationinputtokens", "cachereadinputtokens":
		return true
	}
	return false
}
