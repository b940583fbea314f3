package taxonomy

import (
	"strconv"
	"strings"
)

// PromptTooLong reports whether msg, the error.message of a 400
// invalid_request_error, says the prompt does not fit the model's context
// window, and reads the token counts it gives. The API words it
// "prompt is too long: 209353 tokens > 199999 maximum" (seen in
// entropy-research/Devon#88 and anthropics/claude-code#14195); tokens and
// limit are 0 when the message names no numbers. Case is ignored.
func PromptTooLong(msg string) (tokens, limit int, ok bool) {
	const marker = "prompt is too long"
	m := strings.ToLower(msg)
	i := strings.Index(m, marker)
	if i < 0 {
		return 0, 0, false
	}
	rest := m[i+len(marker):]
	rest = strings.TrimLeft(rest, ": ")
	tokens, rest = leadingInt(rest)
	if j := strings.Index(rest, ">"); j >= 0 {
		limit, _ = leadingInt(strings.TrimLeft(rest[j+1:], " "))
	}
	return tokens, limit, true
}

// leadingInt reads the decimal number s starts with (0 for none) and returns
// the rest of s.
func leadingInt(s string) (int, string) {
	j := 0
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		j++
	}
	n, err := strconv.Atoi(s[:j])
	if err != nil {
		return 0, s[j:]
	}
	return n, s[j:]
}
