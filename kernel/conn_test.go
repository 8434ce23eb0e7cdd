package kernel

import (
	"strings"
	"testing"
)

func TestReadConnectionFile(t *testing.T) {
	info, err := ReadConnectionFile("testdata/connection.json")
	if err != nil {
		t.Fatal(err)
	}
	want := ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: 53794, IOPubPort: 53795, StdinPort: 53796,
		ControlPort: 53797, HBPort: 53798, Key: "a0436f6c-1916-498b-8eb9-e81ab9368e84", SignatureScheme: "hmac-sha256", KernelName: "descent"}
	if info != want {
		t.Errorf("ReadConnectionFile = %+v, want %+v", info, want)
	}
	if _, err := ReadConnectionFile("testdata/no-such-file.json"); err == nil || !strings.Contains(err.Error(), "connection file") {
		t.Errorf("missing file: err = %v", err)
	}
}

func TestParseConnectionInfo(t *testing.T) {
	const ports = `"shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5`
	tests := []struct {
		name    string
		json    string
		wantErr string
		ep      string // Endpoint(ShellPort)
	}{
		{"tcp", `{"transport":"tcp","ip":"127.0.0.1","key":"k","signature_scheme":"hmac-sha256",` + ports + `}`, "", "tcp://127.0.0.1:1"},
		{"defaults", `{"ip":"0.0.0.0",` + ports + `}`, "", "tcp://0.0.0.0:1"},
		{"ipv6", `{"ip":"::1",` + ports + `}`, "", "tcp://[::1]:1"},
		{"ipc", `{"transport":"ipc","ip":"/run/kernel-1",` + ports + `}`, "", "ipc:///run/kernel-1-1"},
		{"bad scheme", `{"ip":"127.0.0.1","signature_scheme":"hmac-md5",` + ports + `}`, "signature scheme", ""},
		{"bad transport", `{"transport":"udp","ip":"127.0.0.1",` + ports + `}`, "transport", ""},
		{"no ip", `{` + ports + `}`, "missing ip", ""},
		{"port range", `{"ip":"127.0.0.1","shell_port":70000,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`, "out of range", ""},
		{"ports needed", `{"transport":"ipc","ip":"/run/k","shell_port":1}`, "missing", ""},
		{"port zero", `{"ip":"127.0.0.1","shell_port":0,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5}`, "shell_port missing", ""},
		{"not json", `{"ip":`, "invalid JSON", ""},
		{"wrong type", `{"ip":"127.0.0.1","shell_port":"1"}`, "invalid JSON", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info, err := ParseConnectionInfo([]byte(tt.json))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := info.Endpoint(info.ShellPort); got != tt.ep {
				t.Errorf("Endpoint = %q, want %q", got, tt.ep)
			}
		})
	}
}

func FuzzParseConnectionInfo(f *testing.F) {
	f.Add([]byte(`{"transport":"tcp","ip":"127.0.0.1","shell_port":1,"iopub_port":2,"stdin_port":3,"control_port":4,"hb_port":5,"key":"k","signature_scheme":"hmac-sha256"}`))
	f.Add([]byte(`{"transport":"ipc","ip":"/run/k","shell_port":1}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := ParseConnectionInfo(data)
		if err != nil {
			return
		}
		if info.SignatureScheme != "hmac-sha256" || (info.Transport != "tcp" && info.Transport != "ipc") || info.IP == "" {
			t.Fatalf("accepted an unsupported connection: %+v", info)
		}
		for _, p := range []int{info.ShellPort, info.IOPubPort, info.StdinPort, info.ControlPort, info.HBPort} {
			if p < 0 || p > 65535 {
				t.Fatalf("accepted port %d", p)
			}
			ep := info.Endpoint(p)
			if !strings.HasPrefix(ep, info.Transport+"://") {
				t.Fatalf("Endpoint %q", ep)
			}
		}
	})
}
