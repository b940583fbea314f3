package config

import (
	"reflect"
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
	want.Clients = []Client{{KeyEnv: "BULWARK_CLIENT_KEY_WEB", User: "web-frontend"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("example.yaml\n got %+v\nwant %+v", got, want)
	}
}

// TestExampleYAMLNamesEveryKey checks that example.yaml shows every key of
// the contract.
func TestExampleYAMLNamesEveryKey(t *testing.T) {
	data, err := readFile("example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range yamlKeys(reflect.TypeFor[Config]()) {
		if !containsKey(data, key) {
			t.Errorf("example.yaml does not show the key %q", key)
		}
	}
}
