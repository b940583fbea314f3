package demo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/bulwarkhq/bulwark/catalog"
)

// meter adds up the token usage of every answer the upstream sends a client,
// by model: what the API would bill, whether or not the client then used the
// answer. It reads the body of 200 answers to POST /v1/messages and hands the
// same bytes on; it changes nothing else.
type meter struct {
	mu    sync.Mutex
	usage map[string]catalog.Usage
}

func newMeter() *meter { return &meter{usage: map[string]catalog.Usage{}} }

// middleware is the SDK middleware that feeds the meter.
func (m *meter) middleware(req *http.Request, next option.MiddlewareNext) (*http.Response, error) {
	res, err := next(req)
	if err != nil || res == nil || res.StatusCode != http.StatusOK || !strings.HasSuffix(req.URL.Path, "/v1/messages") {
		return res, err
	}
	body, rerr := io.ReadAll(res.Body)
	_ = res.Body.Close()
	if rerr != nil {
		// Hand on what arrived and the error, as the SDK would have read it.
		res.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{rerr}))
		return res, nil
	}
	res.Body = io.NopCloser(bytes.NewReader(body))
	m.add(body)
	return res, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// add counts the usage of one Messages API answer body.
func (m *meter) add(body []byte) {
	var msg struct {
		Model string `json:"model"`
		Usage struct {
			InputTokens              int64 `json:"input_tokens"`
			OutputTokens             int64 `json:"output_tokens"`
			CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
			CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
		} `json:"usage"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Model == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	u := m.usage[msg.Model]
	u.InputTokens += msg.Usage.InputTokens
	u.OutputTokens += msg.Usage.OutputTokens
	u.CacheCreationInputTokens += msg.Usage.CacheCreationInputTokens
	u.CacheReadInputTokens += msg.Usage.CacheReadInputTokens
	m.usage[msg.Model] = u
}

// snapshot returns a copy of the usage so far.
func (m *meter) snapshot() map[string]catalog.Usage {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]catalog.Usage, len(m.usage))
	for k, v := range m.usage {
		out[k] = v
	}
	return out
}

// Spend is what one side's answers cost.
type Spend struct {
	// USD is the cost of the models with a known price.
	USD float64
	// Priced counts the models with a known price that were used.
	Priced int
	// Unknown holds the usage of the models without a price, by model.
	Unknown map[string]catalog.Usage
}

// PriceUsage prices usage (by model) with prices.
func PriceUsage(prices catalog.Prices, usage map[string]catalog.Usage) Spend {
	s := Spend{Unknown: map[string]catalog.Usage{}}
	for model, u := range usage {
		usd, known := prices.Cost(model, u)
		if !known {
			s.Unknown[model] = u
			continue
		}
		s.USD += usd
		s.Priced++
	}
	return s
}

// String formats the spend: "$0.0123"; "unknown (claude-x: 12.3k in / 4.5k
// out tokens)" when no model used has a price; "$0.0123 + unknown (...)" when
// some have one. Nothing used is "$0".
func (s Spend) String() string {
	if len(s.Unknown) == 0 {
		if s.Priced == 0 {
			return "$0"
		}
		return usd(s.USD)
	}
	models := make([]string, 0, len(s.Unknown))
	for m := range s.Unknown {
		models = append(models, m)
	}
	slices.Sort(models)
	parts := make([]string, len(models))
	for i, m := range models {
		u := s.Unknown[m]
		parts[i] = fmt.Sprintf("%s: %s in / %s out tokens", m, tokens(u.InputTokens+u.CacheCreationInputTokens+u.CacheReadInputTokens), tokens(u.OutputTokens))
	}
	unknown := "unknown (" + strings.Join(parts, "; ") + ")"
	if s.Priced == 0 {
		return unknown
	}
	return usd(s.USD) + " + " + unknown
}

// usd formats dollars with 4 significant decimals for small sums.
func usd(v float64) string {
	if v >= 10 {
		return fmt.Sprintf("$%.2f", v)
	}
	return fmt.Sprintf("$%.4f", v)
}

// tokens formats a token count: 950, 12.3k, 4.56M.
func tokens(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprint(n)
	case n < 1_000_000:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprintf("%.2fM", float64(n)/1e6)
}
