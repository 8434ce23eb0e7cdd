// Command descent is a Jupyter kernel for Go, made for optimization
// experiments: Go cells interpreted by yaegi, with the compiled optimlib
// for tensors, autodiff, optimizers and curvature.
//
// Usage:
//
//	descent install [--user | --prefix DIR | --sys-prefix] [--name NAME]
//	descent uninstall [--user | --prefix DIR | --sys-prefix] [--name NAME]
//	descent kernel --connection-file FILE
//	descent version
//
// "descent install" writes the kernelspec "Go (Descent)" so that Jupyter
// offers it; the front end then starts "descent kernel". The kernel runs
// cells in a separate worker process ("descent worker", started by the
// kernel), so that no cell can take the kernel down.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/descentlab/descent/install"
	"github.com/descentlab/descent/interp"
	"github.com/descentlab/descent/interp/display"
	"github.com/descentlab/descent/kernel"
	"github.com/descentlab/descent/kernel/engine"
	"github.com/descentlab/descent/kernel/worker"
	"github.com/descentlab/descent/optimlib/tensor"
)

// version is the release of Descent; builds may set it with
// -ldflags "-X main.version=...".
var version = "0.1.0"

const usage = `descent: a Jupyter kernel for Go and optimization experiments

usage:
  descent install [--user | --prefix DIR | --sys-prefix] [--name NAME]
                              install the "Go (Descent)" kernelspec
  descent uninstall [--user | --prefix DIR | --sys-prefix] [--name NAME]
                              remove it
  descent kernel --connection-file FILE
                              run the kernel (Jupyter does this)
  descent version             print the version, Go version and BLAS in use
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "kernel":
		err = runKernel(args)
	case "worker":
		err = worker.Serve(newEngine)
	case "install":
		err = runInstall(args, false)
	case "uninstall":
		err = runInstall(args, true)
	case "version", "--version":
		printVersion(os.Stdout)
	case "help", "-h", "--help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "descent: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "descent:", err)
		os.Exit(1)
	}
}

func printVersion(w io.Writer) {
	fmt.Fprintf(w, "descent %s\n", version)
	fmt.Fprintf(w, "Go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(w, "BLAS %s\n", tensor.BLAS())
}

func runKernel(args []string) error {
	fs := flag.NewFlagSet("descent kernel", flag.ContinueOnError)
	connFile := fs.String("connection-file", "", "Jupyter connection file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *connFile == "" {
		return errors.New("kernel: --connection-file is required")
	}
	info, err := kernel.ReadConnectionFile(*connFile)
	if err != nil {
		return err
	}
	exe, err := executable()
	if err != nil {
		return err
	}
	limit := kernel.DefaultMemoryLimit()
	if s := os.Getenv(kernel.EnvMemoryLimit); s != "" {
		if limit, err = kernel.ParseMemoryLimit(s); err != nil {
			return err
		}
	}
	k, err := kernel.New(kernel.Config{
		Conn:        info,
		WorkerArgv:  []string{exe, "worker"},
		HistoryPath: kernel.DefaultHistoryPath(),
		MemoryLimit: limit,
		Version:     version,
		Banner:      fmt.Sprintf("Descent %s: Go %s for optimization experiments (BLAS: %s)", version, runtime.Version(), tensor.BLAS()),
	})
	if err != nil {
		return err
	}
	return k.Run()
}

func executable() (string, error) {
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("cannot find the descent binary: %w", err)
	}
	if real, err := filepath.EvalSymlinks(exe); err == nil {
		exe = real
	}
	return exe, nil
}

func runInstall(args []string, remove bool) error {
	name := "descent install"
	if remove {
		name = "descent uninstall"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	user := fs.Bool("user", false, "install for the current user (the default)")
	prefix := fs.String("prefix", "", "install under `DIR`/share/jupyter/kernels")
	sysPrefix := fs.Bool("sys-prefix", false, "install into the prefix of the Python that runs jupyter")
	specName := fs.String("name", install.DefaultName, "kernelspec `NAME`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	opts := install.Options{User: *user, Prefix: *prefix, SysPrefix: *sysPrefix, Name: *specName}
	if remove {
		dir, err := install.Uninstall(opts)
		if err != nil {
			return err
		}
		fmt.Printf("removed the kernelspec %s\n", dir)
		return nil
	}
	exe, err := executable()
	if err != nil {
		return err
	}
	opts.Binary = exe
	dir, err := install.Install(opts)
	if err != nil {
		return err
	}
	fmt.Printf("installed the kernelspec %q in %s\n", opts.Name, dir)
	return nil
}

// newEngine creates the cell engine of a worker: an interp.Session whose
// displays go to the kernel.
func newEngine(io engine.IO) (engine.Engine, error) {
	s, err := interp.NewSession(interp.Options{Stdin: io.Stdin, Stdout: io.Stdout, Stderr: io.Stderr})
	if err != nil {
		return nil, err
	}
	display.SetSink(displaySink{io.Host})
	return session{s}, nil
}

// session adapts interp.Session to engine.Engine.
type session struct{ s *interp.Session }

func (s session) Execute(ctx context.Context, code string) (engine.Result, error) {
	res, err := s.s.Execute(ctx, code)
	if err != nil {
		var ce *interp.CellError
		if errors.As(err, &ce) {
			return engine.Result{}, &engine.CellError{Name: ce.Name, Value: ce.Value, Traceback: ce.Traceback}
		}
		return engine.Result{}, err
	}
	if !res.HasValue {
		return engine.Result{}, nil
	}
	return engine.Result{HasValue: true, Data: res.Value.Data, Metadata: res.Value.Metadata}, nil
}

func (s session) Complete(code string, cursor int) ([]string, int, int) {
	return s.s.Complete(code, cursor)
}

func (s session) Inspect(code string, cursor, detail int) (string, bool) {
	return s.s.Inspect(code, cursor, detail)
}

func (s session) IsComplete(code string) (string, string) {
	return s.s.IsComplete(code)
}

// displaySink forwards display calls made in cells to the kernel.
type displaySink struct{ host engine.Host }

func (d displaySink) Display(b display.Bundle, id string, update bool) {
	d.host.Display(b.Data, b.Metadata, id, update)
}

func (d displaySink) Clear(wait bool) { d.host.ClearOutput(wait) }
