package catalog

// Alias returns model without a trailing snapshot date: the alias
// "claude-haiku-4-5" for "claude-haiku-4-5-20251001". A model with no
// "-YYYYMMDD" suffix (eight digits) is returned unchanged.
func Alias(model string) string {
	const n = len("-20060102")
	if len(model) <= n || model[len(model)-n] != '-' {
		return model
	}
	for _, c := range model[len(model)-n+1:] {
		if c < '0' || c > '9' {
			return model
		}
	}
	return model[:len(model)-n]
}
