package config

import (
	"reflect"
	"regexp"
	"slices"
	"testing"
)

// TestExampleYAMLIsTheDefaultsPlusItsMarkedDifferences keeps example.yaml
// honest: it must parse, and equal Default() except where its comments say
// "differs from the default".
func TestExampleYAMLIsTheDefaultsPlusItsMarkedDifferences(t *testing.T) {
	got, err := Load("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	// No client key and no admin key: the file needs no environment variable
	// to start (cmd/bulwark runs it with none).
	if !reflect.DeepEqual(got, want) {
		t.Errorf("example.yaml\n got %+v\nwant %+v", got, want)
	}
}

// TestExampleYAMLNamesEveryKey checks that example.yaml shows every key of
// the contract. The keys of a client entry may be shown in a commented-out
// example only: an entry would need its environment variable to start.
func TestExampleYAMLNamesEveryKey(t *testing.T) {
	data, err := readFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Lines starting "#  " are commented-out YAML: entries that would
	// differ from the defaults (clients, upstreams beyond "anthropic", tiers
	// with via).
	commented := regexp.MustCompile("(?m)^#  ").ReplaceAllString(data, "   ")
	optional := append([]string{"key_env", "user"}, yamlKeys(reflect.TypeFor[Upstream]())...)
	optional = append(optional, yamlKeys(reflect.TypeFor[Tier]())...)
	for _, key := range yamlKeys(reflect.TypeFor[Config]()) {
		if slices.Contains(optional, key) && key != "kind" {
			if !containsKey(commented, key) {
				t.Errorf("example.yaml does not show the key %q, not even in a commented-out entry", key)
			}
			continue
		}
		if !containsKey(data, key) {
			t.Errorf("example.yaml does not show the key %q", key)
		}
	}
}
