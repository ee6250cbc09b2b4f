package install

import (
	"fmt"
	"strings"
)

// Facility is what a systemd target stands for in the other init systems.
type Facility struct {
	LSB    string // "$network"; the LSB init-script facility
	OpenRC string // "net"; the OpenRC service or virtual ("" if none)
}

// Facilities maps the systemd targets a Spec may depend on to their LSB
// facility and OpenRC service (LSB core, "Facility Names"). Other
// dependencies are service names, the same in every init system.
var Facilities = map[string]Facility{
	"network.target":        {"$network", "net"},
	"network-online.target": {"$network", "net"},
	"remote-fs.target":      {"$remote_fs", "netmount"},
	"local-fs.target":       {"$local_fs", "localmount"},
	"nss-lookup.target":     {"$named", "dns"},
	"time-sync.target":      {"$time", ""},
	"rpcbind.target":        {"$portmap", "rpcbind"},
}

// unitName is a dependency as a systemd unit: a bare name is a service.
func unitName(dep string) string {
	if strings.Contains(dep, ".") {
		return dep
	}
	return dep + ".service"
}

// depName maps a dependency to the init system that is not systemd:
// "x.service" and "x" are the service x, a target is its facility.
func depName(dep string, lsb bool) (string, error) {
	if name, ok := strings.CutSuffix(dep, ".service"); ok {
		return name, nil
	}
	if !strings.HasSuffix(dep, ".target") {
		return dep, nil
	}
	f, ok := Facilities[dep]
	name := f.OpenRC
	if lsb {
		name = f.LSB
	}
	if !ok || name == "" {
		return "", fmt.Errorf("%w: dependency %q: no equivalent outside systemd (known targets: network, network-online, remote-fs, local-fs, nss-lookup, time-sync, rpcbind)", ErrInvalid, dep)
	}
	return name, nil
}

// depNames maps each list and drops duplicates, keeping the first.
func depNames(lsb bool, lists ...[]string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, d := range l {
			n, err := depName(d, lsb)
			if err != nil {
				return nil, err
			}
			if !seen[n] {
				seen[n] = true
				out = append(out, n)
			}
		}
	}
	return out, nil
}
