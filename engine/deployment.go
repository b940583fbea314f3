package engine

import "strings"

// DeploymentSep joins a model and the upstream serving it in a deployment
// key: "claude-sonnet-5-5@bedrock-us". First-party model names never hold it.
const DeploymentSep = "@"

// Deployment returns the key of model served by upstream: the model name
// alone when upstream is "" (the default upstream), else
// model + DeploymentSep + upstream ([Chain.Key]). Each key has its own
// breaker, cooldown, latency window and metrics (DESIGN §13).
func Deployment(model, upstream string) string {
	if upstream == "" {
		return model
	}
	return model + DeploymentSep + upstream
}

// SplitDeployment is the inverse of [Deployment]: the model and upstream of
// key ("" for the default upstream). The engine never splits a model name
// itself (a client's model id may hold '@'); the library uses it to read
// its chain's MODEL@NAME tiers.
func SplitDeployment(key string) (model, upstream string) {
	if i := strings.LastIndex(key, DeploymentSep); i > 0 {
		return key[:i], key[i+len(DeploymentSep):]
	}
	return key, ""
}
