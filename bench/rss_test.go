package bench

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/svcdev/svc/internal/proctest"
)

// rssResult is idle memory in KiB (VmRSS, and its anonymous and
// file-backed parts), plus how many processes each way of starting leaves
// running beside the daemon.
type rssResult struct {
	name            string
	kib, anon, file []int
	beside          []int
	binary          int64 // the executable's size, bytes
}

func medianInt(v []int) int {
	c := slices.Clone(v)
	slices.Sort(c)
	return c[len(c)/2]
}

func (r *rssResult) median() int { return medianInt(r.kib) }

// memOf reads VmRSS, RssAnon and RssFile (KiB) of pid.
func memOf(t testing.TB, pid int) (rss, anon, file int) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		k, v, _ := strings.Cut(s.Text(), ":")
		n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
		switch k {
		case "VmRSS":
			rss = n
		case "RssAnon":
			anon = n
		case "RssFile":
			file = n
		}
	}
	if rss == 0 {
		t.Fatalf("no VmRSS for %d", pid)
	}
	return rss, anon, file
}

func (r *rssResult) sample(t testing.TB, pid int) {
	rss, anon, file := memOf(t, pid)
	r.kib, r.anon, r.file = append(r.kib, rss), append(r.anon, anon), append(r.file, file)
}

func fileSize(t testing.TB, path string) int64 {
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}

// benchRSS measures, n times each, interleaved, one second after ready:
// the svc daemon (cgo and pure-Go builds, started by svc start --classic)
// and a bare net/http server built the same two ways.
func benchRSS(t *testing.T, b bins, n int) []*rssResult {
	cs := startContenders(b)
	res := []*rssResult{
		{name: "svc daemon, cgo build (svc start --classic)", binary: fileSize(t, b.svc)},
		{name: "bare Go net/http server, cgo build (go build's default)", binary: fileSize(t, b.bareCgo)},
		{name: "svc daemon, pure-Go build", binary: fileSize(t, b.svcPure)},
		{name: "bare Go net/http server, CGO_ENABLED=0", binary: fileSize(t, b.bare)},
	}
	daemon := func(c startContender, r *rssResult) {
		inst := newInstance(t)
		run(t, c.argv(inst)...)
		waitHealthy(t, inst.addr, 10*time.Second)
		pid := readPID(t, inst.pidfile)
		time.Sleep(time.Second)
		r.sample(t, pid)
		r.beside = append(r.beside, len(proctest.Live(inst.dir))-1)
		run(t, c.stop(inst)...)
	}
	bare := func(bin string, r *rssResult) {
		addr := proctest.FreeAddr(t)
		cmd := exec.Command(bin, addr)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, addr, 10*time.Second)
		time.Sleep(time.Second)
		r.sample(t, cmd.Process.Pid)
		cmd.Process.Kill()
		cmd.Wait()
	}
	for i := 0; i < n; i++ {
		daemon(cs[0], res[0])
		bare(b.bareCgo, res[1])
		daemon(cs[1], res[2])
		bare(b.bare, res[3])
	}
	return res
}

// scaleResult: start and stop of many daemons one after another.
type scaleResult struct {
	n                 int
	start, stop       series
	startTotal, total time.Duration
}

func benchScale(t *testing.T, b bins, n int) *scaleResult {
	c := startContenders(b)[0]
	r := &scaleResult{n: n}
	insts := make([]instance, n)
	t0 := time.Now()
	for i := range insts {
		insts[i] = newInstance(t)
		r.start.add(timed(t, c.argv(insts[i])...))
	}
	r.startTotal = time.Since(t0)
	for _, inst := range insts {
		waitHealthy(t, inst.addr, 10*time.Second)
	}
	for _, inst := range insts {
		r.stop.add(timed(t, c.stop(inst)...))
	}
	r.total = time.Since(t0)
	return r
}
