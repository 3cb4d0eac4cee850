package server

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file reads zoo.cfg the way ZooKeeper 3.9 does: java.util.Properties
// syntax, then QuorumPeerConfig.parseProperties for the keys it knows, and
// for every other key the system property "zookeeper.<key>" that the rest of
// the server reads (Integer.getInteger, Boolean.getBoolean, ...). Facts and
// defaults come from the ZooKeeper sources named in each field's doc.
//
// NB: Values ZooKeeper accepts mean what they mean to ZooKeeper; when that
// meaning is surprising (forceSync=false keeps fsync on), ParseConfig says so
// in a warning. Paddock is stricter where ZooKeeper's behaviour is an
// accident: a value ZooKeeper would silently replace by the default because
// it does not parse (a non-number for snapCount) is an error, and so are
// server.N lines ZooKeeper mangles (an empty host, a negative or repeated
// ID). It also reads a few keys ZooKeeper ignores in zoo.cfg (jute.maxbuffer,
// znode.container.*, "zookeeper."-prefixed spellings); see the field docs.

// Defaults that are ZooKeeper's unless the doc says otherwise.
const (
	// DefaultTickTime is ZooKeeperServer.DEFAULT_TICK_TIME. NB: it is 3000 ms
	// in the code; the 2000 ms of zoo_sample.cfg is only the sample's value.
	DefaultTickTime = 3000 * time.Millisecond
	// DefaultClientPort is the conventional client port (zoo_sample.cfg).
	DefaultClientPort = 2181
	// DefaultDataDir is Paddock's dataDir when no config file is given.
	DefaultDataDir = "./paddock-data"
	// DefaultClientPortAddress is where Paddock listens when no config file
	// is given; from a file, an unset clientPortAddress means all interfaces.
	DefaultClientPortAddress = "127.0.0.1"
	// DefaultJuteMaxBuffer is BinaryInputArchive.maxBuffer's default.
	DefaultJuteMaxBuffer = 0xfffff
	// DefaultAdminServerAddress is Paddock's admin.serverAddress; ZooKeeper
	// binds 0.0.0.0 (JettyAdminServer.DEFAULT_ADDRESS).
	DefaultAdminServerAddress = "127.0.0.1"
	// DefaultPurgeInterval is Paddock's autopurge.purgeInterval; ZooKeeper's
	// is 0 (never purge), which fills disks.
	DefaultPurgeInterval = time.Hour
	// MinSnapRetainCount is QuorumPeerConfig.MIN_SNAP_RETAIN_COUNT.
	MinSnapRetainCount = 3
	// MaxExtendedServerID is EphemeralType.MAX_EXTENDED_SERVER_ID: with
	// extendedTypesEnabled, server IDs live in one byte of the TTL encoding.
	MaxExtendedServerID = 0xfe

	// MetricsProviderDefault is ZooKeeper's default metrics provider, which
	// exports nothing over HTTP.
	MetricsProviderDefault = "org.apache.zookeeper.metrics.impl.DefaultMetricsProvider"
	// MetricsProviderPrometheus is the metrics provider that serves
	// Prometheus metrics on metricsProvider.httpHost:httpPort.
	MetricsProviderPrometheus = "org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider"
)

// ErrInvalidConfig is wrapped by every *ConfigError.
var ErrInvalidConfig = errors.New("server: invalid config")

// ConfigError is a bad zoo.cfg value or combination of values. Its message is
// one line naming the key and the value.
type ConfigError struct {
	File  string // "zoo.cfg" from ParseConfig, the path from LoadConfig, "" from Validate
	Line  int    // 1-based line of the key; 0 when unknown or not about one line
	Key   string // the key at fault, "" when none
	Value string // the value at fault, as read
	Msg   string // the message, naming the key
}

func (e *ConfigError) Error() string {
	if e.File == "" {
		return e.Msg
	}
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// PeerRole is a server's role in an ensemble (QuorumPeer.LearnerType).
type PeerRole uint8

const (
	// RoleParticipant votes in elections and on proposals.
	RoleParticipant PeerRole = iota
	// RoleObserver follows the leader without voting.
	RoleObserver
)

func (r PeerRole) String() string {
	if r == RoleObserver {
		return "observer"
	}
	return "participant"
}

// PeerAddr is one quorum address of a server: host:quorumPort:electionPort.
type PeerAddr struct {
	Host         string // as written, without IPv6 brackets
	QuorumPort   int    // followers connect to the leader here
	ElectionPort int    // leader election connections
}

// ServerSpec is one server.N line:
//
//	server.N=host:quorumPort:electionPort[:participant|:observer][;[clientAddr:]clientPort[;[secureAddr:]securePort]]
//
// with several host:quorumPort:electionPort parts separated by '|' when
// multiAddress.enabled is true (QuorumPeer.QuorumServer).
type ServerSpec struct {
	ID    int64      // N
	Addrs []PeerAddr // at least one
	Role  PeerRole   // participant unless ":observer"
	// ClientAddr and ClientPort are the part after ';'. ClientPort is -1
	// when absent (the server's clientPort applies); ClientAddr is
	// "0.0.0.0" when only a port is given, as ZooKeeper does.
	ClientAddr string
	ClientPort int
	// SecureClientAddr and SecureClientPort are the part after a second
	// ';', likewise; -1 when absent.
	SecureClientAddr string
	SecureClientPort int
}

// String formats s in ZooKeeper's own form (QuorumServer.toString), as the
// dynamic config file and the "conf" command print it.
func (s ServerSpec) String() string {
	var b strings.Builder
	for i, a := range s.Addrs {
		if i > 0 {
			b.WriteByte('|')
		}
		fmt.Fprintf(&b, "%s:%d:%d", bracketHost(a.Host), a.QuorumPort, a.ElectionPort)
	}
	b.WriteString(":" + s.Role.String())
	if s.ClientPort >= 0 {
		fmt.Fprintf(&b, ";%s:%d", bracketHost(s.ClientAddr), s.ClientPort)
	}
	if s.SecureClientPort >= 0 {
		if s.ClientPort < 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, ";%s:%d", bracketHost(s.SecureClientAddr), s.SecureClientPort)
	}
	return b.String()
}

func bracketHost(h string) string {
	if strings.Contains(h, ":") {
		return "[" + h + "]"
	}
	return h
}

