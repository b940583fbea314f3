package sim

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"time"
)

// The endpoints with a lasting effect upstream: each call creates something
// that costs money on the real API, so a duplicate shows. Only their create
// calls are simulated, enough to see how often a client sends them; fault
// rules apply to them when the rule's model is "*".

// batchBody is a message batch as POST /v1/messages/batches answers it.
type batchBody struct {
	ID                string      `json:"id"`
	Type              string      `json:"type"` // "message_batch"
	ProcessingStatus  string      `json:"processing_status"`
	RequestCounts     batchCounts `json:"request_counts"`
	EndedAt           *string     `json:"ended_at"`
	CreatedAt         string      `json:"created_at"`
	ExpiresAt         string      `json:"expires_at"`
	ArchivedAt        *string     `json:"archived_at"`
	CancelInitiatedAt *string     `json:"cancel_initiated_at"`
	ResultsURL        *string     `json:"results_url"`
}

type batchCounts struct {
	Processing int `json:"processing"`
	Succeeded  int `json:"succeeded"`
	Errored    int `json:"errored"`
	Canceled   int `json:"canceled"`
	Expired    int `json:"expired"`
}

// fileBody is a file as POST /v1/files answers it.
type fileBody struct {
	ID           string `json:"id"`
	Type         string `json:"type"` // "file"
	Filename     string `json:"filename"`
	MimeType     string `json:"mime_type"`
	SizeBytes    int64  `json:"size_bytes"`
	CreatedAt    string `json:"created_at"`
	Downloadable bool   `json:"downloadable"`
}

// handleCreateBatch answers POST /v1/messages/batches: a batch of the
// requests given, in progress.
func (s *Server) handleCreateBatch(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	var req struct {
		Requests []json.RawMessage `json:"requests"`
	}
	if json.Unmarshal(body, &req) != nil || len(req.Requests) == 0 {
		s.count(r, "", "invalid")
		s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", "requests: Field required")
		return
	}
	now := s.clock.Now().UTC()
	s.sideEffect(w, r, marshal(batchBody{
		ID: newID("msgbatch_01", 22), Type: "message_batch", ProcessingStatus: "in_progress",
		RequestCounts: batchCounts{Processing: len(req.Requests)},
		CreatedAt:     now.Format(time.RFC3339Nano), ExpiresAt: now.Add(24 * time.Hour).Format(time.RFC3339Nano),
	}))
}

// handleCreateFile answers POST /v1/files: a multipart/form-data upload
// with a "file" part.
func (s *Server) handleCreateFile(w http.ResponseWriter, r *http.Request) {
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	name, mimeType, size, ok := uploadedFile(r.Header.Get("Content-Type"), body)
	if !ok {
		s.count(r, "", "invalid")
		s.writeError(w, r, http.StatusBadRequest, "invalid_request_error", "file: Field required")
		return
	}
	s.sideEffect(w, r, marshal(fileBody{
		ID: newID("file_011", 22), Type: "file", Filename: name, MimeType: mimeType, SizeBytes: size,
		CreatedAt: s.clock.Now().UTC().Format(time.RFC3339Nano),
	}))
}

// sideEffect applies the "*" rules to a create call, then answers body.
func (s *Server) sideEffect(w http.ResponseWriter, r *http.Request, body []byte) {
	s.peekRateHeaders(w, r, "")
	p := s.plan(r, "", false)
	s.count(r, "", p.outcome())
	if !s.preAnswer(w, r, &p, "", body) {
		writeJSON(w, http.StatusOK, body)
	}
}

// uploadedFile reads the "file" part of a multipart/form-data body.
func uploadedFile(contentType string, body []byte) (name, mimeType string, size int64, ok bool) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return "", "", 0, false
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			return "", "", 0, false
		}
		if part.FormName() != "file" {
			continue
		}
		n, err := io.Copy(io.Discard, part)
		if err != nil {
			return "", "", 0, false
		}
		mimeType = part.Header.Get("Content-Type")
		if mimeType == "" {
			mimeType = "application/octet-stream"
		}
		return part.FileName(), mimeType, n, true
	}
}
