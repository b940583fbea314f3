// Package config is bulwark's configuration: the YAML file of DESIGN §7b
// ([Load], [Parse]), its defaults ([Default]), its checks ([Config.Validate]),
// the flags that override it ([Config.ApplyOverrides]) and the choice of a
// chain for a requested model ([Config.Chain]).
//
// Every key of the file is optional; what is left out keeps its default, so
// a file can hold one setting:
//
//	profiles: {interactive: {deadline: 5s}}
//
// Key names are the contract (see example.yaml beside this file for every
// key). Durations are Go duration strings ("150ms", "2s", "1m30s"; see
// [Duration]). Unknown keys, wrongly typed values and failed checks are
// errors that name the key and its line:
//
//	config.yaml:7: unknown key "breakr"
//	config.yaml:3: profiles.interactive.attempts: must be at least 1, got 0
//
// The defaults are not written here: [Default] builds them from the
// packages that own them (engine profiles, the default chain and texts;
// backoff, breaker, budget and store), which the library uses too, so the
// two faces start alike.
//
// Apart from Load reading its file, nothing here does I/O; the environment
// (ANTHROPIC_BASE_URL, client keys, the admin key) is read by the caller.
package config
