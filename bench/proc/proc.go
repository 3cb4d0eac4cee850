// Package proc owns what paddock bench learns about a server process on
// this machine from Linux's /proc: which process listens on a TCP port
// (/proc/net/tcp{,6} socket inode, then the /proc/<pid>/fd link naming that
// socket), and its resident memory (/proc/<pid>/status VmRSS, VmHWM) and
// CPU time (/proc/<pid>/stat utime+stime).
//
// Everything here fails cleanly (an error, never a panic) on a machine
// without /proc or for a process that is gone or not ours to read.
package proc

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// ClockTicks is the unit of utime and stime in /proc/<pid>/stat
// (sysconf(_SC_CLK_TCK), which Linux fixes at USER_HZ = 100 on every
// architecture Go supports).
const ClockTicks = 100

// Root is the procfs mount point (a variable so tests can point it at a
// fake tree).
var Root = "/proc"

// ErrNotFound is returned by ListeningPID when no process listens on the
// port, or the owner's file descriptors cannot be read.
var ErrNotFound = errors.New("proc: no process found listening on that port")

// Sample is one reading of a process's resources.
type Sample struct {
	At      time.Time
	CPU     time.Duration // user + system CPU time since the process started
	RSS     int64         // resident set size, bytes (VmRSS)
	PeakRSS int64         // peak resident set size, bytes (VmHWM)
}

// Read samples process pid.
func Read(pid int) (Sample, error) {
	s := Sample{At: time.Now()}
	cpu, err := cpuTime(pid)
	if err != nil {
		return s, err
	}
	s.CPU = cpu
	s.RSS, s.PeakRSS, err = memory(pid)
	return s, err
}

// cpuTime returns utime+stime of pid. The fields are counted after the
// command name's closing parenthesis, since the name may hold spaces.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(Root, strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(string(b))
}

// parseStatCPU extracts utime+stime (fields 14 and 15) from the text of a
// /proc/<pid>/stat file.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("proc: malformed stat %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, fmt.Errorf("proc: stat has %d fields after the name, want at least 13", len(f))
	}
	ut, err1 := strconv.ParseInt(f[14-3], 10, 64)
	st, err2 := strconv.ParseInt(f[15-3], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("proc: stat utime %q stime %q are not numbers", f[11], f[12])
	}
	return time.Duration(ut+st) * time.Second / ClockTicks, nil
}

// memory returns VmRSS and VmHWM of pid, in bytes.
func memory(pid int) (rss, peak int64, err error) {
	b, err := os.ReadFile(filepath.Join(Root, strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, 0, err
	}
	return parseStatusMemory(string(b))
}

// parseStatusMemory extracts VmRSS and VmHWM (in kB) from the text of a
// /proc/<pid>/status file.
func parseStatusMemory(status string) (rss, peak int64, err error) {
	found := 0
	for _, line := range strings.Split(status, "\n") {
		key, val, ok := strings.Cut(line, ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("proc: status %s: unexpected %q", key, val)
		}
		n, perr := strconv.ParseInt(f[0], 10, 64)
		if perr != nil {
			return 0, 0, fmt.Errorf("proc: status %s: %v", key, perr)
		}
		if key == "VmRSS" {
			rss = n << 10
		} else {
			peak = n << 10
		}
		found++
	}
	if found != 2 {
		return 0, 0, errors.New("proc: status has no VmRSS/VmHWM (a kernel thread or a zombie?)")
	}
	return rss, peak, nil
}

// ListeningPID returns the process that has a TCP socket listening on
// port (any local address, IPv4 or IPv6).
func ListeningPID(port int) (int, error) {
	inodes := map[string]bool{}
	for _, f := range []string{"net/tcp", "net/tcp6"} {
		b, err := os.ReadFile(filepath.Join(Root, f))
		if err != nil {
			continue
		}
		for _, ino := range listeningInodes(string(b), port) {
			inodes[ino] = true
		}
	}
	if len(inodes) == 0 {
		return 0, ErrNotFound
	}
	procs, err := os.ReadDir(Root)
	if err != nil {
		return 0, err
	}
	for _, p := range procs {
		pid, err := strconv.Atoi(p.Name())
		if err != nil || pid <= 0 {
			continue
		}
		fdDir := filepath.Join(Root, p.Name(), "fd")
		fds, err := os.ReadDir(fdDir)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(fdDir, fd.Name()))
			if err != nil || !strings.HasPrefix(link, "socket:[") {
				continue
			}
			if inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] {
				return pid, nil
			}
		}
	}
	return 0, ErrNotFound
}

// listeningInodes returns the inodes of the sockets in a /proc/net/tcp or
// tcp6 table that listen (state 0A) on port.
func listeningInodes(table string, port int) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(table))
	first := true
	for sc.Scan() {
		if first { // the header line
			first = false
			continue
		}
		f := strings.Fields(sc.Text())
		// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ...
		if len(f) < 10 || f[3] != "0A" {
			continue
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		p, err := strconv.ParseUint(hexPort, 16, 16)
		if err != nil || int(p) != port {
			continue
		}
		out = append(out, f[9])
	}
	return out
}
