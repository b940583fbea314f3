package config

import (
	"reflect"
	"strings"
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
	want.Chains["default"] = []string{"claude-sonnet-5-5", "claude-haiku-5-5", "cache", "static"}
	want.Chains["claude-opus-5-5"] = []string{"claude-opus-5-5", "claude-sonnet-5-5", "static"}
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
	commented := strings.ReplaceAll(data, "\n#  - {", "\n   - {")
	for _, key := range yamlKeys(reflect.TypeFor[Config]()) {
		if key == "key_env" || key == "user" {
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
