package systemd

import (
	"errors"
	"strings"
)

// Socket describes a .socket unit (systemd.socket(5)) that activates a
// service. Zero fields are omitted (systemd's defaults) except WantedBy.
type Socket struct {
	Description   string
	Documentation []string
	// Addresses: "/run/x.sock", "@abstract", "8080", "127.0.0.1:8080",
	// "[::1]:8080". At least one address is required.
	ListenStream, ListenDatagram []string
	// FileDescriptorName names the fds in $LISTEN_FDNAMES (printable
	// ASCII, no ':'); systemd's default is the socket unit's name.
	FileDescriptorName string
	// Service is the unit to activate, when not the socket's namesake.
	Service string
	// Accept spawns one instance of a template service per connection.
	Accept bool
	// SocketMode is the file mode of socket paths, e.g. "0660".
	SocketMode string
	// SocketUser and SocketGroup own socket paths; not in user units.
	SocketUser, SocketGroup string
	UserUnit                bool
	WantedBy                []string // default sockets.target
}

// Unit validates s and returns its unit file model.
func (s Socket) Unit() (*Unit, error) {
	u := &Unit{}
	b := builder{u: u, what: "socket"}
	b.raw("Unit", "Description", s.Description)
	b.docs("Unit", s.Documentation)

	if len(s.ListenStream)+len(s.ListenDatagram) == 0 {
		b.fail("ListenStream", errors.New("at least one address is required"))
	}
	b.listen("ListenStream", s.ListenStream)
	b.listen("ListenDatagram", s.ListenDatagram)
	if s.FileDescriptorName != "" {
		if err := checkFDName(s.FileDescriptorName); err != nil {
			b.fail("FileDescriptorName", err)
		}
		b.add("Socket", "FileDescriptorName", EscapeSpecifiers(s.FileDescriptorName))
	}
	if s.Service != "" {
		if s.Accept {
			b.fail("Service", errors.New("cannot be set with Accept"))
		} else if err := checkUnitName(s.Service); err != nil {
			b.fail("Service", err)
		} else if !strings.HasSuffix(s.Service, ".service") {
			b.fail("Service", errors.New("want a .service unit name"))
		}
		b.add("Socket", "Service", s.Service)
	}
	if s.Accept {
		b.add("Socket", "Accept", "yes")
	}
	b.octal("Socket", "SocketMode", s.SocketMode)
	if s.UserUnit && (s.SocketUser != "" || s.SocketGroup != "") {
		b.fail("SocketUser", errors.New("SocketUser= and SocketGroup= cannot be set in a user unit"))
	}
	b.account("Socket", "SocketUser", s.SocketUser)
	b.account("Socket", "SocketGroup", s.SocketGroup)

	b.install(s.WantedBy, s.UserUnit, "sockets.target", "sockets.target")
	if b.err != nil {
		return nil, b.err
	}
	if err := u.Validate(); err != nil {
		return nil, err
	}
	return u, nil
}

func (b *builder) listen(key string, addrs []string) {
	for _, a := range addrs {
		if err := checkListen(a); err != nil {
			b.fail(key, err)
			return
		}
		b.add("Socket", key, EscapeSpecifiers(a))
	}
}
