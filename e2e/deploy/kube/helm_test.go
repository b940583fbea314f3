package kube

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// chartDir is the chart under test, from this package's folder.
const chartDir = "../../../deploy/helm/bulwark"

// helmBin returns the helm binary to run: $BULWARK_HELM, else helm on
// $PATH. Without either the test is skipped, saying how to get one.
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

// helm runs helm with args in a throwaway home and returns its stdout, or
// its error with stderr.
func helm(t *testing.T, args ...string) (string, error) {
	t.Helper()
	bin := helmBin(t)
	home := t.TempDir()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), errors.Join(err, errors.New(stderr.String()))
	}
	return stdout.String(), nil
}

// valueSets returns the chart's ci/*.yaml value files.
func valueSets(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(chartDir, "ci", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no value sets in %s/ci (%v)", chartDir, err)
	}
	return files
}

// codec decodes manifests strictly into the API's types: an unknown field,
// a duplicate field, a wrong type, or a kind or apiVersion none of the
// registered groups has is an error.
func codec(t *testing.T) runtime.Decoder {
	t.Helper()
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme, monitoringv1.AddToScheme,
	} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	return json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
}

// rendered is one `helm template` output, decoded.
type rendered struct {
	deployments     map[string]*appsv1.Deployment
	services        map[string]*corev1.Service
	configMaps      map[string]*corev1.ConfigMap
	secrets         map[string]*corev1.Secret
	serviceAccounts map[string]*corev1.ServiceAccount
	pdbs            []*policyv1.PodDisruptionBudget
	netpols         []*networkingv1.NetworkPolicy
	rules           []*monitoringv1.PrometheusRule
	monitors        []*monitoringv1.ServiceMonitor
}

// render runs `helm template` over the chart with the value files and
// extra args, and decodes every manifest strictly.
func render(t *testing.T, args ...string) *rendered {
	t.Helper()
	out, err := helm(t, append([]string{"template", "rel", chartDir, "--namespace", "bulwark"}, args...)...)
	if err != nil {
		t.Fatalf("helm template %v: %v", args, err)
	}
	return decode(t, out)
}

func decode(t *testing.T, manifests string) *rendered {
	t.Helper()
	r := &rendered{
		deployments: map[string]*appsv1.Deployment{}, services: map[string]*corev1.Service{},
		configMaps: map[string]*corev1.ConfigMap{}, secrets: map[string]*corev1.Secret{},
		serviceAccounts: map[string]*corev1.ServiceAccount{},
	}
	dec := codec(t)
	reader := utilyaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifests)))
	for n := 0; ; n++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("manifest %d: %v", n, err)
		}
		if isBlank(doc) {
			continue
		}
		obj, gvk, err := dec.Decode(doc, nil, nil)
		if err != nil {
			t.Errorf("manifest %d does not decode strictly as a Kubernetes object: %v\n%s", n, err, doc)
			continue
		}
		name := ""
		switch o := obj.(type) {
		case *appsv1.Deployment:
			r.deployments[o.Name], name = o, o.Name
		case *corev1.Service:
			r.services[o.Name], name = o, o.Name
		case *corev1.ConfigMap:
			r.configMaps[o.Name], name = o, o.Name
		case *corev1.Secret:
			r.secrets[o.Name], name = o, o.Name
		case *corev1.ServiceAccount:
			r.serviceAccounts[o.Name], name = o, o.Name
		case *policyv1.PodDisruptionBudget:
			r.pdbs, name = append(r.pdbs, o), o.Name
		case *networkingv1.NetworkPolicy:
			r.netpols, name = append(r.netpols, o), o.Name
		case *monitoringv1.PrometheusRule:
			r.rules, name = append(r.rules, o), o.Name
		case *monitoringv1.ServiceMonitor:
			r.monitors, name = append(r.monitors, o), o.Name
		default:
			t.Errorf("manifest %d: unexpected kind %s", n, gvk)
		}
		if name == "" {
			t.Errorf("manifest %d (%s) has no metadata.name", n, gvk)
		}
	}
	return r
}

// isBlank tells a document holding only comments and space.
func isBlank(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") && l != "---" {
			return false
		}
	}
	return true
}
