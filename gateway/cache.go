package gateway

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bulwarkhq/bulwark/engine"
	"github.com/bulwarkhq/bulwark/internal/jsonscan"
	"github.com/bulwarkhq/bulwark/sse"
	"github.com/bulwarkhq/bulwark/store"
)

// cacheKey names a request for the cache tier (DESIGN §6): "msg:" and the
// SHA-256 of who asks and what they ask —
//
//   - tenant: the identity of the client key the request presented (see
//     authenticate), "" when no client keys are configured; one tenant never
//     receives another's answer;
//   - the anthropic-version header, each line trimmed, lines joined by ",";
//   - the anthropic-beta header as a set: its comma-separated names across
//     every line, trimmed, empty ones dropped, sorted and deduplicated (the
//     API treats betas as a set; case is kept: "A" and "a" differ);
//   - the normalised body: the top-level members other than "model" and
//     "stream", sorted by key, with white space outside strings removed.
//
// Two requests that differ only in model, stream, member order, formatting,
// or in the order, spacing or repetition of their betas share a key; any
// other difference in these inputs gives another key. Every part is length
// prefixed, so no two different inputs hash the same bytes.
func cacheKey(body []byte, f *jsonscan.Request, tenant string, h http.Header) string {
	hash := sha256.New()
	var buf [4096]byte
	field := func(b []byte) {
		hash.Write(binary.AppendUvarint(buf[:0], uint64(len(b))))
		hash.Write(b)
	}
	field([]byte(tenant))
	field([]byte(headerLine(h.Values("Anthropic-Version"))))
	betas := betaSet(h.Values("Anthropic-Beta"))
	hash.Write(binary.AppendUvarint(buf[:0], uint64(len(betas))))
	for _, b := range betas {
		field([]byte(b))
	}

	ms := make([]jsonscan.Member, 0, len(f.Members))
	for _, m := range f.Members {
		k := string(body[m.KeyStart+1 : m.KeyEnd-1])
		if k == "model" || k == "stream" {
			continue
		}
		ms = append(ms, m)
	}
	slices.SortStableFunc(ms, func(a, b jsonscan.Member) int {
		return cmp.Compare(string(body[a.KeyStart:a.KeyEnd]), string(body[b.KeyStart:b.KeyEnd]))
	})
	for _, m := range ms {
		hash.Write(body[m.KeyStart:m.KeyEnd])
		hash.Write([]byte{':'})
		hash.Write(compact(buf[:0], body[m.ValStart:m.ValEnd]))
		hash.Write([]byte{','})
	}
	var sum [sha256.Size]byte
	return "msg:" + hex.EncodeToString(hash.Sum(sum[:0]))
}

// headerLine joins a header's lines, each trimmed of spaces and tabs, with
// ",".
func headerLine(lines []string) string {
	if len(lines) == 1 {
		return strings.Trim(lines[0], " \t")
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = strings.Trim(l, " \t")
	}
	return strings.Join(out, ",")
}

// betaSet returns the beta names of anthropic-beta header lines: split on
// commas, trimmed, empty ones dropped, sorted, each once.
func betaSet(lines []string) []string {
	var betas []string
	for _, l := range lines {
		for b := range strings.SplitSeq(l, ",") {
			if b = strings.Trim(b, " \t"); b != "" {
				betas = append(betas, b)
			}
		}
	}
	slices.Sort(betas)
	return slices.Compact(betas)
}

// requestCacheKey is cacheKey of this exchange's request.
func (in *inbound) requestCacheKey() string { return cacheKey(in.body, &in.f, in.tenant, in.r.Header) }

// compact appends v (valid JSON) to b without white space outside strings.
func compact(b, v []byte) []byte {
	in := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case in:
			b = append(b, c)
			if c == '\\' && i+1 < len(v) {
				i++
				b = append(b, v[i])
			} else if c == '"' {
				in = false
			}
		case c == '"':
			in = true
			b = append(b, c)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
		default:
			b = append(b, c)
		}
	}
	return b
}

