package prestart

/*
#include <stdlib.h>
#include "prestart_linux.h"
*/
import "C"

import (
	"time"
	"unsafe"
)

// The C side, callable from the tests (which cannot use cgo themselves).
// The linker drops these from programs that never call them.

// decide is the constructor's decision for argv and env.
func decide(argv, env []string) (timeout time.Duration, pidfile string, ok bool) {
	cargv, freeArgv := cStrings(argv)
	defer freeArgv()
	cenv, freeEnv := cStrings(env)
	defer freeEnv()
	var pf *C.char
	ns := C.svc_prestart_decide(C.int(len(argv)), cargv, cenv, &pf)
	if ns == 0 {
		return 0, "", false
	}
	return time.Duration(ns), C.GoString(pf), true
}

// cStrings is a NULL-terminated char ** of ss, and its release.
func cStrings(ss []string) (**C.char, func()) {
	arr := (*[1 << 20]*C.char)(C.malloc(C.size_t(len(ss)+1) * C.size_t(unsafe.Sizeof((*C.char)(nil)))))
	for i, s := range ss {
		arr[i] = C.CString(s)
	}
	arr[len(ss)] = nil
	return &arr[0], func() {
		for i := range ss {
			C.free(unsafe.Pointer(arr[i]))
		}
		C.free(unsafe.Pointer(arr))
	}
}

func parseDuration(s string) (time.Duration, bool) {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	var ns C.longlong
	ok := C.svc_prestart_parse_duration(cs, &ns) == 0
	return time.Duration(ns), ok
}

func formatDuration(d time.Duration) string {
	var buf [32]C.char
	return C.GoString(C.svc_prestart_format_duration(C.longlong(d), &buf[0]))
}

func errnoText(n int) string {
	var buf [64]C.char
	return C.GoString(C.svc_prestart_errno_text(C.int(n), &buf[0], C.int(len(buf))))
}

func signalText(n int) string {
	var buf [64]C.char
	return C.GoString(C.svc_prestart_signal_text(C.int(n), &buf[0], C.int(len(buf))))
}

// decideStop is the constructor's decision for `svc stop` argv.
func decideStop(argv []string) (timeout time.Duration, pidfile string, ok bool) {
	cargv, freeArgv := cStrings(argv)
	defer freeArgv()
	var pf *C.char
	ns := C.svc_prestart_decide_stop(C.int(len(argv)), cargv, &pf)
	if ns == 0 {
		return 0, "", false
	}
	return time.Duration(ns), C.GoString(pf), true
}

// decideStatus is the constructor's decision for `svc status` argv.
func decideStatus(argv []string) (pidfile string, ok bool) {
	cargv, freeArgv := cStrings(argv)
	defer freeArgv()
	pf := C.svc_prestart_decide_status(C.int(len(argv)), cargv)
	if pf == nil {
		return "", false
	}
	return C.GoString(pf), true
}

// flags are the C side's flags of `svc CMD --classic` (start, stop or status):
// name -> takes a value.
func flags(cmd string) map[string]bool {
	m := map[string]bool{}
	bools := (**C.char)(unsafe.Pointer(&C.svc_prestart_bool_flags))
	values := (**C.char)(unsafe.Pointer(&C.svc_prestart_value_flags))
	switch cmd {
	case "stop":
		bools = (**C.char)(unsafe.Pointer(&C.svc_prestart_stop_bool_flags))
		values = (**C.char)(unsafe.Pointer(&C.svc_prestart_stop_value_flags))
	case "status":
		bools = (**C.char)(unsafe.Pointer(&C.svc_prestart_status_bool_flags))
		values = (**C.char)(unsafe.Pointer(&C.svc_prestart_status_value_flags))
	}
	sets := []struct {
		list  **C.char
		value bool
	}{
		{bools, false},
		{values, true},
	}
	for _, set := range sets {
		for p := set.list; *p != nil; p = (**C.char)(unsafe.Add(unsafe.Pointer(p), unsafe.Sizeof(*p))) {
			m[C.GoString(*p)] = set.value
		}
	}
	return m
}

// wrapInfo is the wrapped program the last decide took on; ok is false
// for svc's own service (or when decide left argv to Go).
func wrapInfo() (exec string, kind int, spec, addr, log string, ok bool) {
	w := C.svc_prestart_wrapped()
	if w == nil {
		return "", 0, "", "", "", false
	}
	return C.GoString(&w.exec[0]), int(w.ready), C.GoString(&w.spec[0]), C.GoString(&w.addr[0]), C.GoString(&w.log[0]), true
}

// resolveExec is the C classic.ResolveExec: ok false leaves it to Go.
func resolveExec(prog string) (string, bool) {
	cs := C.CString(prog)
	defer C.free(unsafe.Pointer(cs))
	var out [C.PATH_MAX]C.char
	if C.svc_prestart_resolve_exec(cs, &out[0]) != 0 {
		return "", false
	}
	return C.GoString(&out[0]), true
}

// parseReady is the C ready.Parse: the kind (0 none, 1 notify, 2 tcp),
// the spec and the address as Go's dial spells it; ok false: Go's.
func parseReady(s string) (kind int, spec, addr string, ok bool) {
	cs := C.CString(s)
	defer C.free(unsafe.Pointer(cs))
	w := (*C.struct_svc_prestart_wrap)(C.calloc(1, C.sizeof_struct_svc_prestart_wrap))
	defer C.free(unsafe.Pointer(w))
	if C.svc_prestart_parse_ready(cs, w) != 0 {
		return 0, "", "", false
	}
	return int(w.ready), C.GoString(&w.spec[0]), C.GoString(&w.addr[0]), true
}
