module github.com/paddockdb/paddock

go 1.26

require (
	github.com/go-zookeeper/zk v1.0.4
	github.com/google/btree v1.1.3
)
