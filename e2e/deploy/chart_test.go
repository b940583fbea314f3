package deploy

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/bulwarkhq/bulwark/sim"
)

// chartDir is the Helm chart, from this folder.
const chartDir = "../../deploy/helm/bulwark"

// configPath is where the chart mounts the config file.
const configPath = "/etc/bulwark/bulwark.yaml"

// helmBin returns $BULWARK_HELM, else helm on $PATH; without either the
// test is skipped, saying how to get one.
func helmBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("BULWARK_HELM"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
		t.Skipf("BULWARK_HELM=%s does not exist (./scripts/test builds it with go install helm.sh/helm/v4/cmd/helm@v4.3.2; did that fail?)", p)
	}
	if p, err := exec.LookPath("helm"); err == nil {
		return p
	}
	t.Skip("no helm: set BULWARK_HELM or put helm on PATH (./scripts/test builds it with go install helm.sh/helm/v4/cmd/helm@v4.3.2)")
	return ""
}

// manifest is the part of a rendered object these tests read.
type manifest struct {
	Kind     string `yaml:"kind"`
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Spec       struct {
		Template struct {
			Spec struct {
				Containers []struct {
					Name string   `yaml:"name"`
					Args []string `yaml:"args"`
					Env  []struct {
						Name      string `yaml:"name"`
						Value     string `yaml:"value"`
						ValueFrom any    `yaml:"valueFrom"`
					} `yaml:"env"`
					EnvFrom []struct {
						SecretRef *struct {
							Name string `yaml:"name"`
						} `yaml:"secretRef"`
					} `yaml:"envFrom"`
				} `yaml:"containers"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// renderChart runs helm template with the value file and returns the
// objects by kind/name.
func renderChart(t *testing.T, values string) map[string]manifest {
	t.Helper()
	cmd := exec.Command(helmBin(t), "template", "rel", chartDir, "-f", values)
	home := t.TempDir()
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+home, "HELM_CONFIG_HOME="+home, "HELM_DATA_HOME="+home)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helm template -f %s: %v\n%s", values, err, stderr.String())
	}
	objs := map[string]manifest{}
	dec := yaml.NewDecoder(bytes.NewReader(out))
	for {
		var m manifest
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("helm template -f %s: %v", values, err)
		}
		if m.Kind != "" {
			objs[m.Kind+"/"+m.Metadata.Name] = m
		}
	}
	return objs
}

// varRef is a $(VAR) reference in a container's args, which the kubelet
// expands from the container's environment.
var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// externalSecrets stands in for the Secrets a value set names but the chart
// does not make: variable -> value.
var externalSecrets = map[string]string{
	// ci/vertex-keys-values.yaml: the external Redis URL (nothing listens
	// there; a Redis that is down at start is no error).
	"BULWARK_REDIS_URL": "redis://:ci-password@127.0.0.1:1/0",
}

func TestChart_EveryValueSetsConfigAndFlagsStartTheGateway(t *testing.T) {
	// GKE's workload identity is its metadata server, which Google's
	// credential chain finds at $GCE_METADATA_HOST: the simulator serves its
	// token paths (a Vertex upstream needs credentials at start).
	_, simURL, stopSim, err := sim.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer stopSim()
	metadataHost := strings.TrimPrefix(simURL, "http://")

	files, err := filepath.Glob(filepath.Join(chartDir, "ci", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no value sets in %s/ci (%v)", chartDir, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			objs := renderChart(t, f)
			cm, ok := objs["ConfigMap/rel-bulwark"]
			if !ok || cm.Data["bulwark.yaml"] == "" {
				t.Fatal("no ConfigMap rel-bulwark with a bulwark.yaml")
			}
			dep := objs["Deployment/rel-bulwark"]
			if len(dep.Spec.Template.Spec.Containers) == 0 {
				t.Fatal("no Deployment rel-bulwark with a container")
			}
			c := dep.Spec.Template.Spec.Containers[0]

			// The container's environment: plain values, the chart's own
			// Secret, stand-ins for external ones.
			dir := readOnlyDir(t, map[string]string{"bulwark.yaml": cm.Data["bulwark.yaml"]})
			env := containerEnv(dir, "GCE_METADATA_HOST="+metadataHost)
			vars := map[string]string{}
			for _, e := range c.Env {
				v := e.Value
				if e.ValueFrom != nil {
					if v, ok = externalSecrets[e.Name]; !ok {
						t.Fatalf("env %s comes from a Secret the test has no stand-in for", e.Name)
					}
				}
				vars[e.Name] = v
			}
			for _, ef := range c.EnvFrom {
				if ef.SecretRef == nil {
					continue
				}
				for k, v := range objs["Secret/"+ef.SecretRef.Name].StringData {
					vars[k] = v
				}
			}
			for k, v := range vars {
				env = append(env, k+"="+v)
			}

			args := inImage(t, entrypoint(t))
			for _, a := range c.Args {
				a = strings.Replace(a, configPath, filepath.Join(dir, "bulwark.yaml"), 1)
				args = append(args, varRef.ReplaceAllStringFunc(a, func(ref string) string {
					return vars[varRef.FindStringSubmatch(ref)[1]]
				}))
			}
			_, keyed := vars["ANTHROPIC_API_KEY"]
			p := startGateway(t, args, dir, env, !keyed)
			resp, err := http.Get("http://" + p.addr + "/readyz")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("GET /readyz: %d", resp.StatusCode)
			}
			if _, err := p.stop(t, grace+cut+2*time.Second); err != nil {
				t.Fatalf("exit: %v", err)
			}
			for _, v := range vars {
				if strings.Contains(v, "placeholder") || strings.Contains(v, "ci-password") {
					if strings.Contains(p.logs(), v) {
						t.Errorf("a secret's value is in the log")
					}
				}
			}
		})
	}
}
