module github.com/svcdev/svc

go 1.26.0

require (
	github.com/coreos/go-systemd/v22 v22.7.0 // indirect
	github.com/google/renameio/v2 v2.0.2 // indirect
	github.com/kardianos/service v1.3.0 // indirect
	github.com/rogpeppe/go-internal v1.16.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	howett.net/plist v1.0.1 // indirect
)
