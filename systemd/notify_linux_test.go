package systemd

import (
	"fmt"
	"os"
	"testing"
)

func TestNotifyAbstractSocket(t *testing.T) {
	notifyRoundTrip(t, fmt.Sprintf("@svc-test-%d-%s", os.Getpid(), t.Name()))
}
