package install_test

import (
	"fmt"

	"github.com/svcdev/svc/install"
	"github.com/svcdev/svc/ready"
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

// A program that knows nothing of svc, ready when its port answers: the
// unit runs it through `svc run --ready`, which says READY=1 for it.
func ExampleSystemdService_wrapped() {
	r, err := ready.Parse("tcp:127.0.0.1:8000")
	if err != nil {
		fmt.Println(err)
		return
	}
	svc, err := install.SystemdService(install.Spec{
		Name:   "web",
		Binary: "/usr/local/bin/svc", // the runner
		Exec:   "/usr/bin/python3",
		Args:   []string{"-m", "http.server", "8000", "--bind", "127.0.0.1"},
		Ready:  r,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Type:", svc.Type)
	fmt.Printf("ExecStart: %q\n", svc.ExecStart)
	// Output:
	// Type: notify
	// ExecStart: ["/usr/local/bin/svc" "run" "--ready" "tcp:127.0.0.1:8000" "--" "/usr/bin/python3" "-m" "http.server" "8000" "--bind" "127.0.0.1"]
}
