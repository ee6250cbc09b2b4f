package packaging

import (
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// Options are Make's inputs. The zero value (but Out) packages the module
// in the current directory for this machine's architecture.
type Options struct {
	Dir     string   // module root; "" for the current directory
	Out     string   // where the packages go ("dist")
	Formats []Format // nil for deb and rpm
	Binary  string   // a prebuilt svc to ship; "" builds ./cmd/svc
	// Stage makes the staging tree in root with the svc at bin (root's
	// usr/bin/svc). nil runs `svc install --root` (StageWithInstaller);
	// tests that must not depend on the installer give their own.
	Stage func(ctx context.Context, bin, root string) error
}

// versionVar is where `svc version` reads its version from.
const versionVar = "main.version"

// Make builds the svc packages into o.Out and returns their paths: the
// binary (built with the changelog's version), the staging tree from the
// installer, the man page from the binary's help, then one nfpm run per
// format.
func Make(ctx context.Context, o Options) ([]string, error) {
	work, err := os.MkdirTemp("", "svc-package-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	changelog := filepath.Join(work, "changelog.yml")
	if err := os.WriteFile(changelog, changelogYAML, 0o644); err != nil {
		return nil, err
	}
	v, err := newestVersion(changelog)
	if err != nil {
		return nil, err
	}
	root := filepath.Join(work, "root")
	bin := filepath.Join(root, "usr", "bin", Name)
	if err := placeBinary(ctx, o, bin, v.Upstream); err != nil {
		return nil, err
	}
	stage := o.Stage
	if stage == nil {
		stage = StageWithInstaller
	}
	if err := stage(ctx, bin, root); err != nil {
		return nil, err
	}
	p, err := describe(ctx, root, bin, v, changelog, work)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, err
	}
	formats := o.Formats
	if formats == nil {
		formats = []Format{Deb, RPM}
	}
	var out []string
	for _, f := range formats {
		path, err := Build(p, f, o.Out, work)
		if err != nil {
			return out, err
		}
		out = append(out, path)
	}
	return out, nil
}

// placeBinary builds ./cmd/svc (or copies o.Binary) to bin.
func placeBinary(ctx context.Context, o Options, bin, version string) error {
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return err
	}
	if o.Binary != "" {
		data, err := os.ReadFile(o.Binary)
		if err != nil {
			return err
		}
		return os.WriteFile(bin, data, 0o755)
	}
	// -trimpath and a fixed version keep the build reproducible; -s -w
	// strip it, as Debian ships binaries (debug symbols go in -dbgsym);
	// PIE, as both distributions' hardening wants (lintian
	// hardening-no-pie).
	cmd := exec.CommandContext(ctx, goTool(), "build", "-trimpath", "-buildmode=pie",
		"-ldflags", "-s -w -X "+versionVar+"="+version, "-o", bin, "./cmd/svc")
	cmd.Dir = o.Dir
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("packaging: go build ./cmd/svc: %w\n%s", err, out)
	}
	return nil
}

// goTool is the go command that runs this program, so `go run` and tests
// build with the same toolchain.
func goTool() string {
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); fileExists(p) {
		return p
	}
	return "go"
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// writeGzip writes data gzipped with no name and no time in the header
// (reproducible, as dh_compress does with gzip -9n).
func writeGzip(name string, data []byte) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		f.Close()
		return err
	}
	if _, err := zw.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := zw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