// Config is a parsed zoo.cfg: ZooKeeper's keys with ZooKeeper's defaults
// (except where the field's doc says otherwise). Each field names its key.
// Times are milliseconds in zoo.cfg and time.Duration here; sizes are KiB in
// zoo.cfg where the doc says so and bytes here.
//
// A Config is a plain value; it is not safe for concurrent mutation.
type Config struct {
	// TickTime is tickTime, default 3000 ms (DefaultTickTime).
	TickTime time.Duration
	// DataDir is dataDir, where snapshots (and, without DataLogDir, the
	// transaction log) live. Required in a config file; DefaultConfig uses
	// ./paddock-data. A relative path is relative to the current directory
	// of the process, as in ZooKeeper (not to the config file).
	DataDir string
	// DataLogDir is dataLogDir, default DataDir.
	DataLogDir string
	// ClientPort is clientPort; -1 when not set. 0 asks for any free port.
	// DefaultConfig uses 2181.
	ClientPort int
	// ClientPortAddress is clientPortAddress; "" means all interfaces, as
	// ZooKeeper binds 0.0.0.0 when it is unset. DefaultConfig uses 127.0.0.1.
	ClientPortAddress string
	// SecureClientPort is secureClientPort, the TLS client port; -1 when
	// not set. Parsed but not served yet: ParseConfig warns.
	SecureClientPort int
	// SecureClientPortAddress is secureClientPortAddress, "" for all interfaces.
	SecureClientPortAddress string
	// Text is the configuration file as read (the admin command
	// initial_configuration); "" when the Config was built in code.
	Text string
	// ClientPortListenBacklog is clientPortListenBacklog, the listen(2)
	// backlog; -1 (default) leaves it to the system.
	ClientPortListenBacklog int
	// MaxClientCnxns is maxClientCnxns, the limit of connections from one
	// IP address, default 60; 0 means no limit.
	MaxClientCnxns int
	// MaxCnxns is maxCnxns (zookeeper.maxCnxns), the limit of connections
	// to the client port, default 0: no limit.
	MaxCnxns int
	// MinSessionTimeout is minSessionTimeout, default 2*TickTime. Zero
	// means "derive from TickTime": Validate fills it in. NB: in zoo.cfg,
	// -1 means unset as in ZooKeeper, and so does 0, which ZooKeeper would
	// take literally.
	MinSessionTimeout time.Duration
	// MaxSessionTimeout is maxSessionTimeout, default 20*TickTime; zero
	// (and -1 or 0 in zoo.cfg) means "derive from TickTime" likewise.
	MaxSessionTimeout time.Duration
	// GlobalOutstandingLimit is globalOutstandingLimit
	// (zookeeper.globalOutstandingLimit), the number of queued requests
	// beyond which the server stops reading from clients, default 1000.
	GlobalOutstandingLimit int
	// LocalSessionsEnabled is localSessionsEnabled, default false.
	LocalSessionsEnabled bool
	// LocalSessionsUpgradingEnabled is localSessionsUpgradingEnabled,
	// default false.
	LocalSessionsUpgradingEnabled bool

	// SnapCount is snapCount (zookeeper.snapCount), default 100000: a
	// snapshot is taken after a random number of transactions in
	// [SnapCount/2+1, SnapCount]. ZooKeeper raises values below 2 to 2.
	SnapCount int
	// SnapSizeLimit is snapSizeLimitInKb (zookeeper.snapSizeLimitInKb) in
	// bytes, default 4 GiB: a snapshot is also taken after this many bytes
	// of transactions (randomised likewise). 0 disables it; ParseConfig
	// stores the key's non-positive values as 0.
	SnapSizeLimit int64
	// TxnLogSizeLimit is txnLogSizeLimitInKb (zookeeper.txnLogSizeLimitInKb)
	// in bytes: roll the log at this size. 0 (default; ZooKeeper's -1)
	// means no limit.
	TxnLogSizeLimit int64
	// PreAllocSize is preAllocSize (zookeeper.preAllocSize) in bytes; the
	// key is in KiB, default 65536 KiB (64 MiB). 0 means no preallocation.
	PreAllocSize int64
	// ForceSync is forceSync (zookeeper.forceSync): fsync the log before
	// acknowledging. Default true; only the value "no" turns it off.
	ForceSync bool
	// FsyncWarningThreshold is fsync.warningthresholdms
	// (zookeeper.fsync.warningthresholdms), default 1000 ms: slower fsyncs
	// are logged.
	FsyncWarningThreshold time.Duration
	// SnapRetainCount is autopurge.snapRetainCount, default 3, minimum 3:
	// ParseConfig raises lower values with a warning, as ZooKeeper does.
	SnapRetainCount int
	// PurgeInterval is autopurge.purgeInterval, a number of hours or a
	// number with suffix ms, s, m, h or d (ZooKeeper 3.10). Paddock's
	// default is 1 hour, not ZooKeeper's 0; zero disables purging.
	PurgeInterval time.Duration
	// SyncEnabled is syncEnabled: observers log and snapshot like
	// participants. Default true. observer.syncEnabled
	// (zookeeper.observer.syncEnabled) overrides it, as in QuorumPeer.
	SyncEnabled bool

	// InitLimit is initLimit, in ticks: how long followers have to connect
	// and sync to a leader. Required (non-zero) for an ensemble.
	InitLimit int
	// SyncLimit is syncLimit, in ticks: how far followers may lag before
	// they are dropped. Required (non-zero) for an ensemble.
	SyncLimit int
	// ConnectToLearnerMasterLimit is connectToLearnerMasterLimit, in ticks;
	// 0 (default) means InitLimit.
	ConnectToLearnerMasterLimit int
	// ElectionAlg is electionAlg; only 3 (TCP fast leader election), the
	// default, is valid.
	ElectionAlg int
	// QuorumListenOnAllIPs is quorumListenOnAllIPs, default false.
	QuorumListenOnAllIPs bool
	// LeaderServes is leaderServes (zookeeper.leaderServes): the leader
	// accepts client connections. Default true; only "no" turns it off.
	LeaderServes bool
	// StandaloneEnabled is standaloneEnabled, default true: with a single
	// participant, run standalone.
	StandaloneEnabled bool
	// ReconfigEnabled is reconfigEnabled, default false.
	ReconfigEnabled bool
	// DynamicConfigFile is dynamicConfigFile, the file holding the server.N
	// lines; LoadConfig reads it. A relative path is relative to the
	// current directory, as in ZooKeeper.
	DynamicConfigFile string
	// PeerType is peerType, default participant. The server.N line of this
	// server wins over it.
	PeerType PeerRole
	// ObserverMasterPort is observerMasterPort; 0 (default) means none.
	ObserverMasterPort int
	// MultiAddressEnabled is multiAddress.enabled, default false: allows
	// several '|'-separated addresses in server.N.
	MultiAddressEnabled bool
	// CommitLogCount is commitLogCount (zookeeper.commitLogCount): how
	// many committed txns a server keeps in memory behind its last
	// checkpoint, so that a follower that lags catches up from them
	// rather than from a snapshot. 0 (the default) means 50,000
	// (ZooKeeper's default is 500).
	CommitLogCount int
	// MyID is this server's id in an ensemble: the number in dataDir/myid,
	// which LoadConfig reads when the config is distributed.
	MyID int64
	// Servers are the server.N lines, sorted by ID; from the dynamic config
	// file when there is one.
	Servers []ServerSpec

	// SkipACL is skipACL (zookeeper.skipACL): no ACL checks. Default false;
	// only the value "yes" turns it on.
	SkipACL bool
	// SuperDigest is DigestAuthenticationProvider.superDigest
	// (zookeeper.DigestAuthenticationProvider.superDigest), "user:base64
	// sha1 digest", whose holder bypasses ACLs; empty for none.
	SuperDigest string
	// FourLetterWords is 4lw.commands.whitelist
	// (zookeeper.4lw.commands.whitelist): the enabled four-letter words.
	// "srvr" is always enabled, as in FourLetterCommands; a single "*"
	// enables all. Default {"srvr"}.
	FourLetterWords []string
	// ExtendedTypesEnabled is extendedTypesEnabled
	// (zookeeper.extendedTypesEnabled): allow TTL nodes. Default false.
	// Server IDs must then be at most 254.
	ExtendedTypesEnabled bool
	// EnforceQuota is zookeeper.enforceQuota, default false: when set,
	// writes that would pass a quota's hard limit (countHardLimit,
	// byteHardLimit) fail with QuotaExceeded.
	EnforceQuota bool
	// Emulate353TTLNodes is emulate353TTLNodes (zookeeper.emulate353TTLNodes):
	// read TTLs in ZooKeeper 3.5.3's encoding. Default false.
	Emulate353TTLNodes bool
	// JuteMaxBuffer is jute.maxbuffer, the largest record (and so znode
	// data) accepted, default 0xfffff bytes. NB: ZooKeeper reads it only as
	// a system property and ignores it in zoo.cfg; Paddock reads it here.
	JuteMaxBuffer int

	// ContainerCheckInterval is znode.container.checkIntervalMs, how often
	// empty containers and expired TTL nodes are looked for, default 60 s.
	// NB: ZooKeeper reads the znode.container keys only as system properties.
	ContainerCheckInterval time.Duration
	// ContainerMaxPerMinute is znode.container.maxPerMinute, the most
	// containers and TTL nodes deleted per minute, default 10000.
	ContainerMaxPerMinute int
	// ContainerMaxNeverUsedInterval is znode.container.maxNeverUsedIntervalMs:
	// a container that never had children is deleted after this long.
	// Default 0, never (ZooKeeper 3.9; 3.10 uses 5 minutes).
	ContainerMaxNeverUsedInterval time.Duration

	// AdminEnableServer is admin.enableServer (zookeeper.admin.enableServer).
	// Default true, as in ZooKeeper 3.5-3.9 where only "false" disables it
	// (ZooKeeper 3.10 turns it off by default).
	AdminEnableServer bool
	// AdminServerAddress is admin.serverAddress. Paddock's default is
	// 127.0.0.1, not ZooKeeper's 0.0.0.0.
	AdminServerAddress string
	// AdminServerPort is admin.serverPort, default 8080.
	AdminServerPort int
	// AdminIdleTimeout is admin.idleTimeout, default 30000 ms.
	AdminIdleTimeout time.Duration
	// AdminCommandURL is admin.commandURL, default "/commands".
	AdminCommandURL string

	// MetricsProviderClassName is metricsProvider.className, default
	// MetricsProviderDefault; MetricsProviderPrometheus serves metrics over
	// HTTP. Other classes are ignored with a warning.
	MetricsProviderClassName string
	// MetricsHTTPHost is metricsProvider.httpHost, default 0.0.0.0.
	MetricsHTTPHost string
	// MetricsHTTPPort is metricsProvider.httpPort, default 7000.
	MetricsHTTPPort int
	// MetricsExportJvmInfo is metricsProvider.exportJvmInfo, default true;
	// Paddock exports Go runtime metrics instead.
	MetricsExportJvmInfo bool
	// MetricsEnabled is Paddock's own key metrics.enabled: true serves the
	// Prometheus metrics on metricsProvider.httpHost:httpPort without
	// naming ZooKeeper's provider class. Setting metricsProvider.className
	// to MetricsProviderPrometheus does the same.
	MetricsEnabled bool
	// MetricsProviderConfig holds every other metricsProvider.* key,
	// without the prefix, as ZooKeeper passes them to the provider.
	MetricsProviderConfig map[string]string

	// Raw holds every key of the config file with its value, both trimmed
	// as ZooKeeper trims them; empty for DefaultConfig.
	Raw map[string]string
}

