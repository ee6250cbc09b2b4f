//go:build darwin || freebsd || netbsd || openbsd || dragonfly

package svc

import "golang.org/x/sys/unix"

const ioctlGetTermios = unix.TIOCGETA
