package install_test

import (
	"fmt"

	"github.com/svcdev/svc/install"
)

func ExampleSysV_Plan() {
	p, err := install.SysV{Enable: install.EnableUpdateRCD}.Plan(install.Spec{
		Name:   "svc",
		Binary: "/usr/local/bin/svc",
		Args:   []string{"--listen", "127.0.0.1:8080"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range p.Files {
		fmt.Printf("%s %04o\n", f.Path, f.Mode)
	}
	for _, c := range p.Commands {
		fmt.Println(c)
	}
	// Output:
	// /etc/init.d/svc 0755
	// update-rc.d svc defaults
	// /etc/init.d/svc try-restart
}

func ExampleCheckName() {
	for _, name := range []string{"web-api", "my service", "-x"} {
		fmt.Println(install.CheckName(name))
	}
	// Output:
	// <nil>
	// install: name "my service": invalid service spec: contains whitespace
	// install: name "-x": invalid service spec: starts with '-'
}

// A privileged port and a writable data directory, loosened by name from
// the hardened default: the rest of the confinement stays.
func ExampleSystemdService_optOuts() {
	svc, err := install.SystemdService(install.Spec{
		Name:         "web",
		Binary:       "/usr/local/bin/svc",
		Args:         []string{"--listen", ":443"},
		Capabilities: []string{"CAP_NET_BIND_SERVICE"},
		Writable:     []string{"/srv/web"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	sb := svc.Sandbox
	fmt.Println("dynamic user:", sb.DynamicUser, "| protect system:", sb.ProtectSystem)
	fmt.Println("capabilities:", sb.Capabilities, "| private users:", sb.PrivateUsers)
	fmt.Println("writable:", sb.ReadWritePaths, "| families:", sb.RestrictAddressFamilies)
	// Output:
	// dynamic user: true | protect system: strict
	// capabilities: [CAP_NET_BIND_SERVICE] | private users: false
	// writable: [/srv/web] | families: [AF_INET AF_INET6 AF_UNIX]
}
