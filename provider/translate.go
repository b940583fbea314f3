package provider

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bulwarkhq/bulwark/internal/jsonscan"
)

// The anthropic_version each kind that takes it in the body is sent.
const (
	bedrockVersion = "bedrock-2023-05-31"
	vertexVersion  = "vertex-2023-10-16"
)

// ErrBody is wrapped by the errors of a request body that cannot be
// translated (not one JSON object, or an anthropic_beta that is not an
// array of strings).
var ErrBody = errors.New("provider: request body cannot be translated")

// member is one top-level member to add to a body: its name and its value
// as JSON.
type member struct {
	name  string
	value []byte
}

// bodyEdit says how to change a body's top-level members: drop those
// named, set the value of those named (every occurrence), and add members
// not already there, after the last one.
type bodyEdit struct {
	drop []string
	set  map[string][]byte
	add  []member
}

// translateBody returns body as an upstream of kind k takes it for op:
//   - bedrock: without model and stream, with anthropic_version
//     bedrock-2023-05-31 unless present, and betas (the anthropic-beta
//     header's values) in anthropic_beta (merged with one already there);
//   - vertex: without model (count_tokens: with the model set to id), with
//     anthropic_version vertex-2023-10-16 unless present;
//   - the first-party-wire kinds: the model set to id when it differs.
//
// Every other byte is kept as it was (cache_control, thinking signatures,
// tools, images, key order, white space). The result may share memory with
// body.
func translateBody(k Kind, op Op, body []byte, id string, betas []string) ([]byte, error) {
	var r jsonscan.Request
	if err := jsonscan.ScanRequest(body, &r); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBody, err)
	}
	quotedID := jsonscan.AppendString(nil, id)
	var e bodyEdit
	switch {
	case k == Bedrock:
		e.drop = []string{"model", "stream"}
		e.add = []member{{"anthropic_version", jsonscan.AppendString(nil, bedrockVersion)}}
		if len(betas) > 0 {
			v, err := mergeBetas(body, &r, betas)
			if err != nil {
				return nil, err
			}
			e.set = map[string][]byte{"anthropic_beta": v}
			e.add = append(e.add, member{"anthropic_beta", v})
		}
	case k == Vertex && op == OpCountTokens:
		e.set = map[string][]byte{"model": quotedID}
		e.add = []member{{"anthropic_version", jsonscan.AppendString(nil, vertexVersion)}}
	case k == Vertex:
		e.drop = []string{"model"}
		e.add = []member{{"anthropic_version", jsonscan.AppendString(nil, vertexVersion)}}
	default:
		if r.ModelIsString && !r.DupModel && r.Model == id {
			return body, nil
		}
		e.set = map[string][]byte{"model": quotedID}
	}
	return applyEdit(body, &r, e), nil
}

// mergeBetas returns the anthropic_beta value for betas: a JSON array of
// the values of the body's anthropic_beta (if any) followed by those of
// betas not already in it.
func mergeBetas(body []byte, r *jsonscan.Request, betas []string) ([]byte, error) {
	var all []string
	for _, m := range r.Members {
		if memberName(body, m) != "anthropic_beta" {
			continue
		}
		var have []string
		if err := json.Unmarshal(body[m.ValStart:m.ValEnd], &have); err != nil {
			return nil, fmt.Errorf("%w: anthropic_beta is not an array of strings", ErrBody)
		}
		all = have
	}
	for _, b := range betas {
		if !containsString(all, b) {
			all = append(all, b)
		}
	}
	v := []byte{'['}
	for i, b := range all {
		if i > 0 {
			v = append(v, ',')
		}
		v = jsonscan.AppendString(v, b)
	}
	return append(v, ']'), nil
}

// applyEdit returns body, scanned into r, with e applied.
func applyEdit(body []byte, r *jsonscan.Request, e bodyEdit) []byte {
	ms := r.Members
	var out []byte
	var tail []byte
	if len(ms) == 0 {
		end := bytes.LastIndexByte(body, '}')
		out = append(out, body[:end]...)
		tail = body[end:]
	} else {
		out = append(out, body[:ms[0].KeyStart]...)
		tail = body[ms[len(ms)-1].ValEnd:]
	}
	present := make(map[string]bool, len(ms))
	first := true
	for i, m := range ms {
		name := memberName(body, m)
		present[name] = true
		if containsString(e.drop, name) {
			continue
		}
		if !first && i > 0 {
			out = append(out, body[ms[i-1].ValEnd:m.KeyStart]...)
		}
		first = false
		out = append(out, body[m.KeyStart:m.ValStart]...)
		if v, ok := e.set[name]; ok {
			out = append(out, v...)
		} else {
			out = append(out, body[m.ValStart:m.ValEnd]...)
		}
	}
	for _, a := range e.add {
		if present[a.name] {
			continue
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		out = jsonscan.AppendString(out, a.name)
		out = append(out, ':')
		out = append(out, a.value...)
	}
	return append(out, tail...)
}

// memberName is the decoded name of member m of body.
func memberName(body []byte, m jsonscan.Member) string {
	key := body[m.KeyStart:m.KeyEnd]
	if bytes.IndexByte(key, '\\') < 0 {
		return string(key[1 : len(key)-1])
	}
	var s string
	_ = json.Unmarshal(key, &s) // the scanner validated it
	return s
}

// splitBetas returns the comma-separated values of the anthropic-beta
// header values vv, trimmed, without empty ones.
func splitBetas(vv []string) []string {
	var out []string
	for _, v := range vv {
		for _, b := range strings.Split(v, ",") {
			if b = strings.TrimSpace(b); b != "" {
				out = append(out, b)
			}
		}
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
