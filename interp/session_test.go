package interp

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestInterrupt(t *testing.T) {
	var out lockedBuffer
	s, err := NewSession(Options{Stdout: &out})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err = s.Execute(ctx, "n := 0\nfor {\n\tn++\n}")
	var ce *CellError
	if !errors.As(err, &ce) || ce.Name != "Interrupted" {
		t.Fatalf("Execute of an endless loop = %v, want an Interrupted CellError", err)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v does not wrap the context's error", err)
	}
	res, err := s.Execute(context.Background(), "40 + 2")
	if err != nil || res.Value.Data["text/plain"] != "42" {
		t.Errorf("after the interrupt: %v, %v", res.Value.Data, err)
	}
}

func TestCellErrorShape(t *testing.T) {
	s := newTestSession(t)
	_, err := s.Execute(context.Background(), "a := 1\nb := a + missing")
	var ce *CellError
	if !errors.As(err, &ce) {
		t.Fatalf("got %T %v, want *CellError", err, err)
	}
	if ce.Name != "CompileError" || ce.Value != "2:10: undefined: missing" {
		t.Errorf("Name %q Value %q", ce.Name, ce.Value)
	}
	want := []string{"2:10: undefined: missing", "   2 | b := a + missing", "     |          ^"}
	if strings.Join(ce.Traceback, "\n") != strings.Join(want, "\n") {
		t.Errorf("traceback\n%s\nwant\n%s", strings.Join(ce.Traceback, "\n"), strings.Join(want, "\n"))
	}
}

func TestRedefinitionKeepsSessionOnFailure(t *testing.T) {
	s := newTestSession(t, "type T struct{ A int }")
	if _, err := s.Execute(context.Background(), "type T struct{ B undefinedType }"); err == nil {
		t.Fatal("a type with an undefined field type compiled")
	}
	res, err := s.Execute(context.Background(), "T{A: 3}")
	if err != nil || res.Value.Data["text/plain"] != "{3}" {
		t.Errorf("the old T is gone after a failed redefinition: %v %v", res.Value.Data, err)
	}
}

func TestEditorWhileCellRuns(t *testing.T) {
	s := newTestSession(t, "learningRate := 0.1")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	done := make(chan error)
	go func() {
		_, err := s.Execute(ctx, "import \"encoding/hex\"\nn := 0\nfor {\n\tn++\n}")
		done <- err
	}()
	deadline := time.Now().Add(200 * time.Millisecond)
	for time.Now().Before(deadline) {
		if m, _, _ := s.Complete("fmt.Prin", 8); len(m) == 0 {
			t.Error("no completion while a cell runs")
			break
		}
		s.Inspect("math.Sqrt", 6, 0)
		if status, _ := s.IsComplete("x := 1"); status != "complete" {
			t.Errorf("IsComplete while a cell runs: %q", status)
			break
		}
	}
	if err := <-done; err == nil {
		t.Error("the endless cell was not interrupted")
	}
}
