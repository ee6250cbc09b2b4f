//go:build unix && !darwin

package systemd

import "golang.org/x/sys/unix"

func socketCloexec(domain, typ int) (int, error) {
	return unix.Socket(domain, typ|unix.SOCK_CLOEXEC, 0)
}
