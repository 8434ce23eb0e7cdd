package main

import (
	"io"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/descentlab/descent/optimlib/data"
)

// build compiles the command into a temporary directory and returns the
// path of the executable.
func build(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not found:", err)
	}
	exe := filepath.Join(t.TempDir(), "train")
	out, err := exec.Command(goTool, "build", "-o", exe, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

func TestTrainsOnSubset(t *testing.T) {
	if _, err := data.FashionMNIST("", false); err != nil {
		t.Skip("Fashion-MNIST not installed:", err)
	}
	exe := build(t)
	out, err := exec.Command(exe, "-n", "2000", "-epochs", "2", "-batch", "64").CombinedOutput()
	if err != nil {
		t.Fatalf("train: %v\n%s", err, out)
	}
	text := string(out)
	t.Log(text)

	losses := regexp.MustCompile(`epoch (\d+): loss ([0-9.]+)`).FindAllStringSubmatch(text, -1)
	if len(losses) != 2 {
		t.Fatalf("want 2 epoch lines, got %d", len(losses))
	}
	first, _ := strconv.ParseFloat(losses[0][2], 64)
	last, _ := strconv.ParseFloat(losses[1][2], 64)
	if !(last < first) {
		t.Errorf("loss did not decrease: %v then %v", first, last)
	}

	m := regexp.MustCompile(`test accuracy: ([0-9.]+)%`).FindStringSubmatch(text)
	if m == nil {
		t.Fatal("no test accuracy line")
	}
	// Chance is 10%; two epochs on 2000 images reach about 70%.
	if acc, _ := strconv.ParseFloat(m[1], 64); acc < 50 {
		t.Errorf("test accuracy %.2f%%, want at least 50%%", acc)
	}
}

func TestMissingDataSet(t *testing.T) {
	exe := build(t)
	cmd := exec.Command(exe, "-data", t.TempDir())
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("train succeeded without data:\n%s", out)
	}
	if code := cmd.ProcessState.ExitCode(); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{"train-images-idx3-ubyte", "dataset-fashion-mnist"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("error %q does not mention %q", out, want)
		}
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-epochs", "many"},
		{"-batch", "0"},
		{"-n", "-5"},
		{"-lr", "-0.1"},
		{"-momentum", "1"},
	} {
		if err := run(args, io.Discard); err == nil {
			t.Errorf("run accepted %v", args)
		}
	}
}
