//go:build race

package zkclient_test

// raceEnabled: the race detector is on; it makes sync.Pool drop a share
// of what is put back, so allocation counts mean nothing.
const raceEnabled = true
