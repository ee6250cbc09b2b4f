package prestart

/*
#cgo CFLAGS: -Wall -Wextra -Werror=implicit-function-declaration
#include "prestart_linux.h"
*/
import "C"

import "os"

// init runs in the daemon the constructor forked (and nowhere else does
// svc_prestart_daemon read 1): it hands classic the notify address, as
// the middle process of the re-exec path does through the environment.
func init() {
	if C.svc_prestart_daemon == 0 {
		return
	}
	os.Setenv(handoffEnv, "daemon:"+C.GoString(&C.svc_prestart_addr[0]))
}
