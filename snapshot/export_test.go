package snapshot

import (
	"encoding/binary"
	"log/slog"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/paddockdb/paddock/zk"
)

// Test hooks for the external tests.

// WithFS returns cfg with the store on fs instead of the OS filesystem.
func WithFS(cfg Config, fs vfs.FS) Config {
	cfg.fs = fs
	return cfg
}

// WithAfterCommit returns cfg with f run inside Write, between the batch
// commit and the flush.
func WithAfterCommit(cfg Config, f func()) Config {
	cfg.afterCommit = f
	return cfg
}

// NodeKey, SessionKey and MetaKey return the keys of the store.
func NodeKey(path string) []byte        { return appendNodeKey(nil, path) }
func SessionKey(id zk.SessionID) []byte { return appendSessionKey(nil, id) }
func MetaKey() []byte                   { return metaKey }

// GetRaw returns the value stored under key.
func (s *Store) GetRaw(key []byte) ([]byte, error) {
	v, closer, err := s.db.Get(key)
	if err != nil {
		return nil, err
	}
	defer closer.Close()
	return append([]byte(nil), v...), nil
}

// PutRaw stores value under key, bypassing every check, and flushes.
func (s *Store) PutRaw(key, value []byte) error {
	if err := s.db.Set(key, value, pebble.NoSync); err != nil {
		return err
	}
	return s.flush()
}

// DeleteRaw deletes key and flushes.
func (s *Store) DeleteRaw(key []byte) error {
	if err := s.db.Delete(key, pebble.NoSync); err != nil {
		return err
	}
	return s.flush()
}

// Seal returns a value of key holding payload, with a valid checksum, in
// format version.
func Seal(key []byte, version byte, payload []byte) []byte {
	v := append([]byte{version, 0, 0, 0, 0}, payload...)
	binary.BigEndian.PutUint32(v[1:5], checksum(key, version, payload))
	return v
}

// OpenUnchecked opens the store's database without reading it, so that
// tests can repair what Open refuses.
func OpenUnchecked(cfg Config) (*Store, error) {
	fs := cfg.fs
	if fs == nil {
		fs = vfs.Default
	}
	s := &Store{cfg: cfg, lg: slog.New(slog.DiscardHandler), fs: fs, path: fs.PathJoin(cfg.Dir, StoreDir), failed: make(chan struct{})}
	db, err := pebble.Open(s.path, s.pebbleOptions())
	if err != nil {
		return nil, err
	}
	s.db = db
	return s, nil
}
