package kube

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"
)

// gateway is the gateway's Deployment, Service, ConfigMap, Secret and
// ServiceAccount name for the release "rel".
const gateway = "rel-bulwark"

// drainSeconds is how long bulwark takes to stop after SIGTERM at most: its
// 10 s grace for requests in flight, then 1 s for cut streams to end.
const drainSeconds = 11

// expect is what a value set in ci/ asks of the render.
type expect struct {
	replicas      int32
	redis         string // the config's redis URL; "" none
	redisInChart  bool
	envSecret     string // the Secret the gateway's envFrom names
	secretInChart bool
	saName        string
	saAnnotation  string // the workload identity annotation's key
	rule, monitor bool
}

var valueSetExpects = map[string]expect{
	"default-values.yaml": {replicas: 2, saName: gateway},
	"redis-bedrock-values.yaml": {replicas: 3, redis: "redis://rel-bulwark-redis:6379/0", redisInChart: true,
		envSecret: "bulwark-keys", saName: gateway, saAnnotation: "eks.amazonaws.com/role-arn", rule: true, monitor: true},
	"vertex-keys-values.yaml": {replicas: 2, envSecret: gateway, secretInChart: true, saName: "bulwark-gateway",
		saAnnotation: "iam.gke.io/gcp-service-account", monitor: true},
}

func TestChart_LintsCleanWithEveryValueSet(t *testing.T) {
	for _, f := range valueSets(t) {
		if out, err := helm(t, "lint", "--strict", chartDir, "-f", f); err != nil {
			t.Errorf("helm lint --strict -f %s: %v\n%s", filepath.Base(f), err, out)
		}
	}
}

func TestChart_EveryValueSetRendersObjectsTheAPIAccepts(t *testing.T) {
	for _, f := range valueSets(t) {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := valueSetExpects[name]
			if !ok {
				t.Fatalf("ci/%s has no entry in valueSetExpects: say what it should render", name)
			}
			r := render(t, "-f", f)
			checkGateway(t, r, want)
			checkService(t, r)
			checkDisruptionBudget(t, r, want)
			checkRedis(t, r, want)
			checkIdentity(t, r, want)
			checkMonitoring(t, r, want)
		})
	}
}

// pod returns the gateway Deployment and its bulwark container.
func pod(t *testing.T, r *rendered) (*appsv1.Deployment, *corev1.Container) {
	t.Helper()
	d := r.deployments[gateway]
	if d == nil {
		t.Fatalf("no Deployment %s", gateway)
	}
	for i := range d.Spec.Template.Spec.Containers {
		if c := &d.Spec.Template.Spec.Containers[i]; c.Name == "bulwark" {
			return d, c
		}
	}
	t.Fatalf("Deployment %s has no container bulwark", gateway)
	return nil, nil
}

// selects tells whether sel selects objects labelled set.
func selects(t *testing.T, sel *metav1.LabelSelector, set map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return !s.Empty() && s.Matches(labels.Set(set))
}