// DefaultConfig is what `paddock server` with no config file uses:
// standalone on 127.0.0.1:2181, dataDir ./paddock-data, everything else
// ZooKeeper's defaults (Paddock's where a field's doc says so).
func DefaultConfig() Config {
	c := fileDefaults()
	c.DataDir = DefaultDataDir
	c.ClientPort = DefaultClientPort
	c.ClientPortAddress = DefaultClientPortAddress
	c.resolve()
	return c
}

// fileDefaults is the Config before a file's keys are applied: what
// ZooKeeper assumes for absent keys.
func fileDefaults() Config {
	return Config{
		TickTime:                 DefaultTickTime,
		ClientPort:               -1,
		SecureClientPort:         -1,
		ClientPortListenBacklog:  -1,
		MaxClientCnxns:           60,
		GlobalOutstandingLimit:   1000,
		SnapCount:                100000,
		SnapSizeLimit:            4194304 * 1024,
		PreAllocSize:             65536 * 1024,
		ForceSync:                true,
		FsyncWarningThreshold:    1000 * time.Millisecond,
		SnapRetainCount:          MinSnapRetainCount,
		PurgeInterval:            DefaultPurgeInterval,
		SyncEnabled:              true,
		ElectionAlg:              3,
		LeaderServes:             true,
		StandaloneEnabled:        true,
		FourLetterWords:          []string{"srvr"},
		JuteMaxBuffer:            DefaultJuteMaxBuffer,
		ContainerCheckInterval:   time.Minute,
		ContainerMaxPerMinute:    10000,
		AdminEnableServer:        true,
		AdminServerAddress:       DefaultAdminServerAddress,
		AdminServerPort:          8080,
		AdminIdleTimeout:         30000 * time.Millisecond,
		AdminCommandURL:          "/commands",
		MetricsProviderClassName: MetricsProviderDefault,
		MetricsHTTPHost:          "0.0.0.0",
		MetricsHTTPPort:          7000,
		MetricsExportJvmInfo:     true,
		MetricsProviderConfig:    map[string]string{},
		Raw:                      map[string]string{},
	}
}

// ParseConfig reads a zoo.cfg: java.util.Properties syntax ('#' and '!'
// comments, key=value, key:value or key value, backslash continuations and
// escapes), keys and values trimmed as ZooKeeper trims them. Absent keys
// take their defaults (see Config), derived values are filled in and the
// result is validated as by Validate.
//
// Unknown keys, keys Paddock ignores and values that mean something
// surprising are returned as warnings, one line each naming the key; they
// are never errors. A bad value is a *ConfigError naming the key and the
// value, e.g. `zoo.cfg:3: tickTime: "abc" is not a number`.
//
// ParseConfig does not open dynamicConfigFile; LoadConfig does.
func ParseConfig(r io.Reader) (cfg Config, warnings []string, err error) {
	text, err := io.ReadAll(r)
	if err != nil {
		return Config{}, nil, fmt.Errorf("server: reading config: %w", err)
	}
	p, err := parse(bytes.NewReader(text), "zoo.cfg")
	if err != nil {
		return Config{}, p.warnings, err
	}
	p.cfg.Text = string(text)
	if err := p.validate(); err != nil {
		return Config{}, p.warnings, err
	}
	return p.cfg, p.warnings, nil
}

// LoadConfig reads the zoo.cfg at path as ParseConfig does, with path in
// messages, and then the dynamicConfigFile it names, if any.
func LoadConfig(path string) (Config, []string, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return Config{}, nil, fmt.Errorf("server: reading config: %w", err)
	}
	p, err := parse(bytes.NewReader(text), path)
	if err != nil {
		return Config{}, p.warnings, err
	}
	p.cfg.Text = string(text)
	if dyn := p.cfg.DynamicConfigFile; dyn != "" {
		if err := p.loadDynamic(dyn); err != nil {
			return Config{}, p.warnings, err
		}
	}
	if err := p.validate(); err != nil {
		return Config{}, p.warnings, err
	}
	if p.cfg.Distributed() && p.cfg.MyID == 0 {
		id, err := ReadMyID(p.cfg.DataDir)
		if err != nil {
			return Config{}, p.warnings, err
		}
		p.cfg.MyID = id
	}
	if err := p.cfg.CheckMembership(); err != nil {
		return Config{}, p.warnings, err
	}
	return p.cfg, p.warnings, nil
}

// ReadMyID reads dataDir/myid, as QuorumPeerConfig.setupMyId does.
func ReadMyID(dataDir string) (int64, error) {
	path := filepath.Join(dataDir, "myid")
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return 0, &ConfigError{Key: "myid", Msg: fmt.Sprintf("%s file is missing: an ensemble member needs its server id (the N of its server.N line) there", path)}
		}
		return 0, err
	}
	id, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || id <= 0 {
		return 0, &ConfigError{Key: "myid", Msg: fmt.Sprintf("serverid %q in %s is not a positive number", strings.TrimSpace(string(b)), path)}
	}
	return id, nil
}

