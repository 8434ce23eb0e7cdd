// Command worker runs one measurement of the benchmark suite and prints its
// result as one line of JSON on standard output. bench/run builds it once per
// BLAS (gonum's pure Go, optimlib's AVX2 Dgemm, OpenBLAS loaded at run time)
// and the runner calls it many times, interleaved with the PyTorch side, so
// that each figure is a median over separate processes.
//
// Usage:
//
//	worker TASK [flags]
//
// Tasks: info, mlp, cellmlp, cells, cnn, steps, lbfgs, hvp, matmul. Every
// task times only its measured loop; loading data and building models are
// outside the clock.
package main

import (
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"time"

	"github.com/descentlab/descent/optimlib/tensor"
)

// result is what a task reports: named numbers and named strings.
type result map[string]any

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: worker TASK [flags]")
		os.Exit(2)
	}
	task, args := os.Args[1], os.Args[2:]
	fs := newFlags()
	var run func() (result, error)
	switch task {
	case "info":
		run = func() (result, error) {
			return result{"blas": tensor.BLAS(), "go": runtime.Version(), "gomaxprocs": runtime.GOMAXPROCS(0)}, nil
		}
	case "mlp":
		run = mlpTask(fs, args, false)
	case "cellmlp":
		run = mlpTask(fs, args, true)
	case "cells":
		run = cellsTask(fs, args)
	case "cnn":
		run = cnnTask(fs, args)
	case "steps":
		run = stepsTask(fs, args)
	case "lbfgs":
		run = lbfgsTask(fs, args)
	case "hvp":
		run = hvpTask(fs, args)
	case "matmul":
		run = matmulTask(fs, args)
	default:
		fmt.Fprintf(os.Stderr, "worker: unknown task %q\n", task)
		os.Exit(2)
	}
	res, err := run()
	if err != nil {
		fmt.Fprintf(os.Stderr, "worker %s: %v\n", task, err)
		os.Exit(1)
	}
	res["blas"] = tensor.BLAS()
	out, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintf(os.Stderr, "worker %s: %v\n", task, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}

// newFlags returns the flag set of a task.
func newFlags() *flag.FlagSet { return flag.NewFlagSet("worker", flag.ExitOnError) }

// readFloats reads a file of little-endian float64 values, the format the
// Python side writes shared inputs in (initial weights, regression data).
func readFloats(path string) ([]float64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b)%8 != 0 {
		return nil, fmt.Errorf("read %s: %d bytes is not a whole number of float64 values", path, len(b))
	}
	out := make([]float64, len(b)/8)
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out, nil
}

// seconds returns the time since start in seconds.
func seconds(start time.Time) float64 { return time.Since(start).Seconds() }
