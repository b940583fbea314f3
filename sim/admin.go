package sim

import (
	"fmt"
	"io"
	"net/http"
)

// faultsDoc is the body of GET and PUT /_sim/faults.
type faultsDoc struct {
	// Rules are the live rules.
	Rules []Rule `json:"rules"`
	// Phase names the script phase in force (absent without a script).
	Phase string `json:"phase,omitempty"`
	// PhaseRules are that phase's rules.
	PhaseRules []Rule `json:"phase_rules,omitempty"`
}

func (s *Server) faultsDoc() faultsDoc {
	doc := faultsDoc{Rules: s.Rules()}
	if i, rules := s.phase(); i >= 0 {
		doc.Phase = s.script.Phases[i].Name
		if doc.Phase == "" {
			doc.Phase = fmt.Sprintf("phase %d", i+1)
		}
		doc.PhaseRules = rules
	}
	return doc
}

// handleFaults answers GET /_sim/faults and PUT /_sim/faults.
func (s *Server) handleFaults(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", "could not read the rules (at most 1 MiB): "+err.Error())
			return
		}
		rules, err := ParseRules(body)
		if err != nil {
			s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", err.Error())
			return
		}
		s.SetRules(rules)
	default:
		s.adminMethod(w, r, "GET, PUT")
		return
	}
	writeJSON(w, http.StatusOK, marshal(s.faultsDoc()))
}

// handleLimits answers GET /_sim/limits and PUT /_sim/limits.
func (s *Server) handleLimits(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
	case http.MethodPut:
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err != nil {
			s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", "could not read the limits (at most 1 MiB): "+err.Error())
			return
		}
		limits, err := ParseLimits(body)
		if err != nil {
			s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", err.Error())
			return
		}
		s.SetLimits(limits)
	default:
		s.adminMethod(w, r, "GET, PUT")
		return
	}
	writeJSON(w, http.StatusOK, marshal(limitsDoc{Limits: s.Limits()}))
}

// handleStats answers GET /_sim/stats.
func (s *Server) handleStats(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		s.adminMethod(w, r, http.MethodGet)
		return
	}
	writeJSON(w, http.StatusOK, marshal(s.Stats()))
}

// handleReset answers POST /_sim/reset with 204 No Content.
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		s.adminMethod(w, r, http.MethodPost)
		return
	}
	s.Reset()
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) adminMethod(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	s.writeError(w, r, http.StatusMethodNotAllowed, "not_found_error", "Method Not Allowed: "+r.Method+" "+r.URL.Path+" (use "+allow+")")
}
