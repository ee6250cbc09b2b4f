// Command kardianosecho is examples/echod written against
// kardianos/service's Control, the way its README does it: the
// benchmark report counts both programs' lines for the same verbs. It is
// measured, never run by the tests; its serve is echod's, so the
// difference is wiring alone.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"net"
	"os"

	"github.com/kardianos/service"
)

type program struct {
	addr string
	ln   net.Listener
}

func (p *program) Start(s service.Service) error {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		return err
	}
	p.ln = ln
	go serve(ln)
	return nil
}

func (p *program) Stop(s service.Service) error { return p.ln.Close() }

func main() {
	addr := flag.String("addr", "127.0.0.1:7007", "TCP `ADDR` to listen on")
	flag.Parse()
	cfg := &service.Config{Name: "echod", Description: "TCP echo service: each line comes back",
		Arguments: []string{"--addr", *addr}}
	s, err := service.New(&program{addr: *addr}, cfg)
	if err != nil {
		log.Fatal(err)
	}
	if verb := flag.Arg(0); verb != "" {
		if err := service.Control(s, verb); err != nil {
			fmt.Fprintf(os.Stderr, "echod %s: %v (verbs: %q)\n", verb, err, service.ControlAction)
			os.Exit(1)
		}
		return
	}
	if err := s.Run(); err != nil {
		log.Fatal(err)
	}
}

// serve echoes each line back to its sender until ln is closed.
func serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			for s := bufio.NewScanner(c); s.Scan(); {
				c.Write(append(s.Bytes(), '\n'))
			}
		}()
	}
}
