package svc

import (
	"context"

	"github.com/kardianos/service"
)

// program adapts run to the Windows service control manager through
// kardianos/service: Start must return at once, Stop must wait for run.
type program struct {
	ctx    context.Context
	cancel context.CancelFunc
	run    func(context.Context, *Notifier) error
	done   chan error
}

func (p *program) Start(service.Service) error {
	go func() { p.done <- p.run(p.ctx, &Notifier{mode: ModeWindows}) }()
	return nil
}

func (p *program) Stop(service.Service) error {
	p.cancel()
	<-p.done
	return nil
}

func runWindows(ctx context.Context, _ Options, run func(context.Context, *Notifier) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	p := &program{ctx: ctx, cancel: cancel, run: run, done: make(chan error, 1)}
	s, err := service.New(p, &service.Config{Name: "svc"})
	if err != nil {
		return err
	}
	return s.Run()
}
