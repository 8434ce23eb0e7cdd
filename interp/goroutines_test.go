package interp

import (
	"context"
	"errors"
	"go/parser"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/descentlab/descent/optimlib/interrupt"
	yaegi "github.com/traefik/yaegi/interp"
)

// spinStopped is set when spin, a compiled loop, has stopped.
var spinStopped atomic.Bool

// spin stands for a long compiled optimlib loop: it runs until
// interrupt.Check stops it.
func spin() int {
	defer spinStopped.Store(true)
	n := 0
	for {
		interrupt.Check()
		n++
		time.Sleep(time.Millisecond)
	}
}

// withCompiledHelpers makes the compiled test helpers visible in the
// session's cells as package spintest.
func withCompiledHelpers(t *testing.T, s *Session) {
	t.Helper()
	err := s.in.Use(yaegi.Exports{"descent.test/spintest/spintest": {
		"Spin":      reflect.ValueOf(spin),
		"Interrupt": reflect.ValueOf(func() { panic(interrupt.ErrInterrupted) }),
	}})
	if err != nil {
		t.Fatal(err)
	}
	c := &cellRun{s: s, ctx: context.Background(), code: ""}
	f, err := parser.ParseFile(s.in.FileSet(), fileName, `package main; import spintest "descent.test/spintest"`, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.compileRun(f); err != nil {
		t.Fatal(err)
	}
}

func TestInterruptStopsCompiledLoop(t *testing.T) {
	spinStopped.Store(false)
	s := newTestSession(t)
	withCompiledHelpers(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(100 * time.Millisecond)
		cancel()
	}()
	_, err := s.Execute(ctx, "total := 0\ntotal += spintest.Spin()")
	var ce *CellError
	if !errors.As(err, &ce) || ce.Name != "Interrupted" {
		t.Fatalf("Execute = %v, want an Interrupted CellError", err)
	}
	// the compiled loop itself must stop, not only the cell
	deadline := time.Now().Add(10 * time.Second)
	for !spinStopped.Load() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !spinStopped.Load() {
		t.Fatal("the compiled loop still runs after the interrupt")
	}
	// the next cell starts with the flag cleared
	res, err := s.Execute(context.Background(), "total + 1")
	if err != nil || res.Value.Data["text/plain"] != "1" {
		t.Errorf("after the interrupt: %v %v", res.Value.Data, err)
	}
	if interrupt.Raised() {
		t.Error("the interrupt flag is still raised after the next cell")
	}
}

func TestInterruptedPanicFromCompiledCode(t *testing.T) {
	s := newTestSession(t)
	withCompiledHelpers(t, s)
	_, err := s.Execute(context.Background(), "x := 1\nspintest.Interrupt()")
	var ce *CellError
	if !errors.As(err, &ce) || ce.Name != "Interrupted" {
		t.Fatalf("Execute = %v, want an Interrupted CellError", err)
	}
	if !errors.Is(err, interrupt.ErrInterrupted) {
		t.Errorf("error %v does not wrap interrupt.ErrInterrupted", err)
	}
}

func TestGoroutinePanicFailsRunningCell(t *testing.T) {
	s := newTestSession(t)
	start := time.Now()
	_, err := s.Execute(context.Background(), "go func() {\n\tpanic(\"boom after go\")\n}()\ntime.Sleep(30 * time.Second)")
	var ce *CellError
	if !errors.As(err, &ce) || ce.Name != "GoroutinePanic" {
		t.Fatalf("Execute = %v, want a GoroutinePanic CellError", err)
	}
	if ce.Value != "boom after go" {
		t.Errorf("Value %q, want the panic value", ce.Value)
	}
	if tb := strings.Join(ce.Traceback, "\n"); !strings.Contains(tb, "panic in goroutine: boom after go") || !strings.Contains(tb, "started at 1:1") {
		t.Errorf("traceback does not name the panic and the go statement:\n%s", tb)
	}
	if time.Since(start) > 25*time.Second {
		t.Error("the cell ran to its end instead of failing")
	}
	res, err := s.Execute(context.Background(), "1 + 1")
	if err != nil || res.Value.Data["text/plain"] != "2" {
		t.Errorf("after the goroutine panic: %v %v", res.Value.Data, err)
	}
}

func TestGoroutinePanicBetweenCells(t *testing.T) {
	var stderr lockedBuffer
	s, err := NewSession(Options{Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Execute(context.Background(), "gate := make(chan bool)\ngo func() {\n\t<-gate\n\tpanic(\"late boom\")\n}()"); err != nil {
		t.Fatal(err)
	}
	// no cell runs when the goroutine panics
	s.in.Globals()["gate"].Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		s.goMu.Lock()
		n := len(s.pending)
		s.goMu.Unlock()
		if n > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	res, err := s.Execute(context.Background(), `"next"`)
	if err != nil || res.Value.Data["text/plain"] != `"next"` {
		t.Fatalf("the next cell: %v %v", res.Value.Data, err)
	}
	want := "panic in goroutine (started at 2:1 of an earlier cell, after it ended): late boom"
	if got := stderr.take(); !strings.Contains(got, want) {
		t.Errorf("stderr %q does not contain %q", got, want)
	}
}
