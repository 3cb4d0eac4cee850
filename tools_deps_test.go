package paddock_test

// Pin test-only dependencies so go.mod keeps them before their tests land.
import (
	_ "github.com/go-zookeeper/zk"
	_ "github.com/google/btree"
)
