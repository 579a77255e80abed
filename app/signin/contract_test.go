package signin

import (
	"os"
	"regexp"
	"sort"
	"testing"
)

// The screens word every kind listed in docs/view-contract.md (a frontend test
// holds them to it); this holds the backend to the same list.
func TestEveryKindIsInTheContract(t *testing.T) {
	md, err := os.ReadFile("../../docs/view-contract.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\|\\s*`([a-z_]+)`\\s*\\|").FindAllStringSubmatch(string(md), -1) {
		listed[m[1]] = true
	}
	var missing []string
	for _, k := range Kinds {
		if !listed[string(k)] {
			missing = append(missing, string(k))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Fatalf("kinds missing from docs/view-contract.md: %v", missing)
	}
}
