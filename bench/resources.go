package bench

import (
	"errors"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/paddockdb/paddock/bench/proc"
)

// monitor samples the server processes (when known) and this process.
type monitor struct {
	pids []int // the server's processes; empty when unknown
}

// resourceSample is one reading of the server's processes (summed over
// an ensemble's members) and of this process.
type resourceSample struct {
	server   proc.Sample
	serverOK bool
	client   proc.Sample
	clientOK bool
}

// resources is what the server and this process used over an interval.
type resources struct {
	serverOK   bool
	serverCPU  time.Duration
	serverRSS  int64 // at the end
	serverPeak int64 // VmHWM at the end: the peak since the process started
	clientOK   bool
	clientCPU  time.Duration
	clientRSS  int64
}

func (m *monitor) sample() resourceSample {
	var s resourceSample
	if m != nil && len(m.pids) > 0 {
		s.serverOK = true
		for _, pid := range m.pids {
			ps, err := proc.Read(pid)
			if err != nil {
				s.serverOK = false
				break
			}
			s.server.CPU += ps.CPU
			s.server.RSS += ps.RSS
			s.server.PeakRSS += ps.PeakRSS
		}
	}
	if cs, err := proc.Read(os.Getpid()); err == nil {
		s.client, s.clientOK = cs, true
	}
	return s
}

func diff(a, b resourceSample) resources {
	var r resources
	if a.serverOK && b.serverOK {
		r.serverOK = true
		r.serverCPU = b.server.CPU - a.server.CPU
		r.serverRSS, r.serverPeak = b.server.RSS, b.server.PeakRSS
	}
	if a.clientOK && b.clientOK {
		r.clientOK = true
		r.clientCPU = b.client.CPU - a.client.CPU
		r.clientRSS = b.client.RSS
	}
	return r
}

// isLocal reports whether host names this machine: a loopback address,
// localhost, or an address of one of its interfaces.
func isLocal(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() || ip.IsUnspecified() {
		return true
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
			return true
		}
	}
	return false
}

// findServerPIDs finds the processes listening on the servers' ports. It
// fails unless every server is on this machine and its process is found.
func findServerPIDs(servers []string) ([]int, error) {
	seen := map[int]bool{}
	var pids []int
	for _, s := range servers {
		host, port, err := net.SplitHostPort(s)
		if err != nil {
			return nil, err
		}
		if !isLocal(host) {
			return nil, errors.New("server " + s + " is not on this machine")
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, err
		}
		pid, err := proc.ListeningPID(p)
		if err != nil {
			return nil, errors.New("no process found listening on " + s)
		}
		if !seen[pid] {
			seen[pid] = true
			pids = append(pids, pid)
		}
	}
	return pids, nil
}
