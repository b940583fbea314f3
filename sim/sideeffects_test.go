package sim_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/sim"
)

func TestBatchAndFileCreateCallsAnswerTheirObjectsAndAreCountedAndFaulted(t *testing.T) {
	s := sim.New(sim.WithSeed(1))
	var form bytes.Buffer
	mw := multipart.NewWriter(&form)
	fw, _ := mw.CreateFormFile("file", "notes.txt")
	_, _ = fw.Write([]byte("hello file"))
	_ = mw.Close()
	post := func(path, ct, body string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("POST", path, strings.NewReader(body))
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	batch := post("/v1/messages/batches", "application/json",
		`{"requests":[{"custom_id":"a","params":{"model":"claude-sonnet-5-5","max_tokens":8,"messages":[{"role":"user","content":"hi"}]}}]}`)
	var b struct {
		ID               string `json:"id"`
		Type             string `json:"type"`
		ProcessingStatus string `json:"processing_status"`
		RequestCounts    struct {
			Processing int `json:"processing"`
		} `json:"request_counts"`
	}
	if err := json.Unmarshal(batch.Body.Bytes(), &b); err != nil || batch.Code != 200 || !strings.HasPrefix(b.ID, "msgbatch_01") ||
		b.Type != "message_batch" || b.ProcessingStatus != "in_progress" || b.RequestCounts.Processing != 1 {
		t.Fatalf("batch: %d %s", batch.Code, batch.Body)
	}
	file := post("/v1/files", mw.FormDataContentType(), form.String())
	var f map[string]any
	if err := json.Unmarshal(file.Body.Bytes(), &f); err != nil || file.Code != 200 || f["type"] != "file" ||
		f["filename"] != "notes.txt" || f["size_bytes"] != float64(10) || !strings.HasPrefix(f["id"].(string), "file_011") {
		t.Fatalf("file: %d %s", file.Code, file.Body)
	}
	for _, bad := range []*httptest.ResponseRecorder{
		post("/v1/messages/batches", "application/json", `{"requests":[]}`),
		post("/v1/files", "application/json", `{}`),
	} {
		if bad.Code != 400 || decodeError(t, bad.Body.Bytes()).Error.Type != "invalid_request_error" {
			t.Fatalf("bad create: %d %s", bad.Code, bad.Body)
		}
	}
	s.SetRules([]sim.Rule{{Model: "*", Status: 529}})
	if w := post("/v1/messages/batches", "application/json", `{"requests":[{}]}`); w.Code != 529 {
		t.Fatalf("a 529 rule: %d %s", w.Code, w.Body)
	}
	st := s.Stats().Models[""]
	if st.Requests != 5 || st.Outcomes["ok"] != 2 || st.Outcomes["invalid"] != 2 || st.Outcomes["status_529"] != 1 {
		t.Fatalf("stats %+v", st)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest("GET", "/v1/messages/batches", nil))
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET batches: %d", w.Code)
	}
}
