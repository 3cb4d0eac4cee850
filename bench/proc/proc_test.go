package proc

import (
	"errors"
	"net"
	"os"
	"runtime"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	// A command name with spaces and a ')' in it; utime 250, stime 50 ticks.
	stat := "1234 (java (x) y) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 30 0 12345 1000000 2000 18446744073709551615"
	got, err := parseStatCPU(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 * time.Second; got != want {
		t.Errorf("cpu %v, want %v", got, want)
	}
	if _, err := parseStatCPU("1234 (x) S 1 2"); err == nil {
		t.Error("short stat: no error")
	}
	if _, err := parseStatCPU("no parenthesis"); err == nil {
		t.Error("malformed stat: no error")
	}
}

func TestParseStatusMemory(t *testing.T) {
	status := "Name:\tjava\nVmPeak:\t 9999 kB\nVmHWM:\t    2048 kB\nVmRSS:\t    1024 kB\nThreads:\t3\n"
	rss, peak, err := parseStatusMemory(status)
	if err != nil {
		t.Fatal(err)
	}
	if rss != 1024<<10 || peak != 2048<<10 {
		t.Errorf("rss %d peak %d, want %d %d", rss, peak, 1024<<10, 2048<<10)
	}
	if _, _, err := parseStatusMemory("Name:\tkthreadd\n"); err == nil {
		t.Error("status without VmRSS: no error")
	}
}

func TestListeningInodes(t *testing.T) {
	table := `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:55D8 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0000000000000000 100 0 0 10 0
   1: 0100007F:55D8 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0000000000000000 20 4 30 10 -1
   2: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 333 1 0000000000000000 100 0 0 10 0
`
	got := listeningInodes(table, 0x55D8)
	if len(got) != 1 || got[0] != "111" {
		t.Errorf("inodes %v, want [111] (the established socket 222 does not listen)", got)
	}
	if got := listeningInodes(table, 1); len(got) != 0 {
		t.Errorf("port 1: inodes %v, want none", got)
	}
}

func TestListeningPIDAndRead(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs Linux /proc")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	pid, err := ListeningPID(port)
	if err != nil {
		t.Fatalf("ListeningPID(%d): %v", port, err)
	}
	if pid != os.Getpid() {
		t.Errorf("ListeningPID(%d) = %d, want this process %d", port, pid, os.Getpid())
	}
	l.Close()
	if _, err := ListeningPID(port); !errors.Is(err, ErrNotFound) {
		t.Errorf("after close: err %v, want ErrNotFound", err)
	}

	s, err := Read(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.RSS <= 0 || s.PeakRSS < s.RSS {
		t.Errorf("rss %d peak %d: want 0 < rss <= peak", s.RSS, s.PeakRSS)
	}
	if s.CPU < 0 {
		t.Errorf("cpu %v < 0", s.CPU)
	}
	if _, err := Read(-1); err == nil {
		t.Error("Read(-1): no error")
	}
}