func checkGateway(t *testing.T, r *rendered, want expect) {
	d, c := pod(t, r)
	spec := d.Spec.Template.Spec
	if d.Spec.Replicas == nil || *d.Spec.Replicas != want.replicas {
		t.Errorf("replicas %v, want %d", d.Spec.Replicas, want.replicas)
	}
	if !selects(t, d.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("the Deployment's selector %v does not select its pods %v", d.Spec.Selector, d.Spec.Template.Labels)
	}
	if c.Image == "" || strings.HasSuffix(c.Image, ":") {
		t.Errorf("image %q", c.Image)
	}

	// Non-root, read-only, no capabilities, the runtime's seccomp profile.
	psc := spec.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser != 65532 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod securityContext %+v: want runAsNonRoot, runAsUser 65532 (the image's), seccomp RuntimeDefault", psc)
	}
	sc := c.SecurityContext
	if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("container securityContext %+v: want readOnlyRootFilesystem, no privilege escalation, drop ALL", sc)
	}

	// The image's ENTRYPOINT stays; the chart's flags follow it.
	if len(c.Command) != 0 {
		t.Errorf("command %v replaces the image's ENTRYPOINT", c.Command)
	}
	if len(c.Args) == 0 || c.Args[0] != "--config=/etc/bulwark/bulwark.yaml" {
		t.Errorf("args %v: want --config=/etc/bulwark/bulwark.yaml first", c.Args)
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m
	}
	vols := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		vols[v.Name] = v
	}
	cfgVol := vols[mounts["/etc/bulwark"].Name]
	if !mounts["/etc/bulwark"].ReadOnly || cfgVol.ConfigMap == nil {
		t.Fatalf("/etc/bulwark: mount %+v of volume %+v, want a read-only ConfigMap", mounts["/etc/bulwark"], cfgVol)
	}
	cm := r.configMaps[cfgVol.ConfigMap.Name]
	if cm == nil || cm.Data["bulwark.yaml"] == "" {
		t.Fatalf("the config volume names ConfigMap %q, which is not rendered with a bulwark.yaml", cfgVol.ConfigMap.Name)
	}
	if tmp := vols[mounts["/tmp"].Name]; tmp.EmptyDir == nil {
		t.Errorf("/tmp is %+v, want an emptyDir (the root filesystem is read-only)", tmp)
	}

	// Probes on the gateway's own endpoints, on a port the container has.
	ports := map[string]int32{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	if ports["http"] != 8080 {
		t.Errorf("container ports %v: want http 8080 (the image's --addr)", c.Ports)
	}
	for _, p := range []struct {
		name  string
		probe *corev1.Probe
		path  string
	}{{"readiness", c.ReadinessProbe, "/readyz"}, {"liveness", c.LivenessProbe, "/healthz"}} {
		if p.probe == nil || p.probe.HTTPGet == nil || p.probe.HTTPGet.Path != p.path {
			t.Errorf("%s probe %+v: want GET %s", p.name, p.probe, p.path)
			continue
		}
		if _, ok := ports[p.probe.HTTPGet.Port.String()]; !ok && p.probe.HTTPGet.Port.IntValue() != 8080 {
			t.Errorf("%s probe port %s is not a container port", p.name, p.probe.HTTPGet.Port.String())
		}
	}

	// The grace period covers the preStop sleep and bulwark's drain.
	sleep := int64(0)
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		sleep = c.Lifecycle.PreStop.Sleep.Seconds
	}
	if g := spec.TerminationGracePeriodSeconds; g == nil || *g < sleep+drainSeconds {
		t.Errorf("terminationGracePeriodSeconds %v < preStop sleep %d s + drain %d s", g, sleep, drainSeconds)
	}

	// Secrets come in by reference, never in the ConfigMap.
	var secretRefs []string
	for _, e := range c.EnvFrom {
		if e.SecretRef != nil {
			secretRefs = append(secretRefs, e.SecretRef.Name)
		}
	}
	if want.envSecret == "" && len(secretRefs) != 0 || want.envSecret != "" && !slices.Contains(secretRefs, want.envSecret) {
		t.Errorf("envFrom secrets %v, want %q", secretRefs, want.envSecret)
	}
	if _, made := r.secrets[want.envSecret]; want.envSecret != "" && made != want.secretInChart {
		t.Errorf("Secret %s rendered: %v, want %v", want.envSecret, made, want.secretInChart)
	}
	for _, s := range r.secrets {
		for k, v := range s.StringData {
			if strings.Contains(cm.Data["bulwark.yaml"], v) {
				t.Errorf("the ConfigMap holds the value of secret variable %s", k)
			}
		}
	}
}

func checkService(t *testing.T, r *rendered) {
	d, c := pod(t, r)
	svc := r.services[gateway]
	if svc == nil {
		t.Fatalf("no Service %s", gateway)
	}
	if !selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, d.Spec.Template.Labels) {
		t.Errorf("Service selector %v does not select the gateway pods %v", svc.Spec.Selector, d.Spec.Template.Labels)
	}
	for _, p := range svc.Spec.Ports {
		if !slices.ContainsFunc(c.Ports, func(cp corev1.ContainerPort) bool { return cp.Name == p.TargetPort.String() }) {
			t.Errorf("Service port %s targets %s, which the container does not have", p.Name, p.TargetPort.String())
		}
	}
}

