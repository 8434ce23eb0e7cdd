package display_test

import (
	"testing"

	"github.com/descentlab/descent/interp/display"
)

type celsius float64

func TestSetConverter(t *testing.T) {
	r := install(t)
	prev := display.SetConverter(func(v any) (display.Bundle, bool) {
		if c, ok := v.(celsius); ok {
			return display.Bundle{Data: map[string]any{"text/html": "<b>" + display.Text(float64(c), false) + " °C</b>"}}, true
		}
		return display.Bundle{}, false
	})
	t.Cleanup(func() { display.SetConverter(prev) })
	display.Show(celsius(21))
	display.Show(7)
	h := display.New()
	h.Update(celsius(3))
	tests := []struct {
		mime, want string
	}{
		{"text/html", "<b>21 °C</b>"},
		{"text/plain", "7"},
		{"text/html", "<b>3 °C</b>"},
	}
	if len(r.got) != len(tests) {
		t.Fatalf("%d displays, want %d", len(r.got), len(tests))
	}
	for i, tt := range tests {
		if got := r.got[i].b.Data[tt.mime]; got != tt.want {
			t.Errorf("display %d: %s = %v, want %q", i, tt.mime, got, tt.want)
		}
		if _, ok := r.got[i].b.Data["text/plain"]; !ok {
			t.Errorf("display %d has no text/plain", i)
		}
	}
}
