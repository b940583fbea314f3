package proctest_test

import (
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/bulwarkhq/bulwark/internal/proctest"
)

var bin string

func TestMain(m *testing.M) { proctest.Main(m, &bin) }

func TestStartWaitsForTheAddressAndKeepsStderr(t *testing.T) {
	p := proctest.Start(t, bin, "sim", proctest.CleanEnv(), "sim", "--addr", "127.0.0.1:0")
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q", p.URL)
	}
	resp, err := http.Get(p.URL + "/_sim/stats")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET stats: %v %v", resp, err)
	}
	resp.Body.Close()
	if p.Logs() == "" {
		t.Fatal("stderr was not kept")
	}
}

func TestCleanEnvDropsAnthropicVariables(t *testing.T) {
	t.Setenv("ANTHROPIC_API_KEY", "sk-secret")
	env := proctest.CleanEnv("X=1")
	for _, kv := range env {
		if strings.HasPrefix(kv, "ANTHROPIC_") {
			t.Fatalf("kept %q", kv)
		}
	}
	if env[len(env)-1] != "X=1" || len(env) < len(os.Environ())-1 {
		t.Fatalf("extra not appended or other variables lost: %d of %d", len(env), len(os.Environ()))
	}
}
