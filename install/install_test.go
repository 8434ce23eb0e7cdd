package install

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallPrefix(t *testing.T) {
	prefix := t.TempDir()
	dir, err := Install(Options{Prefix: prefix, Binary: "/opt/descent/bin/descent"})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(prefix, "share", "jupyter", "kernels", "descent"); dir != want {
		t.Errorf("dir = %s, want %s", dir, want)
	}
	data, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(data, &spec); err != nil {
		t.Fatal(err)
	}
	argv, _ := spec["argv"].([]any)
	if len(argv) != 4 || argv[0] != "/opt/descent/bin/descent" || argv[1] != "kernel" || argv[2] != "--connection-file" || argv[3] != "{connection_file}" {
		t.Errorf("argv = %v", argv)
	}
	if spec["display_name"] != "Go (Descent)" || spec["language"] != "go" || spec["interrupt_mode"] != "message" {
		t.Errorf("kernel.json = %s", data)
	}
	for name, size := range map[string]int{"logo-32x32.png": 32, "logo-64x64.png": 64} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(b))
		if err != nil || cfg.Width != size || cfg.Height != size {
			t.Errorf("%s: %dx%d, %v; want %dx%d PNG", name, cfg.Width, cfg.Height, err, size, size)
		}
	}
	svg, err := os.ReadFile(filepath.Join(dir, "logo-svg.svg"))
	if err != nil || !strings.Contains(string(svg), "<svg") {
		t.Errorf("logo-svg.svg: %v", err)
	}

	removed, err := Uninstall(Options{Prefix: prefix})
	if err != nil || removed != dir {
		t.Fatalf("Uninstall = %s, %v", removed, err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("kernelspec still there: %v", err)
	}
	if _, err := Uninstall(Options{Prefix: prefix}); err == nil {
		t.Error("second Uninstall succeeded")
	}
}

func TestDir(t *testing.T) {
	t.Setenv("JUPYTER_DATA_DIR", "/data/jupyter")
	tests := []struct {
		name string
		opts Options
		want string
		err  string
	}{
		{"user default", Options{}, "/data/jupyter/kernels/descent", ""},
		{"user named", Options{User: true, Name: "go-opt"}, "/data/jupyter/kernels/go-opt", ""},
		{"prefix", Options{Prefix: "/usr/local"}, "/usr/local/share/jupyter/kernels/descent", ""},
		{"two places", Options{User: true, Prefix: "/usr"}, "", "choose one"},
		{"bad name", Options{Name: "../x"}, "", "plain directory name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Dir(tt.opts)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Dir = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
}

func TestInstallNeedsAbsoluteBinary(t *testing.T) {
	if _, err := Install(Options{Prefix: t.TempDir(), Binary: "descent"}); err == nil {
		t.Error("relative binary path accepted")
	}
}
