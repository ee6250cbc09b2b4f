// Package layering holds the test that keeps the import graph one-way
// (ARCHITECTURE.md): nothing below install imports it, nothing below cli
// imports cli, nothing imports cmd, and the protocol packages stay free of
// the installer.
package layering

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/svcdev/svc"

type pkg struct {
	ImportPath string
	Imports    []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func TestLayering(t *testing.T) {
	// forbidden[p] lists import prefixes package p (and its subpackages)
	// must not use.
	forbidden := map[string][]string{
		module:               {module + "/install", module + "/packaging", module + "/cmd", module + "/cli"},
		module + "/systemd":  {module + "/install", module + "/packaging", module + "/cmd", module + "/classic", module + "/cli"},
		module + "/launchd":  {module + "/install", module + "/packaging", module + "/cmd", module + "/classic", module + "/cli"},
		module + "/classic":  {module + "/install", module + "/packaging", module + "/cmd", module + "/cli"},
		module + "/install":  {module + "/packaging", module + "/cmd", module + "/cli"},
		module + "/cli":      {module + "/packaging", module + "/cmd"},
		module + "/internal": {module + "/cmd", module + "/cli"},
	}
	for _, p := range listPackages(t) {
		for owner, bad := range forbidden {
			if p.ImportPath != owner && !strings.HasPrefix(p.ImportPath, owner+"/") {
				continue
			}
			if owner == module && p.ImportPath != module {
				continue // the root rule is for the root package only
			}
			for _, imp := range p.Imports {
				for _, b := range bad {
					if imp == b || strings.HasPrefix(imp, b+"/") {
						t.Errorf("%s imports %s: the graph must stay one-way (ARCHITECTURE.md)", p.ImportPath, imp)
					}
				}
			}
		}
		if !strings.HasPrefix(p.ImportPath, module+"/cmd") {
			for _, imp := range p.Imports {
				if strings.HasPrefix(imp, module+"/cmd") {
					t.Errorf("%s imports %s: nothing outside cmd may import cmd", p.ImportPath, imp)
				}
			}
		}
	}
}
