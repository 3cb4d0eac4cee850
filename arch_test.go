// Package paddock_test checks the import graph of ARCHITECTURE.md: which
// project packages each package may import, and that only the composition
// roots (server, cmd) import more than one of the subsystems.
package paddock_test

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/paddockdb/paddock"

// allowed lists, per package (by prefix), the project packages it may
// import, directly or not.
var allowed = map[string][]string{
	"zk":       {},
	"engine":   {"zk"},
	"txnlog":   {"zk"},
	"snapshot": {"engine", "zk"},
	"zkimport": {"engine", "zk"},
	"quorum":   {"txnlog", "zk"},
	"net/":     {"zk", "net/"},
	"bench":    {"zk", "server", "net/", "engine", "txnlog", "snapshot", "quorum"},
	"server":   {"zk", "engine", "txnlog", "snapshot", "quorum", "net/"},
	// Test support: starts servers for other packages' tests.
	"server/servertest": {"server", "zk", "engine", "txnlog", "snapshot", "quorum", "net/"},
	"cmd/":              {"*"},
}

// rule returns the rule of the longest prefix that matches pkg.
func rule(pkg string) ([]string, bool) {
	best, found := "", false
	for prefix := range allowed {
		if pkg == prefix || strings.HasPrefix(pkg, strings.TrimSuffix(prefix, "/")+"/") || (strings.HasSuffix(prefix, "/") && strings.HasPrefix(pkg, prefix)) {
			if !found || len(prefix) > len(best) {
				best, found = prefix, true
			}
		}
	}
	return allowed[best], found
}

func permitted(dep string, deps []string) bool {
	for _, d := range deps {
		if d == "*" || dep == d || (strings.HasSuffix(d, "/") && strings.HasPrefix(dep, d)) || strings.HasPrefix(dep, d+"/") {
			return true
		}
	}
	return false
}

func TestImportGraph(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps=false", "-f", `{{.ImportPath}}:{{join .Deps " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, deps, _ := strings.Cut(line, ":")
		pkg := strings.TrimPrefix(strings.TrimPrefix(name, module), "/")
		if pkg == "" {
			continue
		}
		rules, ok := rule(pkg)
		if !ok {
			t.Errorf("package %s has no rule in ARCHITECTURE.md's table (add one here and there)", pkg)
			continue
		}
		for _, d := range strings.Fields(deps) {
			if !strings.HasPrefix(d, module+"/") {
				continue
			}
			dep := strings.TrimPrefix(d, module+"/")
			if strings.HasPrefix(dep, pkg) {
				continue
			}
			if !permitted(dep, rules) {
				t.Errorf("%s imports %s, which ARCHITECTURE.md does not allow", pkg, dep)
			}
		}
	}
}
