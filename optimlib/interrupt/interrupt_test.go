package interrupt

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	defer Reset()
	Check() // not raised: must return
	Raise()
	if !Raised() {
		t.Fatal("Raised() = false after Raise")
	}
	func() {
		defer func() {
			if err, _ := recover().(error); !errors.Is(err, ErrInterrupted) {
				t.Fatalf("Check panicked with %v, want ErrInterrupted", err)
			}
		}()
		Check()
		t.Fatal("Check returned after Raise")
	}()
	Reset()
	Check()
}