// serveCache answers from the cache tier when the chain names it and an
// answer to the same request is stored. A streamed request gets the stored
// message as a well-formed SSE stream.
func (x *exchange) serveCache(out *engine.Report) bool {
	if x.cacheKey == "" || x.s.store == nil {
		return false
	}
	e, ok := x.s.store.CacheGet(x.ctx, x.cacheKey)
	if !ok {
		return false
	}
	x.degraded, x.modelUsed, x.fallback = DegradedCache, e.Model, true
	h := x.w.Header()
	h[hDegraded] = []string{DegradedCache.String()}
	h[hModelUsed] = []string{e.Model}
	h[hFallback] = []string{"true"}
	h[hAttempts] = []string{strconv.Itoa(out.UpstreamCalls())}
	h["Request-Id"] = []string{x.id}
	age := time.Since(e.StoredAt)
	h["Age"] = []string{strconv.FormatInt(int64(max(age, 0)/time.Second), 10)}
	x.logf(slog.LevelWarn, "cache.served", slog.String("model", e.Model), slog.Int64("age_ms", age.Milliseconds()))
	x.status = http.StatusOK
	if !x.f.Stream {
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{strconv.Itoa(len(e.Body))}
		x.w.WriteHeader(http.StatusOK)
		_, _ = x.w.Write(e.Body)
		return true
	}
	h["Content-Type"] = []string{"text/event-stream; charset=utf-8"}
	h["Cache-Control"] = []string{"no-cache"}
	x.w.WriteHeader(http.StatusOK)
	b := synthesizeStream(nil, e)
	x.firstByte = time.Since(x.start)
	_, _ = x.w.Write(b)
	x.sent = int64(len(b))
	x.streamEnd = "complete"
	return true
}

// synthesizeStream appends the SSE events of a Messages stream that carries
// the stored message e: message_start, for each content block its start,
// one delta and its stop, message_delta and message_stop — the sequence the
// SDKs accumulate back into the same message.
func synthesizeStream(b []byte, e store.Entry) []byte {
	var msg map[string]json.RawMessage
	if json.Unmarshal(e.Body, &msg) != nil {
		return sse.AppendEvent(b, "error", sse.AppendError(nil, "api_error", "The cached answer is unreadable.", ""))
	}
	var blocks []map[string]json.RawMessage
	_ = json.Unmarshal(msg["content"], &blocks)
	var usage map[string]json.RawMessage
	_ = json.Unmarshal(msg["usage"], &usage)

	start := make(map[string]json.RawMessage, len(msg))
	for k, v := range msg {
		start[k] = v
	}
	start["content"] = json.RawMessage("[]")
	start["stop_reason"] = json.RawMessage("null")
	start["stop_sequence"] = json.RawMessage("null")
	if usage != nil {
		u := make(map[string]json.RawMessage, len(usage))
		for k, v := range usage {
			u[k] = v
		}
		u["output_tokens"] = json.RawMessage("0")
		start["usage"] = mustJSON(u)
	}
	b = event(b, "message_start", map[string]any{"type": "message_start", "message": start})
	for i, blk := range blocks {
		var typ string
		_ = json.Unmarshal(blk["type"], &typ)
		first := make(map[string]json.RawMessage, len(blk))
		for k, v := range blk {
			first[k] = v
		}
		var delta map[string]any
		var extra map[string]any
		switch typ {
		case "text":
			first["text"] = json.RawMessage(`""`)
			delta = map[string]any{"type": "text_delta", "text": blk["text"]}
		case "tool_use", "server_tool_use":
			first["input"] = json.RawMessage("{}")
			in := blk["input"]
			if len(in) == 0 {
				in = json.RawMessage("{}")
			}
			var c bytes.Buffer
			_ = json.Compact(&c, in)
			delta = map[string]any{"type": "input_json_delta", "partial_json": c.String()}
		case "thinking":
			first["thinking"] = json.RawMessage(`""`)
			first["signature"] = json.RawMessage(`""`)
			delta = map[string]any{"type": "thinking_delta", "thinking": blk["thinking"]}
			if sig, ok := blk["signature"]; ok {
				extra = map[string]any{"type": "signature_delta", "signature": sig}
			}
		}
		b = event(b, "content_block_start", map[string]any{"type": "content_block_start", "index": i, "content_block": first})
		if delta != nil {
			b = event(b, "content_block_delta", map[string]any{"type": "content_block_delta", "index": i, "delta": delta})
		}
		if extra != nil {
			b = event(b, "content_block_delta", map[string]any{"type": "content_block_delta", "index": i, "delta": extra})
		}
		b = event(b, "content_block_stop", map[string]any{"type": "content_block_stop", "index": i})
	}
	out := json.RawMessage("0")
	if v, ok := usage["output_tokens"]; ok {
		out = v
	}
	b = event(b, "message_delta", map[string]any{"type": "message_delta",
		"delta": map[string]any{"stop_reason": rawOr(msg["stop_reason"]), "stop_sequence": rawOr(msg["stop_sequence"])},
		"usage": map[string]any{"output_tokens": out}})
	return event(b, "message_stop", map[string]any{"type": "message_stop"})
}

func rawOr(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage("null")
	}
	return v
}

func event(b []byte, name string, v any) []byte { return sse.AppendEvent(b, name, mustJSON(v)) }

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return json.RawMessage("null")
	}
	return b
}
