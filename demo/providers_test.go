package demo

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bulwarkhq/bulwark/sim"
)

func TestTheProviderIncidentHitsTheAnthropicAPIOnly(t *testing.T) {
	plain, prov := Incident(30*time.Second), ProviderIncident(30*time.Second)
	if len(plain) != len(prov) {
		t.Fatalf("%d phases, want %d", len(prov), len(plain))
	}
	for i, p := range prov {
		if p.Start != plain[i].Start || p.End != plain[i].End || len(p.Rules) != len(plain[i].Rules) {
			t.Fatalf("phase %s differs in its timing or rules", p.Name)
		}
		for _, r := range p.Rules {
			fault := r.Status != 0 || r.Hang
			if fault && r.Upstream != sim.KindAnthropic || !fault && r.Upstream != "" {
				t.Errorf("phase %s: rule %+v: faults must be the Anthropic API's, latencies everyone's", p.Name, r)
			}
		}
	}
	if plain[0].Rules[0].Upstream != "" {
		t.Error("ProviderIncident changed Incident's rules")
	}
}

func TestWithProvidersBulwarkAnswersWithThePrimaryModelThroughTheOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the demo for a few seconds")
	}
	res, err := Run(context.Background(), Config{Duration: 3 * time.Second, RPS: 30, Seed: 1, Providers: true})
	if err != nil {
		t.Fatal(err)
	}
	c := Count(res.Bulwark.Requests)
	if c.Blank != 0 || c.Degraded != 0 || c.Failed != 0 {
		t.Errorf("bulwark: %d blank, %d degraded, %d failed: Bedrock should have answered", c.Blank, c.Degraded, c.Failed)
	}
	primary := 0
	for _, r := range res.Bulwark.Requests {
		if r.Model == Primary {
			primary++
		}
	}
	if primary < len(res.Bulwark.Requests)*9/10 {
		t.Errorf("the primary model answered %d of %d requests; the same model on Bedrock should answer nearly all", primary, len(res.Bulwark.Requests))
	}
	var intro strings.Builder
	if err := WriteIntro(&intro, Config{Providers: true}); err != nil || !strings.Contains(intro.String(), Primary+"@"+Bedrock) {
		t.Errorf("intro does not show the Bedrock tier: %v\n%s", err, intro.String())
	}
}
