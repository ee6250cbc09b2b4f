package wrapper

// The symbol is in wrapper_linux.c; this file makes the package a cgo one
// so that the C is compiled and linked in.

import "C"
