package install_test

import (
	"fmt"

	"github.com/descentlab/descent/install"
)

func ExampleSpec() {
	s := install.Spec("/usr/local/bin/descent")
	fmt.Println(s.DisplayName, s.Language, s.InterruptMode)
	fmt.Println(s.Argv)
	// Output:
	// Go (Descent) go message
	// [/usr/local/bin/descent kernel --connection-file {connection_file}]
}

func ExampleDir() {
	dir, _ := install.Dir(install.Options{Prefix: "/usr/local"})
	fmt.Println(dir)
	// Output: /usr/local/share/jupyter/kernels/descent
}
