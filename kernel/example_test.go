package kernel_test

import (
	"fmt"

	"github.com/descentlab/descent/kernel"
)

// Messages are signed with HMAC-SHA256 over the header, parent header,
// metadata and content, as they go on the wire.
func ExampleSigner() {
	s := kernel.NewSigner([]byte("secret"))
	header := []byte(`{"msg_id":"1","msg_type":"kernel_info_request"}`)
	sig := s.Sign(header, []byte("{}"), []byte("{}"), []byte("{}"))
	fmt.Println(len(sig), s.Verify(sig, header, []byte("{}"), []byte("{}"), []byte("{}")))
	fmt.Println(s.Verify(sig, header, []byte("{}"), []byte("{}"), []byte(`{"x":1}`)))
	// Output:
	// 64 true
	// false
}

func ExampleParseConnectionInfo() {
	info, err := kernel.ParseConnectionInfo([]byte(`{"transport":"tcp","ip":"127.0.0.1","key":"k",
		"signature_scheme":"hmac-sha256","shell_port":50001,"iopub_port":50002,"stdin_port":50003,
		"control_port":50004,"hb_port":50005}`))
	fmt.Println(info.Endpoint(info.ShellPort), err)
	// Output: tcp://127.0.0.1:50001 <nil>
}
