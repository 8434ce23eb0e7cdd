package worker_test

import (
	"bytes"
	"fmt"

	"github.com/descentlab/descent/kernel/worker"
)

// A frame travels as a length-prefixed JSON object.
func ExampleWriteFrame() {
	var channel bytes.Buffer
	_ = worker.WriteFrame(&channel, &worker.Frame{Type: worker.TypeExecute, Code: "1 + 1"})
	f, err := worker.ReadFrame(&channel)
	fmt.Println(f.Type, f.Code, err)
	// Output: execute 1 + 1 <nil>
}

// The kernel separates sync markers from a cell's output.
func ExampleSplitter() {
	var sp worker.Splitter
	pipe := append([]byte("loss 0.25\n"), worker.Marker(3)...)
	parts, seqs := sp.Split(pipe)
	fmt.Printf("%q before marker %d\n", parts[0], seqs[0])
	// Output: "loss 0.25\n" before marker 3
}
