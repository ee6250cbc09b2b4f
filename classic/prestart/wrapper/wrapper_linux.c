// See doc.go: its presence is what package prestart's weak reference
// finds (prestart_linux.h, svc_prestart_wraps).
#include "../prestart_linux.h"

const int svc_prestart_wraps = 1;