func checkDisruptionBudget(t *testing.T, r *rendered, want expect) {
	d, _ := pod(t, r)
	if len(r.pdbs) != 1 {
		t.Fatalf("%d PodDisruptionBudgets, want 1", len(r.pdbs))
	}
	pdb := r.pdbs[0]
	if !selects(t, pdb.Spec.Selector, d.Spec.Template.Labels) {
		t.Errorf("PDB selector %v does not select the gateway pods", pdb.Spec.Selector)
	}
	if m := pdb.Spec.MinAvailable; m != nil && m.IntValue() >= int(want.replicas) {
		t.Errorf("PDB minAvailable %s with %d replicas: no node could ever be drained", m.String(), want.replicas)
	}
	if pdb.Spec.MinAvailable == nil && pdb.Spec.MaxUnavailable == nil {
		t.Error("PDB sets neither minAvailable nor maxUnavailable")
	}
}

func checkRedis(t *testing.T, r *rendered, want expect) {
	var cfg struct {
		Redis string `json:"redis"`
	}
	if err := yaml.Unmarshal([]byte(r.configMaps[gateway].Data["bulwark.yaml"]), &cfg); err != nil {
		t.Fatalf("bulwark.yaml: %v", err)
	}
	if cfg.Redis != want.redis {
		t.Errorf("config redis %q, want %q", cfg.Redis, want.redis)
	}
	rd := r.deployments["rel-bulwark-redis"]
	if (rd != nil) != want.redisInChart {
		t.Fatalf("in-chart Redis rendered: %v, want %v", rd != nil, want.redisInChart)
	}
	if rd == nil {
		return
	}
	u, err := url.Parse(cfg.Redis)
	if err != nil {
		t.Fatal(err)
	}
	svc := r.services[u.Hostname()]
	if svc == nil || !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return fmt.Sprint(p.Port) == u.Port() }) {
		t.Fatalf("the config's Redis %s is not a rendered Service and port", cfg.Redis)
	}
	if !selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, rd.Spec.Template.Labels) {
		t.Errorf("Redis Service selector %v does not select the Redis pod", svc.Spec.Selector)
	}
	gw, _ := pod(t, r)
	if selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, gw.Spec.Template.Labels) {
		t.Error("the Redis Service selects the gateway pods too")
	}
	c := rd.Spec.Template.Spec.Containers[0]
	if sc := c.SecurityContext; sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
		t.Errorf("Redis container securityContext %+v: want a read-only root filesystem", sc)
	}
	if psc := rd.Spec.Template.Spec.SecurityContext; psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Errorf("Redis pod securityContext %+v: want runAsNonRoot", psc)
	}
	if len(r.netpols) != 1 {
		t.Fatalf("%d NetworkPolicies, want 1 (for the in-chart Redis)", len(r.netpols))
	}
	np := r.netpols[0]
	if !selects(t, &np.Spec.PodSelector, rd.Spec.Template.Labels) || len(np.Spec.Ingress) != 1 ||
		len(np.Spec.Ingress[0].From) != 1 || !selects(t, np.Spec.Ingress[0].From[0].PodSelector, gw.Spec.Template.Labels) {
		t.Errorf("NetworkPolicy %+v: want the Redis pod open to the gateway pods only", np.Spec)
	}
}

func checkIdentity(t *testing.T, r *rendered, want expect) {
	d, _ := pod(t, r)
	if got := d.Spec.Template.Spec.ServiceAccountName; got != want.saName {
		t.Errorf("serviceAccountName %q, want %q", got, want.saName)
	}
	sa := r.serviceAccounts[want.saName]
	if sa == nil {
		t.Fatalf("no ServiceAccount %s", want.saName)
	}
	if want.saAnnotation != "" && sa.Annotations[want.saAnnotation] == "" {
		t.Errorf("ServiceAccount annotations %v: want %s (workload identity)", sa.Annotations, want.saAnnotation)
	}
	if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
		t.Error("the ServiceAccount mounts an API token: bulwark never calls the Kubernetes API")
	}
}