// CheckMembership checks what an ensemble member needs beyond Validate:
// its myid is one of the server.N lines, and no two servers share a
// quorum or election address.
func (c *Config) CheckMembership() error {
	if !c.Distributed() {
		return nil
	}
	bad := func(key, format string, args ...any) error {
		return &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	found := false
	used := make(map[string]string)
	for _, sv := range c.Servers {
		key := "server." + strconv.FormatInt(sv.ID, 10)
		if sv.ID == c.MyID {
			found = true
		}
		for _, a := range sv.Addrs {
			for _, port := range []int{a.QuorumPort, a.ElectionPort} {
				addr := net.JoinHostPort(a.Host, strconv.Itoa(port))
				if other, dup := used[addr]; dup && other != key {
					return bad(key, "%s and %s both use %s", other, key, addr)
				} else if dup {
					return bad(key, "%s uses %s twice", key, addr)
				}
				used[addr] = key
			}
		}
	}
	if !found {
		return bad("myid", "My id %d not in the peer list (server.N lines)", c.MyID)
	}
	return nil
}

// resolve fills in the values ZooKeeper derives from others when unset.
func (c *Config) resolve() {
	if c.DataLogDir == "" {
		c.DataLogDir = c.DataDir
	}
	if c.MinSessionTimeout <= 0 {
		c.MinSessionTimeout = 2 * c.TickTime
	}
	if c.MaxSessionTimeout <= 0 {
		c.MaxSessionTimeout = 20 * c.TickTime
	}
	if len(c.FourLetterWords) != 1 || c.FourLetterWords[0] != "*" {
		if !slices.Contains(c.FourLetterWords, "srvr") {
			c.FourLetterWords = append(slices.Clip(c.FourLetterWords), "srvr")
		}
	}
}

// Validate fills in derived values left unset (DataLogDir, the session
// timeouts, "srvr" in FourLetterWords) and then checks c as ZooKeeper checks
// a config: dataDir is set, tickTime is positive, minSessionTimeout <=
// maxSessionTimeout, ports are in range, an ensemble has initLimit and
// syncLimit, and so on. Call it after changing a Config by hand. Errors are
// *ConfigError.
func (c *Config) Validate() error {
	c.resolve()
	bad := func(key, format string, args ...any) error {
		return &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case c.TickTime == 0:
		return bad("tickTime", "tickTime is not set")
	case c.TickTime < 0:
		return bad("tickTime", "tickTime must be positive, not %d ms", c.TickTime.Milliseconds())
	case c.DataDir == "":
		return bad("dataDir", "dataDir is not set")
	case c.MinSessionTimeout > c.MaxSessionTimeout:
		return bad("minSessionTimeout", "minSessionTimeout (%d ms) must not be larger than maxSessionTimeout (%d ms)",
			c.MinSessionTimeout.Milliseconds(), c.MaxSessionTimeout.Milliseconds())
	}
	if c.ClientPort < 0 {
		if c.ClientPort != -1 {
			return bad("clientPort", "clientPort %d is out of range 0-65535", c.ClientPort)
		}
		if c.ClientPortAddress != "" {
			return bad("clientPortAddress", "clientPortAddress is set but clientPort is not set")
		}
		// NB: ZooKeeper accepts no client port at all (the server.N line
		// of this server may give one, or only secureClientPort is used);
		// Paddock must serve something.
		if !slices.ContainsFunc(c.Servers, func(s ServerSpec) bool { return s.ClientPort >= 0 }) {
			return bad("clientPort", "clientPort is not set")
		}
	}
	if c.SecureClientPort == -1 && c.SecureClientPortAddress != "" {
		return bad("secureClientPortAddress", "secureClientPortAddress is set but secureClientPort is not set")
	}
	for _, p := range []struct {
		key  string
		port int
		min  int
	}{
		{"clientPort", c.ClientPort, -1},
		{"secureClientPort", c.SecureClientPort, -1},
		{"observerMasterPort", c.ObserverMasterPort, 0},
		{"admin.serverPort", c.AdminServerPort, 0},
		{"metricsProvider.httpPort", c.MetricsHTTPPort, 0},
	} {
		if p.port < p.min || p.port > 65535 {
			return bad(p.key, "%s %d is out of range 0-65535", p.key, p.port)
		}
	}
	nonNegative := []struct {
		key string
		n   int
	}{
		{"maxClientCnxns", c.MaxClientCnxns},
		{"maxCnxns", c.MaxCnxns},
		{"initLimit", c.InitLimit},
		{"syncLimit", c.SyncLimit},
		{"connectToLearnerMasterLimit", c.ConnectToLearnerMasterLimit},
		{"znode.container.maxPerMinute", c.ContainerMaxPerMinute},
	}
	for _, n := range nonNegative {
		if n.n < 0 {
			return bad(n.key, "%s must not be negative, not %d", n.key, n.n)
		}
	}
	switch {
	case c.SnapCount < 2:
		return bad("snapCount", "snapCount must be at least 2, not %d", c.SnapCount)
	case c.SnapRetainCount < MinSnapRetainCount:
		return bad("autopurge.snapRetainCount", "autopurge.snapRetainCount must be at least %d, not %d",
			MinSnapRetainCount, c.SnapRetainCount)
	case c.JuteMaxBuffer <= 0:
		return bad("jute.maxbuffer", "jute.maxbuffer must be positive, not %d", c.JuteMaxBuffer)
	case c.ElectionAlg != 3:
		return bad("electionAlg", "electionAlg %d is not supported; only 3 is", c.ElectionAlg)
	case c.ContainerCheckInterval <= 0:
		return bad("znode.container.checkIntervalMs", "znode.container.checkIntervalMs must be positive, not %d",
			c.ContainerCheckInterval.Milliseconds())
	case c.AdminEnableServer && c.AdminIdleTimeout < 0:
		return bad("admin.idleTimeout", "admin.idleTimeout must not be negative, not %d", c.AdminIdleTimeout.Milliseconds())
	}
	return c.validateEnsemble()
}

// validateEnsemble applies QuorumPeerConfig.parseDynamicConfig's and
// checkValidity's rules to Servers.
func (c *Config) validateEnsemble() error {
	bad := func(key, format string, args ...any) error {
		return &ConfigError{Key: key, Msg: fmt.Sprintf(format, args...)}
	}
	participants, observers := 0, 0
	seen := make(map[int64]bool, len(c.Servers))
	for _, s := range c.Servers {
		key := "server." + strconv.FormatInt(s.ID, 10)
		if seen[s.ID] {
			return bad(key, "%s is given twice", key)
		}
		seen[s.ID] = true
		if len(s.Addrs) == 0 {
			return bad(key, "%s has no address", key)
		}
		if c.ExtendedTypesEnabled && s.ID > MaxExtendedServerID {
			return bad(key, "%s: server IDs cannot be larger than %d when extendedTypesEnabled is true", key, MaxExtendedServerID)
		}
		if s.Role == RoleObserver {
			observers++
		} else {
			participants++
		}
	}
	switch {
	case participants == 0 && !c.StandaloneEnabled:
		return bad("standaloneEnabled", "standaloneEnabled is false, so at least one participant server.N is needed")
	case participants == 0 && observers > 0:
		return bad("server", "observers without participants is an invalid configuration")
	case participants == 1 && c.StandaloneEnabled && observers > 0:
		return bad("server", "observers without a quorum is an invalid configuration (or set standaloneEnabled=false)")
	}
	if c.Distributed() {
		if c.InitLimit == 0 {
			return bad("initLimit", "initLimit is not set")
		}
		if c.SyncLimit == 0 {
			return bad("syncLimit", "syncLimit is not set")
		}
	}
	return nil
}

// Distributed reports whether c describes an ensemble rather than a
// standalone server (QuorumPeerConfig.isDistributed): more than one
// participant, or standaloneEnabled=false with any server.N.
func (c *Config) Distributed() bool {
	if len(c.Servers) == 0 {
		return false
	}
	if !c.StandaloneEnabled {
		return true
	}
	participants := 0
	for _, s := range c.Servers {
		if s.Role == RoleParticipant {
			participants++
		}
	}
	return participants > 1
}

// parser carries one file's parse: the config being built, warnings and
// where each key was, for messages.
type parser struct {
	file     string
	cfg      Config
	warnings []string
	lines    map[string]int // key -> line of its last occurrence
	servers  []property     // server.N lines, parsed once all keys are known
	// observerSync is observer.syncEnabled, which overrides syncEnabled
	// wherever it appears (QuorumPeer.getSyncEnabled).
	observerSync *bool
}

func (p *parser) warnf(line int, format string, args ...any) {
	prefix := p.file
	if line > 0 {
		prefix += ":" + strconv.Itoa(line)
	}
	p.warnings = append(p.warnings, oneLine(prefix+": "+fmt.Sprintf(format, args...)))
}

func (p *parser) errorf(prop property, format string, args ...any) error {
	return &ConfigError{File: p.file, Line: prop.line, Key: prop.key, Value: prop.value,
		Msg: oneLine(fmt.Sprintf(format, args...))}
}

// oneLine escapes control characters, which escapes in a key can produce,
// so that every message stays on one line.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// parse reads the properties and applies every key, without validating.
func parse(r io.Reader, file string) (*parser, error) {
	p := &parser{file: file, cfg: fileDefaults(), lines: map[string]int{}}
	data, err := io.ReadAll(r)
	if err != nil {
		return p, fmt.Errorf("server: reading %s: %w", file, err)
	}
	props, err := parseProperties(data)
	if err != nil {
		var pe *propertiesError
		if errors.As(err, &pe) {
			return p, &ConfigError{File: file, Line: pe.line, Msg: oneLine(pe.msg)}
		}
		return p, err
	}
	for _, prop := range props {
		p.cfg.Raw[prop.key] = prop.value
		p.lines[prop.key] = prop.line
	}
	// Apply in file order so that the last of repeated keys wins, as in
	// java.util.Properties.
	for _, prop := range props {
		if err := p.apply(prop); err != nil {
			return p, err
		}
	}
	if p.observerSync != nil {
		p.cfg.SyncEnabled = *p.observerSync
	}
	if len(p.servers) > 0 {
		if p.cfg.DynamicConfigFile != "" {
			s := p.servers[0]
			return p, p.errorf(s, "%s must be in the separate dynamic config file %s", s.key, p.cfg.DynamicConfigFile)
		}
		servers, err := p.parseServers(p.servers)
		if err != nil {
			return p, err
		}
		p.cfg.Servers = servers
	}
	p.checkFile()
	return p, nil
}

// checkFile applies the cross-key adjustments ZooKeeper makes while reading
// (with the warnings it logs), then fills in derived values.
func (p *parser) checkFile() {
	c := &p.cfg
	if c.SnapRetainCount < MinSnapRetainCount {
		p.warnf(p.lines["autopurge.snapRetainCount"], "autopurge.snapRetainCount: %d is below the minimum; using %d, as ZooKeeper does",
			c.SnapRetainCount, MinSnapRetainCount)
		c.SnapRetainCount = MinSnapRetainCount
	}
	if c.SnapCount < 2 {
		p.warnf(p.lines["snapCount"], "snapCount: %d is below the minimum; using 2, as ZooKeeper does", c.SnapCount)
		c.SnapCount = 2
	}
	if c.MaxCnxns < 0 {
		p.warnf(p.lines["maxCnxns"], "maxCnxns: %d is negative; using 0 (no limit), as ZooKeeper does", c.MaxCnxns)
		c.MaxCnxns = 0
	}
	if c.MaxClientCnxns < 0 {
		p.warnf(p.lines["maxClientCnxns"], "maxClientCnxns: %d is negative; using 0 (no limit), as ZooKeeper does", c.MaxClientCnxns)
		c.MaxClientCnxns = 0
	}
	if c.PurgeInterval < 0 {
		c.PurgeInterval = 0
	}
	if c.SecureClientPort >= 0 {
		p.warnf(p.lines["secureClientPort"], "secureClientPort: TLS is not supported yet; port %d will not be opened", c.SecureClientPort)
	}
	for _, key := range []string{"dataDir", "dataLogDir"} {
		if v := c.Raw[key]; v != "" && !filepath.IsAbs(v) && !strings.HasPrefix(v, "."+string(filepath.Separator)) {
			p.warnf(p.lines[key], "%s: %q is relative to the current directory; prepend ./ to show that is intended", key, v)
		}
	}
	c.resolve()
}

// validate runs Validate, pointing its errors at the file and line of the
// key they name.
func (p *parser) validate() error {
	err := p.cfg.Validate()
	var ce *ConfigError
	if errors.As(err, &ce) && ce.File == "" {
		ce.File = p.file
		ce.Line = p.lines[ce.Key]
		ce.Value = p.cfg.Raw[ce.Key]
	}
	return err
}

// loadDynamic reads the dynamic config file: server.N, group.N, weight.N and
// nothing else (QuorumPeerConfig.parseDynamicConfig). The config version
// that ZooKeeper takes from the file name's suffix is not kept yet.
func (p *parser) loadDynamic(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("server: reading dynamicConfigFile: %w", err)
	}
	props, err := parseProperties(data)
	if err != nil {
		var pe *propertiesError
		if errors.As(err, &pe) {
			return &ConfigError{File: path, Line: pe.line, Msg: oneLine(pe.msg)}
		}
		return err
	}
	dp := &parser{file: path, cfg: p.cfg, lines: map[string]int{}}
	var servers []property
	for _, prop := range props {
		switch {
		case strings.HasPrefix(prop.key, "server."):
			servers = append(servers, prop)
		case strings.HasPrefix(prop.key, "group") || strings.HasPrefix(prop.key, "weight"):
			dp.warnf(prop.line, "%s: hierarchical quorums are not supported yet; ignored", prop.key)
		case prop.key == "version":
			return dp.errorf(prop, "dynamic config file must not contain a version; it comes from the file name")
		default:
			return dp.errorf(prop, "unrecognised parameter %q in the dynamic config file", prop.key)
		}
	}
	out, err := dp.parseServers(servers)
	p.warnings = append(p.warnings, dp.warnings...)
	if err != nil {
		return err
	}
	p.cfg.Servers = out
	return nil
}

