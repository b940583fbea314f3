package sim

import (
	"net/http"
	"strconv"
	"strings"
)

// knownModels are listed by GET /v1/models, newest first, before any model
// that a rule names.
var knownModels = []struct {
	id      string
	created string
}{
	{"claude-sonnet-5-5", "2026-05-14T00:00:00Z"},
	{"claude-haiku-5-5", "2026-05-14T00:00:00Z"},
	{"claude-opus-5-5", "2026-05-14T00:00:00Z"},
	{"claude-sonnet-4-5", "2025-09-29T00:00:00Z"},
	{"claude-haiku-4-5", "2025-10-15T00:00:00Z"},
}

type modelInfo struct {
	Type        string `json:"type"` // "model"
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	CreatedAt   string `json:"created_at"`
}

type modelList struct {
	Data    []modelInfo `json:"data"`
	HasMore bool        `json:"has_more"`
	FirstID *string     `json:"first_id"`
	LastID  *string     `json:"last_id"`
}

// models lists the known models and then every model a rule names.
func (s *Server) models() []modelInfo {
	var out []modelInfo
	seen := map[string]bool{}
	add := func(id, created string) {
		if id == "" || id == "*" || seen[id] {
			return
		}
		seen[id] = true
		out = append(out, modelInfo{Type: "model", ID: id, DisplayName: displayName(id), CreatedAt: created})
	}
	for _, m := range knownModels {
		add(m.id, m.created)
	}
	const unknown = "1970-01-01T00:00:00Z" // the API's value for an unknown release date
	for _, r := range s.Rules() {
		add(r.Model, unknown)
	}
	if s.script != nil {
		for _, p := range s.script.Phases {
			for _, r := range p.Rules {
				add(r.Model, unknown)
			}
		}
	}
	return out
}

// displayName turns "claude-sonnet-5-5" into "Claude Sonnet 5.5".
func displayName(id string) string {
	parts := strings.Split(id, "-")
	if len(parts) < 2 || parts[0] != "claude" {
		return id
	}
	var words, version []string
	for _, p := range parts {
		if _, err := strconv.Atoi(p); err == nil {
			if len(p) < 8 { // skip a date suffix like 20250929
				version = append(version, p)
			}
			continue
		}
		words = append(words, strings.ToUpper(p[:1])+p[1:])
	}
	if len(version) > 0 {
		words = append(words, strings.Join(version, "."))
	}
	return strings.Join(words, " ")
}

// handleModels answers GET /v1/models (with limit, after_id, before_id) and
// GET /v1/models/{id}.
func (s *Server) handleModels(w http.ResponseWriter, r *http.Request) {
	all := s.models()
	var body []byte
	if id, ok := strings.CutPrefix(upstreamOf(r).path, "/v1/models/"); ok {
		i := indexOf(all, id)
		if i < 0 {
			s.count(r, "", "invalid")
			s.writeError(w, r, http.StatusNotFound, "not_found_error", "model: "+id)
			return
		}
		body = marshal(all[i])
	} else {
		q := r.URL.Query()
		limit := 20
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				s.count(r, "", "invalid")
				s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", "limit: Input should be an integer from 1 to 1000")
				return
			}
			limit = n
		}
		from, to := 0, len(all)
		if v := q.Get("after_id"); v != "" {
			from = indexOf(all, v) + 1 // unknown id: from the start
		}
		if v := q.Get("before_id"); v != "" {
			if i := indexOf(all, v); i >= 0 {
				to = i
			}
		}
		page := modelList{Data: []modelInfo{}}
		if from < to {
			page.Data = all[from:to]
			if len(page.Data) > limit {
				page.Data, page.HasMore = page.Data[:limit], true
			}
			first, last := page.Data[0].ID, page.Data[len(page.Data)-1].ID
			page.FirstID, page.LastID = &first, &last
		}
		body = marshal(page)
	}
	s.peekRateHeaders(w, r, "")
	p := s.plan(r, "", false)
	s.count(r, "", p.outcome())
	if !s.preAnswer(w, r, &p, "", body) {
		writeJSON(w, http.StatusOK, body)
	}
}

func indexOf(ms []modelInfo, id string) int {
	for i, m := range ms {
		if m.ID == id {
			return i
		}
	}
	return -1
}
