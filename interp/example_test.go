package interp_test

import (
	"context"
	"fmt"
	"os"

	"github.com/descentlab/descent/interp"
)

func ExampleSession() {
	s, err := interp.NewSession(interp.Options{Stdout: os.Stdout, Stderr: os.Stderr})
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	cells := []string{
		"func f(x float64) float64 { return (x - 3) * (x - 3) }",
		"x := 0.0\nfor range 50 {\n\tx -= 0.1 * 2 * (x - 3)\n}\nfmt.Printf(\"x = %.4f\\n\", x)",
		"math.Round(x*1000) / 1000",
	}
	for _, c := range cells {
		res, err := s.Execute(ctx, c)
		if err != nil {
			fmt.Println(err)
			continue
		}
		if res.HasValue {
			fmt.Println("result:", res.Value.Data["text/plain"])
		}
	}
	// Output:
	// x = 3.0000
	// result: 3
}

func ExampleSession_Complete() {
	s, _ := interp.NewSession(interp.Options{})
	matches, start, end := s.Complete("x := math.Sq", 12)
	fmt.Println(matches, start, end)
	// Output: [Sqrt Sqrt2 SqrtE SqrtPhi SqrtPi] 10 12
}
