//go:build cgo && unix && !purego

package openblas

import (
	"runtime"
	"strings"
	"sync"
	"testing"
)

// reset forgets the outcome of Load so that the next call loads again.
func reset() {
	lib.once = sync.Once{}
	lib.err, lib.file, lib.version = nil, "", ""
}

func TestLoadWithoutTheLibrary(t *testing.T) {
	saved, had := files[runtime.GOOS]
	defer func() {
		if had {
			files[runtime.GOOS] = saved
		} else {
			delete(files, runtime.GOOS)
		}
		reset()
	}()
	files[runtime.GOOS] = []string{"libdescent-absent.so.0", "libdescent-absent.so"}
	reset()
	impl, err := Load()
	if impl != nil || err == nil {
		t.Fatalf("Load() = %v, %v; want an error", impl, err)
	}
	for _, want := range []string{"cannot load OpenBLAS", "libdescent-absent.so.0", "libdescent-absent.so:"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Load error %q lacks %q", err, want)
		}
	}
	if _, again := Load(); again != err {
		t.Errorf("second Load error %v, want the first one, %v", again, err)
	}
	if SetThreads(1) {
		t.Error("SetThreads succeeded without a library")
	}
	if name := Name(); !strings.Contains(name, "cannot load OpenBLAS") {
		t.Errorf("Name() = %q", name)
	}
}
