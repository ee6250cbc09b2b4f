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
