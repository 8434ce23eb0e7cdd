//go:build !linux

package kernel

import "syscall"

// procAttr has nothing to add where there is no parent-death signal: the
// worker ends when its control channel closes.
func procAttr() *syscall.SysProcAttr { return nil }
