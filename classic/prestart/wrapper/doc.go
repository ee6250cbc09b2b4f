// Package wrapper tells package prestart's C that this program wraps
// other programs (cli.Program.Wrap): `PROG run -- CMD ARGS` is then its
// foreground supervisor (package supervise), which prestart may serve in
// C before the Go runtime starts. The C constructor runs before any Go
// code and cannot read the cli.Program, so the fact is settled at link
// time: this package defines the C symbol svc_prestart_wraps, which
// prestart references weakly; in a program that does not import this
// package the reference is NULL and `run -- CMD` is left to Go (which
// refuses it, for a program without Wrap, as a usage error).
//
// Import it for its side effect, next to package prestart, from the main
// package of a program that sets cli.Program.Wrap (cmd/svc):
//
//	import _ "github.com/svcdev/svc/classic/prestart/wrapper"
//
// Without cgo, or off Linux, it does nothing.
package wrapper
