//go:build unix

package install

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/google/renameio/v2"
)

// Apply carries p out: Pre commands, files, links, removals, Commands.
// Each file is written to a temp file in its own directory, fsynced,
// given its mode and renamed over the old one, and the directory is
// fsynced; a file whose content and mode are already right is left alone,
// and IfChanged commands run only if something changed. With o.Root set,
// paths are under Root and no command runs.
func Apply(ctx context.Context, p Plan, o ApplyOptions) (Result, error) {
	a := applier{ctx: ctx, opts: o}
	if o.Root != "" {
		root, err := filepath.Abs(o.Root)
		if err != nil {
			return a.res, fmt.Errorf("install: root %q: %w", o.Root, err)
		}
		a.root = root
	}
	steps := []func() error{
		func() error { return a.commands(p.Pre) },
		func() error { return a.files(p.Files) },
		func() error { return a.links(p.Links) },
		func() error { return a.remove(p.Remove) },
		func() error { return a.commands(p.Commands) },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return a.res, err
		}
	}
	return a.res, nil
}

type applier struct {
	ctx  context.Context
	opts ApplyOptions
	root string // "" for the host
	res  Result
}

func (a *applier) path(p string) string {
	if a.root == "" {
		return p
	}
	return filepath.Join(a.root, p)
}

func (a *applier) files(files []File) error {
	for _, f := range files {
		path := a.path(f.Path)
		if same(path, f) {
			continue
		}
		if err := writeFile(path, f.Content, f.Mode.Perm()); err != nil {
			return fmt.Errorf("install: %w", err)
		}
		a.res.Changed = append(a.res.Changed, path)
	}
	return nil
}

// same reports whether path already holds f exactly (a regular file).
func same(path string, f File) bool {
	fi, err := os.Lstat(path)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != f.Mode.Perm() {
		return false
	}
	b, err := os.ReadFile(path)
	return err == nil && bytes.Equal(b, f.Content)
}

func writeFile(path string, data []byte, perm fs.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	pf, err := renameio.NewPendingFile(path, renameio.WithStaticPermissions(perm))
	if err != nil {
		return err
	}
	defer pf.Cleanup()
	if _, err := pf.Write(data); err != nil {
		return err
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return &fs.PathError{Op: "fsync", Path: dir, Err: err}
	}
	return nil
}

func (a *applier) links(links []Link) error {
	for _, l := range links {
		path := a.path(l.Path)
		if cur, err := os.Readlink(path); err == nil && cur == l.Target {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("install: %w", err)
		}
		if err := renameio.Symlink(l.Target, path); err != nil {
			return fmt.Errorf("install: link %s: %w", path, err)
		}
		a.res.Changed = append(a.res.Changed, path)
	}
	return nil
}

func (a *applier) remove(paths []string) error {
	for _, p := range paths {
		path := a.path(p)
		err := os.Remove(path)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return fmt.Errorf("install: %w", err)
		}
		a.res.Changed = append(a.res.Changed, path)
		if err := syncDir(filepath.Dir(path)); err != nil {
			return fmt.Errorf("install: %w", err)
		}
	}
	return nil
}

func (a *applier) commands(cmds []Command) error {
	if a.root != "" {
		return nil
	}
	for _, c := range cmds {
		if c.IfChanged && len(a.res.Changed) == 0 {
			continue
		}
		if c.If != nil {
			if _, err := runCommand(a.ctx, c.If, nil); err != nil {
				continue
			}
		}
		out, err := runCommand(a.ctx, c.Argv, a.opts.Output)
		a.res.Ran = append(a.res.Ran, c)
		if err != nil && !c.MayFail {
			return &CommandError{Command: c, Err: err, Output: trimOutput(out)}
		}
	}
	return nil
}

// runCommand runs argv, returning its combined output (also copied to
// echo when set).
func runCommand(ctx context.Context, argv []string, echo io.Writer) ([]byte, error) {
	cmd := exec.CommandContext(ctx, resolve(argv[0]), argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = commandEnv()
	var buf bytes.Buffer
	var w io.Writer = &buf
	if echo != nil {
		w = io.MultiWriter(&buf, echo)
	}
	cmd.Stdout, cmd.Stderr = w, w
	err := cmd.Run()
	return buf.Bytes(), err
}

// resolve finds name in PATH or, failing that, in the sbin directories;
// exec.Command looks only in this process's PATH.
func resolve(name string) string {
	if filepath.IsAbs(name) {
		return name
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, d := range sbinDirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return name
}

var sbinDirs = []string{"/usr/sbin", "/sbin"}

// commandEnv adds the sbin directories to PATH: update-rc.d, chkconfig
// and rc-update live there and a user's PATH often lacks them.
func commandEnv() []string {
	env := os.Environ()
	path := os.Getenv("PATH")
	for _, d := range sbinDirs {
		if containsDir(path, d) {
			continue
		}
		path += string(os.PathListSeparator) + d
	}
	return append(env, "PATH="+path)
}

func containsDir(list, dir string) bool {
	for _, d := range filepath.SplitList(list) {
		if d == dir {
			return true
		}
	}
	return false
}