func checkMonitoring(t *testing.T, r *rendered, want expect) {
	if (len(r.rules) == 1) != want.rule || len(r.rules) > 1 {
		t.Errorf("%d PrometheusRules, want one: %v", len(r.rules), want.rule)
	}
	if (len(r.monitors) == 1) != want.monitor || len(r.monitors) > 1 {
		t.Fatalf("%d ServiceMonitors, want one: %v", len(r.monitors), want.monitor)
	}
	for _, sm := range r.monitors {
		svc := r.services[gateway]
		if !selects(t, &sm.Spec.Selector, svc.Labels) {
			t.Errorf("ServiceMonitor selector %v does not select Service %s %v", sm.Spec.Selector, gateway, svc.Labels)
		}
		if redis := r.services["rel-bulwark-redis"]; redis != nil && selects(t, &sm.Spec.Selector, redis.Labels) {
			t.Error("the ServiceMonitor selects the Redis Service too")
		}
		for _, ep := range sm.Spec.Endpoints {
			if ep.Path != "/metrics" || !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == ep.Port }) {
				t.Errorf("ServiceMonitor endpoint port %q path %q: want a Service port's name and /metrics", ep.Port, ep.Path)
			}
		}
	}
}

func TestChart_PrometheusRuleHoldsTheAlertsFileUnchanged(t *testing.T) {
	r := render(t, "--set", "monitoring.prometheusRule.enabled=true")
	if len(r.rules) != 1 {
		t.Fatalf("%d PrometheusRules, want 1", len(r.rules))
	}
	data, err := os.ReadFile("../../../deploy/prometheus/alerts.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The alerts file is a Prometheus rule file: its groups are a
	// PrometheusRule's spec, field for field.
	var want monitoringv1.PrometheusRuleSpec
	if err := yaml.UnmarshalStrict(data, &want); err != nil {
		t.Fatalf("deploy/prometheus/alerts.yaml is not a PrometheusRule spec: %v", err)
	}
	if len(want.Groups) == 0 || len(want.Groups[0].Rules) == 0 {
		t.Fatal("deploy/prometheus/alerts.yaml holds no rules")
	}
	if got := r.rules[0].Spec; !reflect.DeepEqual(got, want) {
		t.Errorf("the PrometheusRule's spec differs from deploy/prometheus/alerts.yaml:\ngot  %+v\nwant %+v", got, want)
	}
}

func TestChart_RefusesValuesThatCannotWork(t *testing.T) {
	for _, c := range []struct {
		name string
		set  []string
		want string // in helm's error
	}{
		{"a misspelt key", []string{"replicas=3"}, "replicas"},
		{"negative replicas", []string{"replicaCount=-1"}, "replicaCount"},
		{"a grace period shorter than the drain", []string{"terminationGracePeriodSeconds=5"}, "terminationGracePeriodSeconds"},
		{"a grace period shorter than the preStop sleep and the drain", []string{"lifecycle.preStopSleepSeconds=10", "terminationGracePeriodSeconds=20"}, "shorter than lifecycle.preStopSleepSeconds"},
		{"an unknown log format", []string{"logFormat=xml"}, "logFormat"},
		{"two Redis sources", []string{"redis.enabled=true", "redis.url=redis://other:6379/0"}, "set one of redis.enabled"},
		{"redis in the config beside the chart's", []string{"redis.enabled=true", "config.redis=redis://other:6379/0"}, "not config.redis"},
		{"a listen address in the config", []string{"config.addr=0.0.0.0:9090"}, "addr"},
		{"a Redis URL without a scheme", []string{"redis.url=other:6379"}, "redis"},
		{"a variable name that is no name", []string{"secret.env.not-a-name=x"}, "not-a-name"},
	} {
		args := []string{"template", "rel", chartDir}
		for _, s := range c.set {
			args = append(args, "--set", s)
		}
		_, err := helm(t, args...)
		if err == nil {
			t.Errorf("%s (%v): helm template succeeded", c.name, c.set)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s (%v): error does not mention %q:\n%v", c.name, c.set, c.want, err)
		}
	}
}
