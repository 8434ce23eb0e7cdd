//go:build amd64 && !purego

package tensor

// fits reports whether a row-major r×c matrix with leading dimension ld
// lies within a slice of length n. The BLAS replacements check their
// arguments with it before handing slices to assembly or C, and leave
// calls that fail to gonum, which panics with its own message.
func fits(n, r, c, ld int) bool {
	return ld >= max(1, c) && n >= ld*(r-1)+c
}
