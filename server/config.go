package server

import "time"

// Config is a parsed zoo.cfg: ZooKeeper's keys with ZooKeeper's defaults
// (except where the field's doc says otherwise).
type Config struct {
	TickTime          time.Duration // tickTime, default 2000 ms
	DataDir           string        // dataDir, default ./paddock-data when no config is given
	DataLogDir        string        // dataLogDir, default DataDir
	ClientPort        int           // clientPort, default 2181
	ClientPortAddress string        // clientPortAddress, default 127.0.0.1 when no config is given
	MaxClientCnxns    int           // maxClientCnxns, default 60; 0 means no limit
	MinSessionTimeout time.Duration // minSessionTimeout, default 2*tickTime
	MaxSessionTimeout time.Duration // maxSessionTimeout, default 20*tickTime
	// ExtendedTypesEnabled enables TTL nodes (extendedTypesEnabled).
	ExtendedTypesEnabled bool
	// JuteMaxBuffer is jute.maxbuffer, default 0xfffff.
	JuteMaxBuffer int
	// FourLetterWords is 4lw.commands.whitelist, default {"srvr"}; "*" allows all.
	FourLetterWords []string
	// SuperDigest is DigestAuthenticationProvider.superDigest ("super:<base64 sha1>"), empty for none.
	SuperDigest string
}
