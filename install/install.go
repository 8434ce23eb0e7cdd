// Package install writes and removes the Jupyter kernelspec of Descent:
// kernel.json and the logos, in the directories Jupyter searches.
package install

import (
	"bufio"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

//go:generate go run ./genlogo

// DefaultName is the kernelspec's name, the directory under kernels/.
const DefaultName = "descent"

// DisplayName is the name front ends show.
const DisplayName = "Go (Descent)"

//go:embed logo-32x32.png logo-64x64.png logo-svg.svg
var logos embed.FS

// Options says where the kernelspec goes. At most one of User, Prefix and
// SysPrefix is set; none means User.
type Options struct {
	User      bool
	Prefix    string
	SysPrefix bool
	// Name is the kernelspec name (DefaultName when empty).
	Name string
	// Binary is the absolute path of the descent command (Install only).
	Binary string
}

// KernelSpec is the content of kernel.json.
type KernelSpec struct {
	Argv          []string          `json:"argv"`
	DisplayName   string            `json:"display_name"`
	Language      string            `json:"language"`
	InterruptMode string            `json:"interrupt_mode"`
	Env           map[string]string `json:"env,omitempty"`
	Metadata      map[string]any    `json:"metadata,omitempty"`
}

// Spec returns the kernelspec that starts binary.
func Spec(binary string) KernelSpec {
	return KernelSpec{
		Argv:          []string{binary, "kernel", "--connection-file", "{connection_file}"},
		DisplayName:   DisplayName,
		Language:      "go",
		InterruptMode: "message",
		Metadata:      map[string]any{"debugger": false},
	}
}

// Dir returns the kernelspec directory that opts select.
func Dir(opts Options) (string, error) {
	name := opts.Name
	if name == "" {
		name = DefaultName
	}
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return "", fmt.Errorf("install: kernelspec name %q is not a plain directory name", name)
	}
	n := 0
	for _, set := range []bool{opts.User, opts.Prefix != "", opts.SysPrefix} {
		if set {
			n++
		}
	}
	if n > 1 {
		return "", errors.New("install: choose one of --user, --prefix and --sys-prefix")
	}
	var data string
	switch {
	case opts.Prefix != "":
		p, err := filepath.Abs(opts.Prefix)
		if err != nil {
			return "", fmt.Errorf("install: prefix %s: %w", opts.Prefix, err)
		}
		data = filepath.Join(p, "share", "jupyter")
	case opts.SysPrefix:
		p, err := sysPrefix()
		if err != nil {
			return "", err
		}
		data = filepath.Join(p, "share", "jupyter")
	default:
		d, err := userDataDir()
		if err != nil {
			return "", err
		}
		data = d
	}
	return filepath.Join(data, "kernels", name), nil
}

// userDataDir is Jupyter's per-user data directory.
func userDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("install: no home directory for --user: %w", err)
	}
	switch runtime.GOOS {
	case "darwin":
		return filepath.Join(home, "Library", "Jupyter"), nil
	case "windows":
		if d := os.Getenv("APPDATA"); d != "" {
			return filepath.Join(d, "jupyter"), nil
		}
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return filepath.Join(d, "jupyter"), nil
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// sysPrefix asks the Python interpreter that runs the jupyter command for
// its sys.prefix.
func sysPrefix() (string, error) {
	python := "python3"
	if j, err := exec.LookPath("jupyter"); err == nil {
		if f, err := os.Open(j); err == nil {
			line, _ := bufio.NewReader(f).ReadString('\n')
			f.Close()
			if fields := strings.Fields(strings.TrimPrefix(line, "#!")); strings.HasPrefix(line, "#!") && len(fields) > 0 {
				python = fields[0]
				if filepath.Base(python) == "env" && len(fields) > 1 {
					python = fields[1]
				}
			}
		}
	}
	out, err := exec.Command(python, "-c", "import sys; print(sys.prefix)").Output()
	if err != nil {
		return "", fmt.Errorf("install: --sys-prefix: ask %s for sys.prefix: %w", python, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Install writes kernel.json and the logos into the kernelspec directory
// and returns it.
func Install(opts Options) (string, error) {
	if !filepath.IsAbs(opts.Binary) {
		return "", fmt.Errorf("install: binary path %q is not absolute", opts.Binary)
	}
	dir, err := Dir(opts)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	spec, err := json.MarshalIndent(Spec(opts.Binary), "", "  ")
	if err != nil {
		return "", fmt.Errorf("install: encode kernel.json: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "kernel.json"), append(spec, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	for _, name := range []string{"logo-32x32.png", "logo-64x64.png", "logo-svg.svg"} {
		data, err := logos.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("install: %w", err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return "", fmt.Errorf("install: %w", err)
		}
	}
	return dir, nil
}

// Uninstall removes the kernelspec directory and returns it.
func Uninstall(opts Options) (string, error) {
	dir, err := Dir(opts)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "kernel.json")); err != nil {
		return "", fmt.Errorf("install: no kernelspec in %s", dir)
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", fmt.Errorf("install: %w", err)
	}
	return dir, nil
}
