package systemd

import (
	"log/slog"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestJournalHandlerLarge: a record larger than any datagram travels as a
// sealed memfd, as journald expects.
func TestJournalHandlerLarge(t *testing.T) {
	h, next := journal(t, JournalOptions{})
	big := strings.Repeat("0123456789abcdef", 1<<16) + "\nend" // 1 MiB and a bit
	slog.New(h).Info(big, "k", "v")
	fields, _, viaFile := next()
	if !viaFile {
		t.Error("a 1 MiB record was sent as a datagram")
	}
	if one(t, fields, "MESSAGE") != big || one(t, fields, "K") != "v" {
		t.Fatalf("large record came back wrong (%d fields)", len(fields))
	}
}

func TestJournalMemfdSealed(t *testing.T) {
	addr := t.TempDir() + "/j.sock"
	c := listenGram(t, addr)
	s, err := newSender()
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if err := sendAsFile(s, addr, []byte("MESSAGE=x\n")); err != nil {
		t.Fatal(err)
	}
	_, files := readGram(t, c)
	if len(files) != 1 {
		t.Fatalf("%d fds", len(files))
	}
	seals, err := unix.FcntlInt(files[0].Fd(), unix.F_GET_SEALS, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE; seals&want != want {
		t.Fatalf("seals %#x, want %#x", seals, want)
	}
}
