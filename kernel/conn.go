package kernel

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ConnectionInfo is the content of a Jupyter connection file: where the
// five sockets live and how messages are signed.
type ConnectionInfo struct {
	Transport       string `json:"transport"`
	IP              string `json:"ip"`
	ShellPort       int    `json:"shell_port"`
	ControlPort     int    `json:"control_port"`
	StdinPort       int    `json:"stdin_port"`
	IOPubPort       int    `json:"iopub_port"`
	HBPort          int    `json:"hb_port"`
	Key             string `json:"key"`
	SignatureScheme string `json:"signature_scheme"`
	KernelName      string `json:"kernel_name,omitempty"`
}

// ReadConnectionFile reads and validates the connection file at path.
func ReadConnectionFile(path string) (ConnectionInfo, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("kernel: connection file: %w", err)
	}
	info, err := ParseConnectionInfo(data)
	if err != nil {
		return ConnectionInfo{}, fmt.Errorf("kernel: connection file %s: %w", path, err)
	}
	return info, nil
}

// ParseConnectionInfo decodes a connection file's JSON and checks that it
// names a supported transport and signature scheme and a port for every
// socket.
func ParseConnectionInfo(data []byte) (ConnectionInfo, error) {
	var info ConnectionInfo
	if err := json.Unmarshal(data, &info); err != nil {
		return ConnectionInfo{}, fmt.Errorf("invalid JSON: %w", err)
	}
	if info.Transport == "" {
		info.Transport = "tcp"
	}
	if info.Transport != "tcp" && info.Transport != "ipc" {
		return ConnectionInfo{}, fmt.Errorf("unsupported transport %q (want tcp or ipc)", info.Transport)
	}
	if info.IP == "" {
		return ConnectionInfo{}, fmt.Errorf("missing ip")
	}
	if info.SignatureScheme == "" {
		info.SignatureScheme = "hmac-sha256"
	}
	if info.SignatureScheme != "hmac-sha256" {
		return ConnectionInfo{}, fmt.Errorf("unsupported signature scheme %q (want hmac-sha256)", info.SignatureScheme)
	}
	for _, p := range []struct {
		name string
		port int
	}{
		{"shell_port", info.ShellPort}, {"control_port", info.ControlPort}, {"stdin_port", info.StdinPort},
		{"iopub_port", info.IOPubPort}, {"hb_port", info.HBPort},
	} {
		if p.port == 0 {
			return ConnectionInfo{}, fmt.Errorf("%s missing", p.name)
		}
		if p.port < 0 || p.port > 65535 {
			return ConnectionInfo{}, fmt.Errorf("%s %d out of range", p.name, p.port)
		}
	}
	return info, nil
}

// Endpoint is the ZeroMQ address for one of the ports, in the form
// jupyter_client uses: tcp://IP:PORT, or ipc://IP-PORT for ipc.
func (c ConnectionInfo) Endpoint(port int) string {
	if c.Transport == "ipc" {
		return "ipc://" + c.IP + "-" + strconv.Itoa(port)
	}
	ip := c.IP
	if strings.Contains(ip, ":") && !strings.HasPrefix(ip, "[") {
		ip = "[" + ip + "]"
	}
	return "tcp://" + ip + ":" + strconv.Itoa(port)
}
