//go:build !race

package zkclient_test

const raceEnabled = false
