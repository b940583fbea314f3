package config

import (
	"os"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the config parser: it must never panic,
// and whatever it accepts must be valid.
func FuzzParse(f *testing.F) {
	example, err := os.ReadFile("example.yaml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"", "addr: 127.0.0.1:9000\n", "profiles: {interactive: {deadline: 5s}}\n", "breakr: 1\n",
		"chains: {default: [static, claude-haiku-5-5]}\n", "profiles: {interactive: {deadline: 5}}\n",
		"prices: {claude-haiku-4-5: {input: -1}}\n", "a: &x [1]\nb: *x\n", "- just\n- a list\n", "\t\x00\xff",
		string(example),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted an invalid config: %v", err)
		}
	})
}