// parseServers parses server.N lines (QuorumMaj and QuorumServer).
func (p *parser) parseServers(props []property) ([]ServerSpec, error) {
	byID := map[int64]property{}
	var out []ServerSpec
	for _, prop := range props {
		idText := strings.TrimPrefix(prop.key, "server.")
		id, err := parseJavaInt(idText, 64)
		if err != nil || id < 0 {
			return nil, p.errorf(prop, "%s: %q is not a server ID", prop.key, idText)
		}
		if prev, dup := byID[id]; dup {
			return nil, p.errorf(prop, "%s: server ID %d is already given by %s on line %d", prop.key, id, prev.key, prev.line)
		}
		byID[id] = prop
		s, msg := parseServerSpec(prop.value, p.cfg.MultiAddressEnabled)
		if msg != "" {
			return nil, p.errorf(prop, "%s: %q %s", prop.key, prop.value, msg)
		}
		s.ID = id
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b ServerSpec) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

const serverFormat = "is not host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort]"

// parseServerSpec parses the value of a server.N line; it returns a message
// for the error, "" if none. It mirrors QuorumServer's parsing, including
// Java's String.split dropping trailing empty strings.
func parseServerSpec(v string, multiAddress bool) (ServerSpec, string) {
	s := ServerSpec{ClientPort: -1, SecureClientPort: -1}
	parts := javaSplit(v, ";")
	if len(parts) == 0 || len(parts) > 3 {
		return s, serverFormat
	}
	var msg string
	if len(parts) >= 2 && parts[1] != "" {
		if s.ClientAddr, s.ClientPort, msg = parseClientSpec(parts[1]); msg != "" {
			return s, msg
		}
	}
	if len(parts) == 3 && parts[2] != "" {
		if s.SecureClientAddr, s.SecureClientPort, msg = parseClientSpec(parts[2]); msg != "" {
			return s, msg
		}
	}
	addrs := strings.Split(parts[0], "|")
	if len(addrs) > 1 && !multiAddress {
		return s, "has several addresses but multiAddress.enabled is false"
	}
	var role *PeerRole
	for _, a := range addrs {
		hp, msg := hostAndPort(a)
		if msg != "" {
			return s, msg
		}
		if len(hp) < 3 || len(hp) > 4 {
			return s, serverFormat
		}
		if hp[0] == "" {
			return s, "has no host"
		}
		qp, ok1 := parsePort(hp[1])
		ep, ok2 := parsePort(hp[2])
		if !ok1 || !ok2 {
			return s, "has a port that is not a number in 0-65535"
		}
		if qp == ep {
			return s, "has the same quorum and election port"
		}
		s.Addrs = append(s.Addrs, PeerAddr{Host: hp[0], QuorumPort: qp, ElectionPort: ep})
		if len(hp) == 4 {
			var r PeerRole
			switch strings.ToLower(strings.TrimSpace(hp[3])) {
			case "participant":
				r = RoleParticipant
			case "observer":
				r = RoleObserver
			default:
				return s, fmt.Sprintf("has unknown peer type %q (participant or observer)", hp[3])
			}
			if role != nil && *role != r {
				return s, "gives its addresses different peer types"
			}
			role = &r
		}
	}
	if role != nil {
		s.Role = *role
	}
	return s, ""
}

// parseClientSpec parses "[host:]port" after ';' in a server.N line.
func parseClientSpec(v string) (host string, port int, msg string) {
	hp, msg := hostAndPort(v)
	if msg != "" {
		return "", -1, msg
	}
	if len(hp) > 2 {
		return "", -1, serverFormat
	}
	host = "0.0.0.0"
	if len(hp) == 2 {
		host = hp[0]
	}
	if len(hp) == 0 {
		return "", -1, serverFormat
	}
	port, ok := parsePort(hp[len(hp)-1])
	if !ok {
		return "", -1, fmt.Sprintf("has client port %q, not a number in 0-65535", hp[len(hp)-1])
	}
	return host, port, ""
}

// hostAndPort splits "host:port:..." or "[v6]:port:..." on ':' as
// ConfigUtils.getHostAndPort does.
func hostAndPort(s string) ([]string, string) {
	if !strings.HasPrefix(s, "[") {
		return javaSplit(s, ":"), ""
	}
	i := strings.IndexByte(s, ']')
	switch {
	case i < 0:
		return nil, "starts with '[' but has no matching ']'"
	case i+2 == len(s):
		return nil, "has no port after the colon"
	case i+2 < len(s):
		return append([]string{s[1:i]}, javaSplit(s[i+2:], ":")...), ""
	}
	return []string{s[1:i]}, ""
}

// javaSplit splits like Java's String.split with a literal separator:
// trailing empty strings are dropped.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}

func parsePort(s string) (int, bool) {
	n, err := parseJavaInt(s, 32)
	return int(n), err == nil && n >= 0 && n <= 65535
}

// A keyKind says how a key is read.
type keyKind uint8

const (
	// peerConfigKey is read by QuorumPeerConfig.parseProperties.
	peerConfigKey keyKind = iota
	// sysPropKey becomes the system property "zookeeper.<key>"; the
	// spelling with that prefix is accepted too, with a warning.
	sysPropKey
	// plainKey is a system property ZooKeeper reads without the
	// "zookeeper." prefix, so ZooKeeper ignores it in zoo.cfg.
	plainKey
)

type keySpec struct {
	kind  keyKind
	apply func(p *parser, prop property) error
}

// keys maps every key Paddock reads to how it reads it.
var keys = map[string]keySpec{
	"tickTime": {peerConfigKey, func(p *parser, v property) error {
		return p.millis(v, &p.cfg.TickTime)
	}},
	"dataDir": {peerConfigKey, func(p *parser, v property) error {
		p.cfg.DataDir = v.value
		return nil
	}},
	"dataLogDir": {peerConfigKey, func(p *parser, v property) error {
		p.cfg.DataLogDir = v.value
		return nil
	}},
	"clientPort":              {peerConfigKey, intKey(func(c *Config) *int { return &c.ClientPort })},
	"clientPortAddress":       {peerConfigKey, stringKey(func(c *Config) *string { return &c.ClientPortAddress })},
	"secureClientPort":        {peerConfigKey, intKey(func(c *Config) *int { return &c.SecureClientPort })},
	"secureClientPortAddress": {peerConfigKey, stringKey(func(c *Config) *string { return &c.SecureClientPortAddress })},
	"clientPortListenBacklog": {peerConfigKey, intKey(func(c *Config) *int { return &c.ClientPortListenBacklog })},
	"maxClientCnxns":          {peerConfigKey, intKey(func(c *Config) *int { return &c.MaxClientCnxns })},
	"minSessionTimeout": {peerConfigKey, func(p *parser, v property) error {
		return p.sessionTimeout(v, &p.cfg.MinSessionTimeout)
	}},
	"maxSessionTimeout": {peerConfigKey, func(p *parser, v property) error {
		return p.sessionTimeout(v, &p.cfg.MaxSessionTimeout)
	}},
	"localSessionsEnabled":          {peerConfigKey, strictBoolKey(func(c *Config) *bool { return &c.LocalSessionsEnabled })},
	"localSessionsUpgradingEnabled": {peerConfigKey, strictBoolKey(func(c *Config) *bool { return &c.LocalSessionsUpgradingEnabled })},
	"initLimit":                     {peerConfigKey, intKey(func(c *Config) *int { return &c.InitLimit })},
	"syncLimit":                     {peerConfigKey, intKey(func(c *Config) *int { return &c.SyncLimit })},
	"connectToLearnerMasterLimit":   {peerConfigKey, intKey(func(c *Config) *int { return &c.ConnectToLearnerMasterLimit })},
	"electionAlg": {peerConfigKey, func(p *parser, v property) error {
		if err := p.integer(v, 32, &p.cfg.ElectionAlg); err != nil {
			return err
		}
		if p.cfg.ElectionAlg != 3 {
			return p.errorf(v, "electionAlg: %q is not supported; only 3 is", v.value)
		}
		return nil
	}},
	"quorumListenOnAllIPs": {peerConfigKey, strictBoolKey(func(c *Config) *bool { return &c.QuorumListenOnAllIPs })},
	"peerType": {peerConfigKey, func(p *parser, v property) error {
		switch strings.ToLower(v.value) {
		case "participant":
			p.cfg.PeerType = RoleParticipant
		case "observer":
			p.cfg.PeerType = RoleObserver
		default:
			return p.errorf(v, "peerType: %q is not participant or observer", v.value)
		}
		return nil
	}},
	"syncEnabled":               {peerConfigKey, strictBoolKey(func(c *Config) *bool { return &c.SyncEnabled })},
	"dynamicConfigFile":         {peerConfigKey, stringKey(func(c *Config) *string { return &c.DynamicConfigFile })},
	"autopurge.snapRetainCount": {peerConfigKey, intKey(func(c *Config) *int { return &c.SnapRetainCount })},
	"autopurge.purgeInterval": {peerConfigKey, func(p *parser, v property) error {
		d, ok := parsePurgeInterval(v.value)
		if !ok {
			return p.errorf(v, "autopurge.purgeInterval: %q is not a number of hours or a number with suffix ms, s, m, h or d", v.value)
		}
		p.cfg.PurgeInterval = d
		return nil
	}},
	"standaloneEnabled":    {peerConfigKey, strictBoolKey(func(c *Config) *bool { return &c.StandaloneEnabled })},
	"reconfigEnabled":      {peerConfigKey, strictBoolKey(func(c *Config) *bool { return &c.ReconfigEnabled })},
	"observerMasterPort":   {peerConfigKey, intKey(func(c *Config) *int { return &c.ObserverMasterPort })},
	"multiAddress.enabled": {peerConfigKey, strictBoolKey(func(c *Config) *bool { return &c.MultiAddressEnabled })},
	"metricsProvider.className": {peerConfigKey, func(p *parser, v property) error {
		switch v.value {
		case MetricsProviderDefault, MetricsProviderPrometheus:
			p.cfg.MetricsProviderClassName = v.value
		default:
			p.warnf(v.line, "metricsProvider.className: %q is not supported; using %s", v.value, MetricsProviderDefault)
			p.cfg.MetricsProviderClassName = MetricsProviderDefault
		}
		return nil
	}},
	"metrics.enabled":          {peerConfigKey, strictBoolKey(func(c *Config) *bool { return &c.MetricsEnabled })},
	"metricsProvider.httpHost": {peerConfigKey, stringKey(func(c *Config) *string { return &c.MetricsHTTPHost })},
	"metricsProvider.httpPort": {peerConfigKey, intKey(func(c *Config) *int { return &c.MetricsHTTPPort })},
	"metricsProvider.exportJvmInfo": {peerConfigKey, func(p *parser, v property) error {
		// Boolean.parseBoolean: "true" in any case, else false.
		p.cfg.MetricsExportJvmInfo = p.javaBool(v)
		return nil
	}},

	"snapCount":      {sysPropKey, decodeIntKey(func(c *Config) *int { return &c.SnapCount })},
	"commitLogCount": {sysPropKey, decodeIntKey(func(c *Config) *int { return &c.CommitLogCount })},
	"snapSizeLimitInKb": {sysPropKey, func(p *parser, v property) error {
		return p.kibibytes(v, true, &p.cfg.SnapSizeLimit)
	}},
	"txnLogSizeLimitInKb": {sysPropKey, func(p *parser, v property) error {
		return p.kibibytes(v, true, &p.cfg.TxnLogSizeLimit)
	}},
	"preAllocSize": {sysPropKey, func(p *parser, v property) error {
		return p.kibibytes(v, false, &p.cfg.PreAllocSize) // Long.parseLong
	}},
	"forceSync": {sysPropKey, func(p *parser, v property) error {
		p.cfg.ForceSync = p.yesNo(v, "no") // FileTxnLog: !value.equals("no")
		return nil
	}},
	"fsync.warningthresholdms": {sysPropKey, func(p *parser, v property) error {
		return p.decodeMillis(v, 64, &p.cfg.FsyncWarningThreshold)
	}},
	"globalOutstandingLimit": {sysPropKey, decodeIntKey(func(c *Config) *int { return &c.GlobalOutstandingLimit })},
	"maxCnxns":               {sysPropKey, decodeIntKey(func(c *Config) *int { return &c.MaxCnxns })},
	"leaderServes": {sysPropKey, func(p *parser, v property) error {
		p.cfg.LeaderServes = p.yesNo(v, "no") // Leader: !value.equals("no")
		return nil
	}},
	"skipACL": {sysPropKey, func(p *parser, v property) error {
		p.cfg.SkipACL = !p.yesNo(v, "yes") // ZooKeeperServer: value.equals("yes")
		return nil
	}},
	"observer.syncEnabled": {sysPropKey, func(p *parser, v property) error {
		b := p.javaBool(v) // Boolean.getBoolean
		p.observerSync = &b
		return nil
	}},
	"4lw.commands.whitelist": {sysPropKey, func(p *parser, v property) error {
		p.cfg.FourLetterWords = p.fourLetterWords(v)
		return nil
	}},
	"extendedTypesEnabled": {sysPropKey, func(p *parser, v property) error {
		p.cfg.ExtendedTypesEnabled = p.javaBool(v) // Boolean.getBoolean
		return nil
	}},
	"enforceQuota": {sysPropKey, func(p *parser, v property) error {
		p.cfg.EnforceQuota = p.javaBool(v) // Boolean.parseBoolean
		return nil
	}},
	"emulate353TTLNodes": {sysPropKey, func(p *parser, v property) error {
		p.cfg.Emulate353TTLNodes = p.javaBool(v) // Boolean.getBoolean
		return nil
	}},
	"DigestAuthenticationProvider.superDigest": {sysPropKey, func(p *parser, v property) error {
		if !strings.Contains(v.value, ":") {
			p.warnf(v.line, "%s: %q is not of the form user:digest; no client can match it", v.key, v.value)
		}
		p.cfg.SuperDigest = v.value
		return nil
	}},
	"admin.enableServer": {sysPropKey, func(p *parser, v property) error {
		// AdminServerFactory (3.5-3.9): enabled unless exactly "false".
		if v.value != "true" && v.value != "false" {
			p.warnf(v.line, "%s: %q is not \"true\" or \"false\"; read as true, as ZooKeeper 3.9 does", v.key, v.value)
		}
		p.cfg.AdminEnableServer = v.value != "false"
		return nil
	}},
	"admin.serverAddress": {sysPropKey, stringKey(func(c *Config) *string { return &c.AdminServerAddress })},
	"admin.serverPort":    {sysPropKey, decodeIntKey(func(c *Config) *int { return &c.AdminServerPort })},
	"admin.idleTimeout": {sysPropKey, func(p *parser, v property) error {
		return p.decodeMillis(v, 32, &p.cfg.AdminIdleTimeout)
	}},
	"admin.commandURL": {sysPropKey, stringKey(func(c *Config) *string { return &c.AdminCommandURL })},

	"jute.maxbuffer": {plainKey, decodeIntKey(func(c *Config) *int { return &c.JuteMaxBuffer })},
	"znode.container.checkIntervalMs": {plainKey, func(p *parser, v property) error {
		return p.decodeMillis(v, 32, &p.cfg.ContainerCheckInterval)
	}},
	"znode.container.maxPerMinute": {plainKey, decodeIntKey(func(c *Config) *int { return &c.ContainerMaxPerMinute })},
	"znode.container.maxNeverUsedIntervalMs": {plainKey, func(p *parser, v property) error {
		return p.decodeMillis(v, 64, &p.cfg.ContainerMaxNeverUsedInterval)
	}},
}

// apply applies one key.
func (p *parser) apply(prop property) error {
	if spec, ok := keys[prop.key]; ok {
		return spec.apply(p, prop)
	}
	if name, ok := strings.CutPrefix(prop.key, "zookeeper."); ok {
		if spec, ok := keys[name]; ok && spec.kind == sysPropKey {
			p.warnf(prop.line, "%s: read as %s (ZooKeeper reads only %s in zoo.cfg and would ignore this spelling)", prop.key, name, name)
			return spec.apply(p, property{key: name, value: prop.value, line: prop.line})
		}
	}
	switch {
	case strings.HasPrefix(prop.key, "server."):
		p.servers = append(p.servers, prop)
	case strings.HasPrefix(prop.key, "metricsProvider."):
		p.cfg.MetricsProviderConfig[strings.TrimPrefix(prop.key, "metricsProvider.")] = prop.value
	case strings.HasPrefix(prop.key, "group") || strings.HasPrefix(prop.key, "weight"):
		if p.cfg.Raw["dynamicConfigFile"] != "" {
			return p.errorf(prop, "%s must be in the separate dynamic config file", prop.key)
		}
		p.warnf(prop.line, "%s: hierarchical quorums are not supported yet; ignored", prop.key)
	case ignoredKey(prop.key):
		p.warnf(prop.line, "%s: ZooKeeper option not supported by Paddock; ignored", prop.key)
	default:
		p.warnf(prop.line, "unknown key %q; ignored", prop.key)
	}
	return nil
}

// ignoredKeys are ZooKeeper options (from QuorumPeerConfig and the admin
// guide) that Paddock accepts and ignores.
var ignoredKeys = map[string]bool{
	"sslQuorum": true, "portUnification": true, "sslQuorumReloadCertFiles": true,
	"quorum.cnxn.threads.size": true, "oraclePath": true, "version": true,
	"commitLogCount": true, "maxResponseCacheSize": true, "maxGetChildrenResponseCacheSize": true,
	"watchManagerName": true, "watcherCleanThreadsNum": true, "watcherCleanThreshold": true,
	"watcherCleanIntervalInSeconds": true, "maxInProcessingDeadWatchers": true, "bitHashCacheSize": true,
	"connectionMaxTokens": true, "connectionTokenFillTime": true, "connectionTokenFillCount": true,
	"connectionFreezeTime": true, "connectionDropIncrease": true, "connectionDropDecrease": true,
	"connectionDecreaseRatio": true, "serverCnxnFactory": true, "flushDelay": true,
	"maxWriteQueuePollTime": true, "maxBatchSize": true,
	"requestThrottleLimit": true, "requestThrottleStallTime": true, "requestThrottleDropStale": true,
	"requestStaleLatencyCheck": true, "requestStaleConnectionCheck": true,
	"advancedFlowControlEnabled": true, "enableEagerACLCheck": true, "maxConcurrentSnapSyncs": true,
	"maxConcurrentDiffSyncs": true, "largeRequestMaxBytes": true, "largeRequestThreshold": true,
	"outstandingHandshake.limit": true, "throttledOpWaitTime": true,
	"forward_learner_requests_to_commit_processor_disabled": true, "maxTimeToWaitForEpoch": true,
	"cnxTimeout": true, "quorumCnxnTimeoutMs": true, "tcpKeepAlive": true, "clientTcpKeepAlive": true,
	"electionPortBindRetry": true, "sessionRequireClientSASLAuth": true, "fips-mode": true,
	"jute.maxbuffer.extrasize": true,
	"readonlymode.enabled":     true, "authProvider": true,
}

// ignoredPrefixes are families of ZooKeeper options Paddock ignores.
var ignoredPrefixes = []string{
	"ssl.", "quorum.auth.", "jvm.pause.", "multiAddress.", "admin.", "authProvider.",
	"fastleader.", "snapshot.", "digest.", "audit.", "netty.", "learner.", "leader.",
	"observer.", "client.", "kerberos.", "enforce.auth.", "serializeLastProcessedZxid.",
	"DigestAuthenticationProvider.", "X509AuthenticationProvider.", "IPAuthenticationProvider.",
	"zookeeper.", "znode.container.",
}

func ignoredKey(key string) bool {
	if ignoredKeys[key] {
		return true
	}
	for _, prefix := range ignoredPrefixes {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}

// Value readers. Each mirrors the Java call ZooKeeper uses for the key.

func stringKey(field func(*Config) *string) func(*parser, property) error {
	return func(p *parser, v property) error {
		*field(&p.cfg) = v.value
		return nil
	}
}

// intKey reads a key ZooKeeper reads with Integer.parseInt.
func intKey(field func(*Config) *int) func(*parser, property) error {
	return func(p *parser, v property) error { return p.integer(v, 32, field(&p.cfg)) }
}

// decodeIntKey reads a key ZooKeeper reads with Integer.getInteger, which
// also takes 0x, # and leading-0 octal forms (Integer.decode).
func decodeIntKey(field func(*Config) *int) func(*parser, property) error {
	return func(p *parser, v property) error {
		n, err := p.decoded(v, 32)
		*field(&p.cfg) = int(n)
		return err
	}
}

// strictBoolKey reads a key QuorumPeerConfig.parseBoolean reads: "true" or
// "false" in any case, anything else is an error.
func strictBoolKey(field func(*Config) *bool) func(*parser, property) error {
	return func(p *parser, v property) error {
		switch strings.ToLower(v.value) {
		case "true":
			*field(&p.cfg) = true
		case "false":
			*field(&p.cfg) = false
		default:
			return p.errorf(v, "%s: %q is not true or false", v.key, v.value)
		}
		return nil
	}
}

func (p *parser) integer(v property, bits int, dst *int) error {
	n, err := p.number(v, parseJavaInt, bits)
	*dst = int(n)
	return err
}

func (p *parser) decoded(v property, bits int) (int64, error) {
	return p.number(v, decodeJavaInt, bits)
}

// number parses v with parse and turns its error into a *ConfigError.
func (p *parser) number(v property, parse func(string, int) (int64, error), bits int) (int64, error) {
	n, err := parse(v.value, bits)
	if errors.Is(err, strconv.ErrRange) {
		return 0, p.errorf(v, "%s: %q is out of range for a %d-bit number", v.key, v.value, bits)
	}
	if err != nil {
		return 0, p.errorf(v, "%s: %q is not a number", v.key, v.value)
	}
	return n, nil
}

// millis reads milliseconds with Integer.parseInt.
func (p *parser) millis(v property, dst *time.Duration) error {
	n, err := p.number(v, parseJavaInt, 32)
	*dst = time.Duration(n) * time.Millisecond
	return err
}

// decodeMillis reads milliseconds with Integer.getInteger (bits 32) or
// Long.getLong (64).
func (p *parser) decodeMillis(v property, bits int, dst *time.Duration) error {
	n, err := p.decoded(v, bits)
	if err != nil {
		return err
	}
	if n > math.MaxInt64/int64(time.Millisecond) || n < math.MinInt64/int64(time.Millisecond) {
		return p.errorf(v, "%s: %q is out of range", v.key, v.value)
	}
	*dst = time.Duration(n) * time.Millisecond
	return nil
}

// sessionTimeout reads minSessionTimeout or maxSessionTimeout; -1 (any
// negative) is ZooKeeper's "unset", stored as 0.
func (p *parser) sessionTimeout(v property, dst *time.Duration) error {
	if err := p.millis(v, dst); err != nil {
		return err
	}
	if *dst < 0 {
		*dst = 0
	}
	return nil
}

// kibibytes reads a size in KiB into bytes, with Long.getLong (decode) or
// Long.parseLong. Zero or less, which disables each of these features, is
// stored as 0.
func (p *parser) kibibytes(v property, decode bool, dst *int64) error {
	parse := parseJavaInt
	if decode {
		parse = decodeJavaInt
	}
	n, err := p.number(v, parse, 64)
	if err != nil {
		return err
	}
	if n > math.MaxInt64/1024 {
		return p.errorf(v, "%s: %q KiB is out of range", v.key, v.value)
	}
	*dst = max(n, 0) * 1024 // non-positive disables the feature
	return nil
}

// javaBool reads a Boolean.getBoolean or Boolean.parseBoolean value: true
// iff it equals "true" in any case. Other values than true and false are
// read as false, with a warning.
func (p *parser) javaBool(v property) bool {
	switch strings.ToLower(v.value) {
	case "true":
		return true
	case "false":
	default:
		p.warnf(v.line, "%s: %q is not true or false; read as false, as ZooKeeper does", v.key, v.value)
	}
	return false
}

// yesNo reads a key ZooKeeper compares with one exact word: it returns
// whether the value differs from word. Values other than "yes" and "no"
// are read as ZooKeeper reads them, with a warning.
func (p *parser) yesNo(v property, word string) bool {
	if v.value != "yes" && v.value != "no" {
		other := "yes"
		if word == "yes" {
			other = "no"
		}
		p.warnf(v.line, "%s: %q is not yes or no; read as %s, as ZooKeeper does", v.key, v.value, other)
	}
	return v.value != word
}

// fourLetterWords reads 4lw.commands.whitelist as FourLetterCommands does:
// comma separated, trimmed, empty entries skipped, "*" for all, "srvr"
// always enabled.
func (p *parser) fourLetterWords(v property) []string {
	var words []string
	for _, w := range strings.Split(v.value, ",") {
		w = javaTrim(w)
		switch {
		case w == "*":
			return []string{"*"}
		case w == "":
		case !slices.Contains(fourLetterCommands, w):
			p.warnf(v.line, "%s: %q is not a four-letter word command; ignored", v.key, w)
		case !slices.Contains(words, w):
			words = append(words, w)
		}
	}
	if !slices.Contains(words, "srvr") {
		words = append(words, "srvr")
	}
	return words
}

// fourLetterCommands are FourLetterCommands.cmd2String's words.
var fourLetterCommands = []string{
	"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok", "stmk",
	"srst", "srvr", "stat", "wchc", "wchp", "wchs", "mntr", "isro", "hash",
}

// parsePurgeInterval reads autopurge.purgeInterval as QuorumPeerConfig and
// Time.parseTimeInterval do: a bare number is hours; otherwise a number
// with suffix ms, s, m, h or d (case-insensitive). ZooKeeper holds the
// result in a 32-bit count of milliseconds.
func parsePurgeInterval(s string) (time.Duration, bool) {
	if s == "" {
		return 0, false
	}
	unit, num := time.Hour, s
	if last := s[len(s)-1]; last < '0' || last > '9' {
		switch {
		case strings.HasSuffix(s, "ms") || strings.HasSuffix(s, "MS"):
			unit, num = time.Millisecond, s[:len(s)-2]
		default:
			num = s[:len(s)-1]
			switch last | 0x20 {
			case 's':
				unit = time.Second
			case 'm':
				unit = time.Minute
			case 'h':
				unit = time.Hour
			case 'd':
				unit = 24 * time.Hour
			default:
				return 0, false
			}
		}
	}
	n, err := parseJavaInt(num, 32)
	if err != nil {
		return 0, false
	}
	d := time.Duration(n) * unit
	if d/time.Millisecond > 1<<31-1 || d/time.Millisecond < -1<<31 {
		return 0, false
	}
	return d, true
}

// parseJavaInt parses like Integer.parseInt (bits 32) or Long.parseLong
// (64): decimal with an optional sign. Errors wrap strconv.ErrSyntax or
// strconv.ErrRange.
func parseJavaInt(s string, bits int) (int64, error) {
	return strconv.ParseInt(s, 10, bits) // base 10 takes no '_' or prefix
}

// decodeJavaInt parses like Integer.decode (bits 32) or Long.decode (64),
// which Integer.getInteger and Long.getLong use: optional sign, then 0x, 0X
// or # for hexadecimal, a leading 0 for octal, else decimal. Errors are
// strconv.ErrSyntax or strconv.ErrRange.
func decodeJavaInt(s string, bits int) (int64, error) {
	neg := false
	rest := s
	if rest != "" && (rest[0] == '-' || rest[0] == '+') {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	base := 10
	switch {
	case strings.HasPrefix(rest, "0x") || strings.HasPrefix(rest, "0X"):
		base, rest = 16, rest[2:]
	case strings.HasPrefix(rest, "#"):
		base, rest = 16, rest[1:]
	case strings.HasPrefix(rest, "0") && len(rest) > 1:
		base, rest = 8, rest[1:]
	}
	if rest == "" || rest[0] == '-' || rest[0] == '+' {
		return 0, strconv.ErrSyntax
	}
	u, err := strconv.ParseUint(rest, base, 64)
	if err != nil {
		return 0, err.(*strconv.NumError).Err
	}
	limit := uint64(1) << (bits - 1) // -min
	if u > limit || (!neg && u == limit) {
		return 0, strconv.ErrRange
	}
	if neg {
		// NB: for u == 1<<63, int64(u) wraps to MinInt64 and so does its
		// negation, which is the value wanted.
		return -int64(u), nil
	}
	return int64(u), nil
}

// property is one key=value of a properties file, unescaped and trimmed.
type property struct {
	key, value string
	line       int // 1-based line where the logical line starts
}

type propertiesError struct {
	line int
	msg  string
}

func (e *propertiesError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

var utf8BOM = []byte{0xef, 0xbb, 0xbf}

// parseProperties splits data into properties as java.util.Properties.load
// does (its LineReader and load0), then trims keys and values as
// QuorumPeerConfig does (String.trim: every char <= ' ').
//
// Natural lines end at \n, \r or \r\n. Blank lines and lines whose first
// non-blank char is '#' or '!' are skipped; blanks are ' ', '\t' and '\f'.
// An odd number of backslashes at the end of a line joins the next line,
// without its leading blanks. The key ends at the first unescaped '=', ':'
// or blank; blanks and at most one '=' or ':' separate it from the value.
// Escapes \t \n \r \f \uXXXX are decoded, any other \c is c.
//
// NB: Java reads the bytes as ISO-8859-1; Paddock reads them as UTF-8 and
// skips a UTF-8 byte order mark, so non-ASCII paths mean what they say.
func parseProperties(data []byte) ([]property, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	var (
		props     []property
		buf       []byte
		lineNo    = 1
		startLine = 1
		skipWS    = true  // skipping leading blanks
		appended  = false // at the start of a continuation line
		newLine   = true  // at the first non-blank char of a natural line
		comment   = false
		backslash = false // buf ends in an odd number of backslashes
	)
	emit := func() error {
		k, v := splitKeyValue(buf)
		key, err := unescapeProperty(k)
		if err != nil {
			return &propertiesError{startLine, fmt.Sprintf("key %q: %v", k, err)}
		}
		value, err := unescapeProperty(v)
		if err != nil {
			return &propertiesError{startLine, fmt.Sprintf("%s: %v", javaTrim(key), err)}
		}
		props = append(props, property{key: javaTrim(key), value: javaTrim(value), line: startLine})
		return nil
	}
	for i := 0; i < len(data); i++ {
		c := data[i]
		eol := c == '\n' || c == '\r'
		cur := lineNo
		if eol {
			if c == '\r' && i+1 < len(data) && data[i+1] == '\n' {
				i++
			}
			lineNo++
		}
		if skipWS {
			if c == ' ' || c == '\t' || c == '\f' || (eol && !appended) {
				continue
			}
			skipWS, appended = false, false
		}
		if newLine {
			newLine = false
			startLine = cur
			comment = c == '#' || c == '!'
		}
		if comment {
			if eol {
				comment, newLine, skipWS = false, true, true
			}
			continue
		}
		if !eol {
			buf = append(buf, c)
			backslash = c == '\\' && !backslash
			continue
		}
		switch {
		case len(buf) == 0:
			newLine, skipWS = true, true
		case backslash:
			buf = buf[:len(buf)-1]
			skipWS, appended, backslash = true, true, false
		default:
			if err := emit(); err != nil {
				return nil, err
			}
			buf, newLine, skipWS = buf[:0], true, true
		}
	}
	if !comment && len(buf) > 0 {
		if backslash {
			buf = buf[:len(buf)-1]
		}
		if err := emit(); err != nil {
			return nil, err
		}
	}
	return props, nil
}

// splitKeyValue splits a logical line as Properties.load0 does.
func splitKeyValue(line []byte) (key, value []byte) {
	keyLen, valueStart := 0, len(line)
	hasSep, backslash := false, false
	for ; keyLen < len(line); keyLen++ {
		c := line[keyLen]
		if !backslash && (c == '=' || c == ':') {
			valueStart, hasSep = keyLen+1, true
			break
		}
		if !backslash && (c == ' ' || c == '\t' || c == '\f') {
			valueStart = keyLen + 1
			break
		}
		backslash = c == '\\' && !backslash
	}
	for ; valueStart < len(line); valueStart++ {
		c := line[valueStart]
		if c == ' ' || c == '\t' || c == '\f' {
			continue
		}
		if !hasSep && (c == '=' || c == ':') {
			hasSep = true
			continue
		}
		break
	}
	return line[:keyLen], line[valueStart:]
}

// unescapeProperty decodes escapes as Properties.loadConvert does. \uXXXX
// escapes are UTF-16 code units: a surrogate pair becomes one rune, a lone
// surrogate U+FFFD.
func unescapeProperty(s []byte) (string, error) {
	if bytes.IndexByte(s, '\\') < 0 {
		return string(s), nil
	}
	out := make([]byte, 0, len(s))
	high := rune(-1) // pending high surrogate
	flush := func() {
		if high >= 0 {
			out = utf8.AppendRune(out, utf8.RuneError)
			high = -1
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		i++
		if c != '\\' || i == len(s) {
			flush()
			out = append(out, c)
			continue
		}
		c = s[i]
		i++
		if c != 'u' {
			flush()
			switch c {
			case 't':
				c = '\t'
			case 'r':
				c = '\r'
			case 'n':
				c = '\n'
			case 'f':
				c = '\f'
			}
			out = append(out, c)
			continue
		}
		if i+4 > len(s) {
			return "", errors.New(`malformed \uxxxx encoding`)
		}
		n, err := strconv.ParseUint(string(s[i:i+4]), 16, 16)
		if err != nil {
			return "", errors.New(`malformed \uxxxx encoding`)
		}
		i += 4
		r := rune(n)
		switch {
		case r >= 0xd800 && r < 0xdc00:
			flush()
			high = r
		case r >= 0xdc00 && r < 0xe000 && high >= 0:
			out = utf8.AppendRune(out, utf16.DecodeRune(high, r))
			high = -1
		default:
			flush()
			out = utf8.AppendRune(out, r)
		}
	}
	flush()
	return string(out), nil
}

// javaTrim is String.trim: it strips every char <= ' ' from both ends.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}

// PrometheusEnabled reports whether the server serves Prometheus metrics:
// metricsProvider.className names ZooKeeper's Prometheus provider, or
// metrics.enabled=true.
func (c *Config) PrometheusEnabled() bool {
	return c.MetricsEnabled || c.MetricsProviderClassName == MetricsProviderPrometheus
}
