package server

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
)

// rewrite regenerates testdata/*.golden. NB: it is the server package's
// only -rewrite flag; other golden tests here should share it.
var rewrite = flag.Bool("rewrite", false, "regenerate testdata/*.golden (properties.golden with java)")

// baseCfg is the least a zoo.cfg needs.
const baseCfg = "dataDir=/var/lib/paddock\nclientPort=2181\n"

func parseString(t *testing.T, text string) (Config, []string, error) {
	t.Helper()
	return ParseConfig(strings.NewReader(text))
}

func mustParse(t *testing.T, text string) (Config, []string) {
	t.Helper()
	cfg, warnings, err := parseString(t, text)
	if err != nil {
		t.Fatalf("ParseConfig(%q): %v", text, err)
	}
	return cfg, warnings
}

func TestConfigDefaults(t *testing.T) {
	d := DefaultConfig()
	if err := d.Validate(); err != nil {
		t.Fatalf("DefaultConfig().Validate(): %v", err)
	}
	want := map[string]any{
		"TickTime":                      3 * time.Second,
		"DataDir":                       "./paddock-data",
		"DataLogDir":                    "./paddock-data",
		"ClientPort":                    2181,
		"ClientPortAddress":             "127.0.0.1",
		"SecureClientPort":              -1,
		"ClientPortListenBacklog":       -1,
		"MaxClientCnxns":                60,
		"MaxCnxns":                      0,
		"MinSessionTimeout":             6 * time.Second,
		"MaxSessionTimeout":             60 * time.Second,
		"GlobalOutstandingLimit":        1000,
		"SnapCount":                     100000,
		"SnapSizeLimit":                 int64(4 << 30),
		"TxnLogSizeLimit":               int64(0),
		"PreAllocSize":                  int64(64 << 20),
		"ForceSync":                     true,
		"FsyncWarningThreshold":         time.Second,
		"SnapRetainCount":               3,
		"PurgeInterval":                 time.Hour,
		"SyncEnabled":                   true,
		"ElectionAlg":                   3,
		"LeaderServes":                  true,
		"StandaloneEnabled":             true,
		"ReconfigEnabled":               false,
		"FourLetterWords":               []string{"srvr"},
		"JuteMaxBuffer":                 0xfffff,
		"ContainerCheckInterval":        time.Minute,
		"ContainerMaxPerMinute":         10000,
		"ContainerMaxNeverUsedInterval": time.Duration(0),
		"AdminEnableServer":             true,
		"AdminServerAddress":            "127.0.0.1",
		"AdminServerPort":               8080,
		"AdminIdleTimeout":              30 * time.Second,
		"AdminCommandURL":               "/commands",
		"MetricsProviderClassName":      MetricsProviderDefault,
		"MetricsHTTPHost":               "0.0.0.0",
		"MetricsHTTPPort":               7000,
		"MetricsExportJvmInfo":          true,
	}
	v := reflect.ValueOf(d)
	for name, w := range want {
		if got := v.FieldByName(name).Interface(); !reflect.DeepEqual(got, w) {
			t.Errorf("DefaultConfig().%s = %#v, want %#v", name, got, w)
		}
	}

	// A file with only the required keys gets the same defaults, except
	// the ones DefaultConfig sets for running without a file.
	f, warnings := mustParse(t, "dataDir=./paddock-data\nclientPort=2181\n")
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	if f.ClientPortAddress != "" {
		t.Errorf("ClientPortAddress from a file = %q, want \"\" (all interfaces)", f.ClientPortAddress)
	}
	f.ClientPortAddress = d.ClientPortAddress
	if !reflect.DeepEqual(f.Raw, map[string]string{"dataDir": "./paddock-data", "clientPort": "2181"}) {
		t.Errorf("Raw = %v", f.Raw)
	}
	f.Raw = d.Raw
	if f.Text != "dataDir=./paddock-data\nclientPort=2181\n" {
		t.Errorf("Text = %q, want the file", f.Text)
	}
	f.Text = d.Text
	if !reflect.DeepEqual(f, d) {
		t.Errorf("parsed minimal file differs from DefaultConfig:\n%s\nvs\n%s", dumpConfig(f), dumpConfig(d))
	}
}

// TestConfigKeys parses each key's good values.
func TestConfigKeys(t *testing.T) {
	type field = func(c *Config) any
	tests := []struct {
		cfg   string
		field field
		want  any
	}{
		{"tickTime=100", func(c *Config) any { return c.TickTime }, 100 * time.Millisecond},
		{"tickTime=100", func(c *Config) any { return c.MinSessionTimeout }, 200 * time.Millisecond},
		{"tickTime=100", func(c *Config) any { return c.MaxSessionTimeout }, 2 * time.Second},
		{"dataDir=/srv/zk", func(c *Config) any { return c.DataDir }, "/srv/zk"},
		{"dataDir=/srv/zk", func(c *Config) any { return c.DataLogDir }, "/srv/zk"},
		{"dataLogDir=/log/zk", func(c *Config) any { return c.DataLogDir }, "/log/zk"},
		{"dataDir=./rel", func(c *Config) any { return c.DataDir }, "./rel"},
		{"clientPort=0", func(c *Config) any { return c.ClientPort }, 0},
		{"clientPort=+2182", func(c *Config) any { return c.ClientPort }, 2182},
		{"clientPortAddress=::1", func(c *Config) any { return c.ClientPortAddress }, "::1"},
		{"secureClientPort=2281", func(c *Config) any { return c.SecureClientPort }, 2281},
		{"secureClientPort=2281\nsecureClientPortAddress=10.0.0.1", func(c *Config) any { return c.SecureClientPortAddress }, "10.0.0.1"},
		{"clientPortListenBacklog=128", func(c *Config) any { return c.ClientPortListenBacklog }, 128},
		{"maxClientCnxns=0", func(c *Config) any { return c.MaxClientCnxns }, 0},
		{"maxClientCnxns=500", func(c *Config) any { return c.MaxClientCnxns }, 500},
		{"maxClientCnxns=-5", func(c *Config) any { return c.MaxClientCnxns }, 0},
		{"maxCnxns=0x10", func(c *Config) any { return c.MaxCnxns }, 16},
		{"maxCnxns=-1", func(c *Config) any { return c.MaxCnxns }, 0},
		{"minSessionTimeout=1000", func(c *Config) any { return c.MinSessionTimeout }, time.Second},
		{"minSessionTimeout=-1", func(c *Config) any { return c.MinSessionTimeout }, 6 * time.Second},
		{"maxSessionTimeout=90000", func(c *Config) any { return c.MaxSessionTimeout }, 90 * time.Second},
		{"tickTime=2000\nmaxSessionTimeout=-1", func(c *Config) any { return c.MaxSessionTimeout }, 40 * time.Second},
		{"globalOutstandingLimit=#64", func(c *Config) any { return c.GlobalOutstandingLimit }, 100},
		{"globalOutstandingLimit=010", func(c *Config) any { return c.GlobalOutstandingLimit }, 8},
		{"localSessionsEnabled=TRUE", func(c *Config) any { return c.LocalSessionsEnabled }, true},
		{"localSessionsUpgradingEnabled=true", func(c *Config) any { return c.LocalSessionsUpgradingEnabled }, true},
		{"snapCount=1000", func(c *Config) any { return c.SnapCount }, 1000},
		{"commitLogCount=500", func(c *Config) any { return c.CommitLogCount }, 500},
		{"snapCount=1", func(c *Config) any { return c.SnapCount }, 2},
		{"snapSizeLimitInKb=1024", func(c *Config) any { return c.SnapSizeLimit }, int64(1 << 20)},
		{"snapSizeLimitInKb=-1", func(c *Config) any { return c.SnapSizeLimit }, int64(0)},
		{"txnLogSizeLimitInKb=0x400", func(c *Config) any { return c.TxnLogSizeLimit }, int64(1 << 20)},
		{"preAllocSize=1024", func(c *Config) any { return c.PreAllocSize }, int64(1 << 20)},
		{"preAllocSize=0", func(c *Config) any { return c.PreAllocSize }, int64(0)},
		{"forceSync=no", func(c *Config) any { return c.ForceSync }, false},
		{"forceSync=yes", func(c *Config) any { return c.ForceSync }, true},
		{"forceSync=false", func(c *Config) any { return c.ForceSync }, true}, // only "no" disables
		{"fsync.warningthresholdms=50", func(c *Config) any { return c.FsyncWarningThreshold }, 50 * time.Millisecond},
		{"autopurge.snapRetainCount=5", func(c *Config) any { return c.SnapRetainCount }, 5},
		{"autopurge.snapRetainCount=1", func(c *Config) any { return c.SnapRetainCount }, 3},
		{"autopurge.purgeInterval=0", func(c *Config) any { return c.PurgeInterval }, time.Duration(0)},
		{"autopurge.purgeInterval=-3", func(c *Config) any { return c.PurgeInterval }, time.Duration(0)},
		{"autopurge.purgeInterval=24", func(c *Config) any { return c.PurgeInterval }, 24 * time.Hour},
		{"autopurge.purgeInterval=10m", func(c *Config) any { return c.PurgeInterval }, 10 * time.Minute},
		{"autopurge.purgeInterval=30s", func(c *Config) any { return c.PurgeInterval }, 30 * time.Second},
		{"autopurge.purgeInterval=500ms", func(c *Config) any { return c.PurgeInterval }, 500 * time.Millisecond},
		{"autopurge.purgeInterval=2D", func(c *Config) any { return c.PurgeInterval }, 48 * time.Hour},
		{"autopurge.purgeInterval=1H", func(c *Config) any { return c.PurgeInterval }, time.Hour},
		{"syncEnabled=false", func(c *Config) any { return c.SyncEnabled }, false},
		{"syncEnabled=true\nobserver.syncEnabled=false", func(c *Config) any { return c.SyncEnabled }, false},
		{"observer.syncEnabled=false\nsyncEnabled=true", func(c *Config) any { return c.SyncEnabled }, false},
		{"initLimit=10", func(c *Config) any { return c.InitLimit }, 10},
		{"syncLimit=5", func(c *Config) any { return c.SyncLimit }, 5},
		{"connectToLearnerMasterLimit=20", func(c *Config) any { return c.ConnectToLearnerMasterLimit }, 20},
		{"electionAlg=3", func(c *Config) any { return c.ElectionAlg }, 3},
		{"quorumListenOnAllIPs=true", func(c *Config) any { return c.QuorumListenOnAllIPs }, true},
		{"leaderServes=no", func(c *Config) any { return c.LeaderServes }, false},
		{"leaderServes=yes", func(c *Config) any { return c.LeaderServes }, true},
		{"standaloneEnabled=false\nserver.1=zoo1:2888:3888\ninitLimit=5\nsyncLimit=2", func(c *Config) any { return c.StandaloneEnabled }, false},
		{"reconfigEnabled=true", func(c *Config) any { return c.ReconfigEnabled }, true},
		{"dynamicConfigFile=/etc/zk/zoo.cfg.dynamic.100000000", func(c *Config) any { return c.DynamicConfigFile }, "/etc/zk/zoo.cfg.dynamic.100000000"},
		{"peerType=observer", func(c *Config) any { return c.PeerType }, RoleObserver},
		{"peerType=Participant", func(c *Config) any { return c.PeerType }, RoleParticipant},
		{"observerMasterPort=2191", func(c *Config) any { return c.ObserverMasterPort }, 2191},
		{"multiAddress.enabled=true", func(c *Config) any { return c.MultiAddressEnabled }, true},
		{"skipACL=yes", func(c *Config) any { return c.SkipACL }, true},
		{"skipACL=true", func(c *Config) any { return c.SkipACL }, false}, // only "yes" enables
		{"DigestAuthenticationProvider.superDigest=super:D/InIHSb7yEEbrWz8b9l71RjZJU=", func(c *Config) any { return c.SuperDigest }, "super:D/InIHSb7yEEbrWz8b9l71RjZJU="},
		{"zookeeper.DigestAuthenticationProvider.superDigest=super:x", func(c *Config) any { return c.SuperDigest }, "super:x"},
		{"4lw.commands.whitelist=stat, ruok , conf", func(c *Config) any { return c.FourLetterWords }, []string{"stat", "ruok", "conf", "srvr"}},
		{"4lw.commands.whitelist=srvr,mntr,,", func(c *Config) any { return c.FourLetterWords }, []string{"srvr", "mntr"}},
		{"4lw.commands.whitelist=*", func(c *Config) any { return c.FourLetterWords }, []string{"*"}},
		{"4lw.commands.whitelist=stat, *", func(c *Config) any { return c.FourLetterWords }, []string{"*"}},
		{"4lw.commands.whitelist=", func(c *Config) any { return c.FourLetterWords }, []string{"srvr"}},
		{"extendedTypesEnabled=true", func(c *Config) any { return c.ExtendedTypesEnabled }, true},
		{"extendedTypesEnabled=yes", func(c *Config) any { return c.ExtendedTypesEnabled }, false},
		{"emulate353TTLNodes=True", func(c *Config) any { return c.Emulate353TTLNodes }, true},
		{"jute.maxbuffer=0x400000", func(c *Config) any { return c.JuteMaxBuffer }, 0x400000},
		{"jute.maxbuffer=4194304", func(c *Config) any { return c.JuteMaxBuffer }, 0x400000},
		{"znode.container.checkIntervalMs=1000", func(c *Config) any { return c.ContainerCheckInterval }, time.Second},
		{"znode.container.maxPerMinute=100", func(c *Config) any { return c.ContainerMaxPerMinute }, 100},
		{"znode.container.maxNeverUsedIntervalMs=300000", func(c *Config) any { return c.ContainerMaxNeverUsedInterval }, 5 * time.Minute},
		{"admin.enableServer=false", func(c *Config) any { return c.AdminEnableServer }, false},
		{"admin.enableServer=FALSE", func(c *Config) any { return c.AdminEnableServer }, true}, // only "false" disables
		{"admin.serverAddress=0.0.0.0", func(c *Config) any { return c.AdminServerAddress }, "0.0.0.0"},
		{"admin.serverPort=9090", func(c *Config) any { return c.AdminServerPort }, 9090},
		{"admin.idleTimeout=5000", func(c *Config) any { return c.AdminIdleTimeout }, 5 * time.Second},
		{"admin.commandURL=/cmds", func(c *Config) any { return c.AdminCommandURL }, "/cmds"},
		{"metricsProvider.className=" + MetricsProviderPrometheus, func(c *Config) any { return c.MetricsProviderClassName }, MetricsProviderPrometheus},
		{"metricsProvider.className=com.example.Metrics", func(c *Config) any { return c.MetricsProviderClassName }, MetricsProviderDefault},
		{"metrics.enabled=true", func(c *Config) any { return c.MetricsEnabled && c.PrometheusEnabled() }, true},
		{"metricsProvider.className=" + MetricsProviderPrometheus, func(c *Config) any { return c.PrometheusEnabled() }, true},
		{"metricsProvider.httpHost=127.0.0.1", func(c *Config) any { return c.MetricsHTTPHost }, "127.0.0.1"},
		{"metricsProvider.httpPort=7001", func(c *Config) any { return c.MetricsHTTPPort }, 7001},
		{"metricsProvider.exportJvmInfo=false", func(c *Config) any { return c.MetricsExportJvmInfo }, false},
		{"metricsProvider.numWorkerThreads=4", func(c *Config) any { return c.MetricsProviderConfig }, map[string]string{"numWorkerThreads": "4"}},
		{"weird.key = some value", func(c *Config) any { return c.Raw["weird.key"] }, "some value"},
	}
	for _, tt := range tests {
		t.Run(tt.cfg, func(t *testing.T) {
			cfg, _ := mustParse(t, baseCfg+tt.cfg+"\n")
			if got := tt.field(&cfg); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

// TestConfigBadValues checks that a bad value is an error whose one line
// names the key and the value.
func TestConfigBadValues(t *testing.T) {
	tests := []struct {
		cfg  string
		want string // in the message, after "zoo.cfg:<line>: "
	}{
		{"tickTime=abc", `tickTime: "abc" is not a number`},
		{"tickTime=2.5", `tickTime: "2.5" is not a number`},
		{"tickTime=3000000000", `tickTime: "3000000000" is out of range for a 32-bit number`},
		{"tickTime=0", `tickTime is not set`},
		{"tickTime=-1", `tickTime must be positive`},
		{"tickTime=", `tickTime: "" is not a number`},
		{"clientPort=x", `clientPort: "x" is not a number`},
		{"clientPort=70000", `clientPort 70000 is out of range 0-65535`},
		{"clientPort=-2", `clientPort -2 is out of range 0-65535`},
		{"clientPort=0x10", `clientPort: "0x10" is not a number`}, // Integer.parseInt
		{"secureClientPort=x", `secureClientPort: "x" is not a number`},
		{"secureClientPort=65536", `secureClientPort 65536 is out of range`},
		{"clientPortListenBacklog=x", `clientPortListenBacklog: "x" is not a number`},
		{"maxClientCnxns=lots", `maxClientCnxns: "lots" is not a number`},
		{"minSessionTimeout=x", `minSessionTimeout: "x" is not a number`},
		{"maxSessionTimeout=1s", `maxSessionTimeout: "1s" is not a number`},
		{"tickTime=2000\nminSessionTimeout=50000", `minSessionTimeout (50000 ms) must not be larger than maxSessionTimeout (40000 ms)`},
		{"localSessionsEnabled=yes", `localSessionsEnabled: "yes" is not true or false`},
		{"localSessionsUpgradingEnabled=1", `localSessionsUpgradingEnabled: "1" is not true or false`},
		{"initLimit=ten", `initLimit: "ten" is not a number`},
		{"syncLimit=x", `syncLimit: "x" is not a number`},
		{"syncLimit=-1", `syncLimit must not be negative`},
		{"connectToLearnerMasterLimit=x", `connectToLearnerMasterLimit: "x" is not a number`},
		{"electionAlg=1", `electionAlg: "1" is not supported; only 3 is`},
		{"electionAlg=x", `electionAlg: "x" is not a number`},
		{"quorumListenOnAllIPs=on", `quorumListenOnAllIPs: "on" is not true or false`},
		{"peerType=leader", `peerType: "leader" is not participant or observer`},
		{"syncEnabled=nope", `syncEnabled: "nope" is not true or false`},
		{"autopurge.snapRetainCount=x", `autopurge.snapRetainCount: "x" is not a number`},
		{"autopurge.purgeInterval=1w", `autopurge.purgeInterval: "1w" is not a number of hours`},
		{"autopurge.purgeInterval=h", `autopurge.purgeInterval: "h" is not a number of hours`},
		{"autopurge.purgeInterval=", `autopurge.purgeInterval: "" is not a number of hours`},
		{"autopurge.purgeInterval=1000000h", `autopurge.purgeInterval: "1000000h"`},
		{"standaloneEnabled=maybe", `standaloneEnabled: "maybe" is not true or false`},
		{"reconfigEnabled=x", `reconfigEnabled: "x" is not true or false`},
		{"observerMasterPort=x", `observerMasterPort: "x" is not a number`},
		{"multiAddress.enabled=x", `multiAddress.enabled: "x" is not true or false`},
		{"snapCount=x", `snapCount: "x" is not a number`},
		{"snapSizeLimitInKb=x", `snapSizeLimitInKb: "x" is not a number`},
		{"snapSizeLimitInKb=99999999999999999", `snapSizeLimitInKb: "99999999999999999" KiB is out of range`},
		{"txnLogSizeLimitInKb=x", `txnLogSizeLimitInKb: "x" is not a number`},
		{"preAllocSize=x", `preAllocSize: "x" is not a number`},
		{"preAllocSize=0x10", `preAllocSize: "0x10" is not a number`}, // Long.parseLong
		{"fsync.warningthresholdms=1s", `fsync.warningthresholdms: "1s" is not a number`},
		{"globalOutstandingLimit=x", `globalOutstandingLimit: "x" is not a number`},
		{"globalOutstandingLimit=09", `globalOutstandingLimit: "09" is not a number`}, // octal
		{"maxCnxns=x", `maxCnxns: "x" is not a number`},
		{"admin.serverPort=x", `admin.serverPort: "x" is not a number`},
		{"admin.serverPort=70000", `admin.serverPort 70000 is out of range`},
		{"admin.idleTimeout=x", `admin.idleTimeout: "x" is not a number`},
		{"metricsProvider.httpPort=x", `metricsProvider.httpPort: "x" is not a number`},
		{"jute.maxbuffer=1M", `jute.maxbuffer: "1M" is not a number`},
		{"jute.maxbuffer=0", `jute.maxbuffer must be positive`},
		{"znode.container.checkIntervalMs=x", `znode.container.checkIntervalMs: "x" is not a number`},
		{"znode.container.checkIntervalMs=0", `znode.container.checkIntervalMs must be positive`},
		{"znode.container.maxPerMinute=x", `znode.container.maxPerMinute: "x" is not a number`},
		{"znode.container.maxNeverUsedIntervalMs=x", `znode.container.maxNeverUsedIntervalMs: "x" is not a number`},
		{"zookeeper.snapCount=x", `snapCount: "x" is not a number`},
		{"bad\\u00zz=1", `malformed \uxxxx encoding`},
		{"key=bad\\u12", `key: malformed \uxxxx encoding`},
	}
	for _, tt := range tests {
		t.Run(tt.cfg, func(t *testing.T) {
			_, _, err := parseString(t, baseCfg+tt.cfg+"\n")
			checkConfigError(t, err, tt.want)
		})
	}
}

func checkConfigError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %q", want)
	}
	msg := err.Error()
	if !strings.Contains(msg, want) {
		t.Errorf("error %q does not contain %q", msg, want)
	}
	if !strings.HasPrefix(msg, "zoo.cfg") {
		t.Errorf("error %q does not name the file", msg)
	}
	if strings.ContainsAny(msg, "\r\n") {
		t.Errorf("error %q is not one line", msg)
	}
	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("error %q does not wrap ErrInvalidConfig", msg)
	}
}

func TestConfigErrorLocation(t *testing.T) {
	_, _, err := parseString(t, "# comment\ndataDir=/d\n\nclientPort=2181\ntickTime = abc\n")
	if got, want := fmt.Sprint(err), `zoo.cfg:5: tickTime: "abc" is not a number`; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Key != "tickTime" || ce.Value != "abc" || ce.Line != 5 {
		t.Errorf("ConfigError = %+v", ce)
	}
	// Errors found by the cross-key checks point at the key too.
	_, _, err = parseString(t, "dataDir=/d\nclientPort=2181\ntickTime=1000\nminSessionTimeout=90000\n")
	if got, want := fmt.Sprint(err), "zoo.cfg:4: minSessionTimeout (90000 ms) must not be larger than maxSessionTimeout (20000 ms)"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
	_, _, err = parseString(t, "clientPort=2181\n")
	if got, want := fmt.Sprint(err), "zoo.cfg: dataDir is not set"; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestConfigRequired(t *testing.T) {
	tests := []struct {
		cfg, want string
	}{
		{"clientPort=2181", "dataDir is not set"},
		{"dataDir=", "dataDir is not set"},
		{"dataDir=/d", "clientPort is not set"},
		{"dataDir=/d\nclientPortAddress=127.0.0.1", "clientPortAddress is set but clientPort is not set"},
		{"dataDir=/d\nclientPort=1\nsecureClientPortAddress=127.0.0.1", "secureClientPortAddress is set but secureClientPort is not set"},
	}
	for _, tt := range tests {
		t.Run(tt.cfg, func(t *testing.T) {
			_, _, err := parseString(t, tt.cfg)
			checkConfigError(t, err, tt.want)
		})
	}
	// A client port in the server.N lines will do (ZooKeeper takes this
	// server's from its line).
	mustParse(t, "dataDir=/d\nserver.1=zoo1:2888:3888;2181\n")
}

func TestConfigWarnings(t *testing.T) {
	tests := []struct {
		cfg  string
		want string // the one warning, after "zoo.cfg:3: "
	}{
		{"fooBar=1", `unknown key "fooBar"; ignored`},
		{"weird\\nkey=1", `unknown key "weird\nkey"; ignored`},
		{"sslQuorum=true", `sslQuorum: ZooKeeper option not supported by Paddock; ignored`},
		{"ssl.keyStore.location=/k", `ssl.keyStore.location: ZooKeeper option not supported by Paddock; ignored`},
		{"zookeeper.snapshot.trust.empty=true", `zookeeper.snapshot.trust.empty: ZooKeeper option not supported by Paddock; ignored`},
		{"admin.portUnification=true", `admin.portUnification: ZooKeeper option not supported by Paddock; ignored`},
		{"group.1=1:2:3", `group.1: hierarchical quorums are not supported yet; ignored`},
		{"zookeeper.snapCount=10", `zookeeper.snapCount: read as snapCount (ZooKeeper reads only snapCount in zoo.cfg and would ignore this spelling)`},
		{"secureClientPort=2281", `secureClientPort: TLS is not supported yet; port 2281 will not be opened`},
		{"dataLogDir=log", `dataLogDir: "log" is relative to the current directory; prepend ./ to show that is intended`},
		{"autopurge.snapRetainCount=2", `autopurge.snapRetainCount: 2 is below the minimum; using 3, as ZooKeeper does`},
		{"snapCount=0", `snapCount: 0 is below the minimum; using 2, as ZooKeeper does`},
		{"maxCnxns=-1", `maxCnxns: -1 is negative; using 0 (no limit), as ZooKeeper does`},
		{"maxClientCnxns=-1", `maxClientCnxns: -1 is negative; using 0 (no limit), as ZooKeeper does`},
		{"forceSync=false", `forceSync: "false" is not yes or no; read as yes, as ZooKeeper does`},
		{"leaderServes=No", `leaderServes: "No" is not yes or no; read as yes, as ZooKeeper does`},
		{"skipACL=true", `skipACL: "true" is not yes or no; read as no, as ZooKeeper does`},
		{"extendedTypesEnabled=yes", `extendedTypesEnabled: "yes" is not true or false; read as false, as ZooKeeper does`},
		{"metricsProvider.exportJvmInfo=1", `metricsProvider.exportJvmInfo: "1" is not true or false; read as false, as ZooKeeper does`},
		{"admin.enableServer=off", `admin.enableServer: "off" is not "true" or "false"; read as true, as ZooKeeper 3.9 does`},
		{"metricsProvider.className=com.example.M", `metricsProvider.className: "com.example.M" is not supported; using ` + MetricsProviderDefault},
		{"4lw.commands.whitelist=stat,rouk", `4lw.commands.whitelist: "rouk" is not a four-letter word command; ignored`},
		{"DigestAuthenticationProvider.superDigest=nocolon", `DigestAuthenticationProvider.superDigest: "nocolon" is not of the form user:digest; no client can match it`},
		{"server.1=zoo1:2888:3888", ""},
	}
	for _, tt := range tests {
		t.Run(tt.cfg, func(t *testing.T) {
			_, warnings := mustParse(t, baseCfg+tt.cfg+"\n")
			var want []string
			if tt.want != "" {
				want = []string{"zoo.cfg:3: " + tt.want}
			}
			if !slices.Equal(warnings, want) {
				t.Errorf("warnings = %q, want %q", warnings, want)
			}
		})
	}
}

func TestConfigServers(t *testing.T) {
	tests := []struct {
		cfg  string
		want ServerSpec
		str  string
	}{
		{"server.1=zoo1:2888:3888",
			ServerSpec{ID: 1, Addrs: []PeerAddr{{"zoo1", 2888, 3888}}, ClientPort: -1, SecureClientPort: -1},
			"zoo1:2888:3888:participant"},
		{"server.2 = zoo2:2888:3888:observer",
			ServerSpec{ID: 2, Addrs: []PeerAddr{{"zoo2", 2888, 3888}}, Role: RoleObserver, ClientPort: -1, SecureClientPort: -1},
			"zoo2:2888:3888:observer"},
		{"server.3=zoo3:2888:3888:Participant;2181",
			ServerSpec{ID: 3, Addrs: []PeerAddr{{"zoo3", 2888, 3888}}, ClientAddr: "0.0.0.0", ClientPort: 2181, SecureClientPort: -1},
			"zoo3:2888:3888:participant;0.0.0.0:2181"},
		{"server.4=10.0.0.4:2888:3888;10.0.0.4:2181",
			ServerSpec{ID: 4, Addrs: []PeerAddr{{"10.0.0.4", 2888, 3888}}, ClientAddr: "10.0.0.4", ClientPort: 2181, SecureClientPort: -1},
			"10.0.0.4:2888:3888:participant;10.0.0.4:2181"},
		{"server.5=[2001:db8::5]:2888:3888:observer;[::1]:2181",
			ServerSpec{ID: 5, Addrs: []PeerAddr{{"2001:db8::5", 2888, 3888}}, Role: RoleObserver, ClientAddr: "::1", ClientPort: 2181, SecureClientPort: -1},
			"[2001:db8::5]:2888:3888:observer;[::1]:2181"},
		{"server.6=zoo6:2888:3888;;2281",
			ServerSpec{ID: 6, Addrs: []PeerAddr{{"zoo6", 2888, 3888}}, ClientPort: -1, SecureClientAddr: "0.0.0.0", SecureClientPort: 2281},
			"zoo6:2888:3888:participant;;0.0.0.0:2281"},
		{"server.7=zoo7:2888:3888;2181;10.0.0.7:2281",
			ServerSpec{ID: 7, Addrs: []PeerAddr{{"zoo7", 2888, 3888}}, ClientAddr: "0.0.0.0", ClientPort: 2181, SecureClientAddr: "10.0.0.7", SecureClientPort: 2281},
			"zoo7:2888:3888:participant;0.0.0.0:2181;10.0.0.7:2281"},
		{"server.8=zoo8:2888:3888:",
			ServerSpec{ID: 8, Addrs: []PeerAddr{{"zoo8", 2888, 3888}}, ClientPort: -1, SecureClientPort: -1},
			"zoo8:2888:3888:participant"},
		{"multiAddress.enabled=true\nserver.9=a:1:2|b:3:4:observer",
			ServerSpec{ID: 9, Addrs: []PeerAddr{{"a", 1, 2}, {"b", 3, 4}}, Role: RoleObserver, ClientPort: -1, SecureClientPort: -1},
			"a:1:2|b:3:4:observer"},
		{"server.9=a:1:2|b:3:4:observer\nmultiAddress.enabled=true", // order does not matter
			ServerSpec{ID: 9, Addrs: []PeerAddr{{"a", 1, 2}, {"b", 3, 4}}, Role: RoleObserver, ClientPort: -1, SecureClientPort: -1},
			"a:1:2|b:3:4:observer"},
	}
	for _, tt := range tests {
		t.Run(tt.cfg, func(t *testing.T) {
			// A lone observer is invalid: add two participants.
			cfg, _ := mustParse(t, baseCfg+"initLimit=1\nsyncLimit=1\nserver.100=p:1:2\nserver.101=q:1:2\n"+tt.cfg+"\n")
			if len(cfg.Servers) != 3 || !reflect.DeepEqual(cfg.Servers[0], tt.want) {
				t.Fatalf("Servers = %+v, want [%+v ...]", cfg.Servers, tt.want)
			}
			if got := cfg.Servers[0].String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			// The canonical form reads back the same.
			again, msg := parseServerSpec(tt.str, true)
			again.ID = tt.want.ID
			if msg != "" || !reflect.DeepEqual(again, tt.want) {
				t.Errorf("String() reads back as %+v %q", again, msg)
			}
		})
	}

	cfg, _ := mustParse(t, baseCfg+"initLimit=5\nsyncLimit=2\nserver.3=c:1:2\nserver.1=a:1:2\nserver.2=b:1:2\n")
	var ids []int64
	for _, s := range cfg.Servers {
		ids = append(ids, s.ID)
	}
	if !slices.Equal(ids, []int64{1, 2, 3}) {
		t.Errorf("server IDs = %v, want sorted [1 2 3]", ids)
	}
	if !cfg.Distributed() {
		t.Error("three participants: Distributed() = false")
	}
}

func TestConfigBadServers(t *testing.T) {
	tests := []struct {
		cfg, want string
	}{
		{"server.1=zoo1:2888", `server.1: "zoo1:2888" is not host:quorumPort:electionPort`},
		{"server.1=zoo1", `server.1: "zoo1" is not host:quorumPort:electionPort`},
		{"server.1=", `server.1: "" is not host:quorumPort:electionPort`},
		{"server.1=zoo1:2888:3888:participant:x", `server.1: "zoo1:2888:3888:participant:x" is not host:quorumPort:electionPort`},
		{"server.1=zoo1:2888:3888:leader", `server.1: "zoo1:2888:3888:leader" has unknown peer type "leader"`},
		{"server.1=zoo1:x:3888", `server.1: "zoo1:x:3888" has a port that is not a number in 0-65535`},
		{"server.1=zoo1:2888:99999", `server.1: "zoo1:2888:99999" has a port that is not a number in 0-65535`},
		{"server.1=zoo1:2888:2888", `server.1: "zoo1:2888:2888" has the same quorum and election port`},
		{"server.1=:2888:3888", `server.1: ":2888:3888" has no host`},
		{"server.1=zoo1:2888:3888;x", `server.1: "zoo1:2888:3888;x" has client port "x"`},
		{"server.1=zoo1:2888:3888;a:b:c", `server.1: "zoo1:2888:3888;a:b:c" is not host:quorumPort`},
		{"server.1=zoo1:2888:3888;:", `server.1: "zoo1:2888:3888;:" is not host:quorumPort`},
		{"server.1=zoo1:2888:3888;1;2;3", `server.1: "zoo1:2888:3888;1;2;3" is not host:quorumPort`},
		{"server.1=[::1:2888:3888", `server.1: "[::1:2888:3888" starts with '[' but has no matching ']'`},
		{"server.1=[::1]:", `server.1: "[::1]:" has no port after the colon`},
		{"server.1=a:1:2|b:3:4", `server.1: "a:1:2|b:3:4" has several addresses but multiAddress.enabled is false`},
		{"multiAddress.enabled=true\nserver.1=a:1:2:observer|b:3:4:participant", `gives its addresses different peer types`},
		{"server.x=zoo1:2888:3888", `server.x: "x" is not a server ID`},
		{"server.-1=zoo1:2888:3888", `server.-1: "-1" is not a server ID`},
		{"server.1=a:1:2\nserver.01=b:1:2", `server.01: server ID 1 is already given by server.1 on line 3`},
		{"dynamicConfigFile=/d/zoo.cfg.dynamic\nserver.1=a:1:2", `server.1 must be in the separate dynamic config file /d/zoo.cfg.dynamic`},
		{"dynamicConfigFile=/d/zoo.cfg.dynamic\ngroup.1=1:2", `group.1 must be in the separate dynamic config file`},
		// Ensemble rules.
		{"server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2", "initLimit is not set"},
		{"initLimit=5\nserver.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2", "syncLimit is not set"},
		{"standaloneEnabled=false", "standaloneEnabled is false, so at least one participant server.N is needed"},
		{"server.1=a:1:2:observer", "observers without participants is an invalid configuration"},
		{"server.1=a:1:2\nserver.2=b:1:2:observer", "observers without a quorum is an invalid configuration"},
		{"extendedTypesEnabled=true\nserver.255=a:1:2", "server.255: server IDs cannot be larger than 254 when extendedTypesEnabled is true"},
	}
	for _, tt := range tests {
		t.Run(tt.cfg, func(t *testing.T) {
			_, _, err := parseString(t, baseCfg+tt.cfg+"\n")
			checkConfigError(t, err, tt.want)
		})
	}
}

func TestConfigEnsembleModes(t *testing.T) {
	tests := []struct {
		cfg         string
		distributed bool
	}{
		{"", false},
		{"server.1=a:1:2", false}, // one participant runs standalone
		{"server.1=a:1:2\nstandaloneEnabled=false\ninitLimit=1\nsyncLimit=1", true},
		{"server.1=a:1:2\nserver.2=b:1:2\ninitLimit=1\nsyncLimit=1", true},
		{"server.1=a:1:2\nserver.2=b:1:2\nserver.3=c:1:2:observer\ninitLimit=1\nsyncLimit=1", true},
		{"server.1=a:1:2\nserver.2=b:1:2:observer\nstandaloneEnabled=false\ninitLimit=1\nsyncLimit=1", true},
	}
	for _, tt := range tests {
		t.Run(tt.cfg, func(t *testing.T) {
			cfg, _ := mustParse(t, baseCfg+tt.cfg+"\n")
			if got := cfg.Distributed(); got != tt.distributed {
				t.Errorf("Distributed() = %v, want %v", got, tt.distributed)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	// Changing TickTime by hand and zeroing the derived values rederives
	// them.
	c := DefaultConfig()
	c.TickTime = 100 * time.Millisecond
	c.MinSessionTimeout, c.MaxSessionTimeout = 0, 0
	c.DataLogDir = ""
	c.FourLetterWords = []string{"ruok"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.MinSessionTimeout != 200*time.Millisecond || c.MaxSessionTimeout != 2*time.Second {
		t.Errorf("session timeouts = %v, %v; want 200ms, 2s", c.MinSessionTimeout, c.MaxSessionTimeout)
	}
	if c.DataLogDir != c.DataDir {
		t.Errorf("DataLogDir = %q, want DataDir %q", c.DataLogDir, c.DataDir)
	}
	if !slices.Equal(c.FourLetterWords, []string{"ruok", "srvr"}) {
		t.Errorf("FourLetterWords = %q", c.FourLetterWords)
	}

	tests := []struct {
		name   string
		change func(c *Config)
		want   string
	}{
		{"no tickTime", func(c *Config) { c.TickTime = 0 }, "tickTime is not set"},
		{"negative tickTime", func(c *Config) { c.TickTime = -time.Second }, "tickTime must be positive, not -1000 ms"},
		{"no dataDir", func(c *Config) { c.DataDir = "" }, "dataDir is not set"},
		{"min > max", func(c *Config) { c.MinSessionTimeout = time.Hour }, "minSessionTimeout (3600000 ms) must not be larger than maxSessionTimeout (60000 ms)"},
		{"no clientPort", func(c *Config) { c.ClientPort = -1 }, "clientPortAddress is set but clientPort is not set"},
		{"big clientPort", func(c *Config) { c.ClientPort = 1 << 16 }, "clientPort 65536 is out of range 0-65535"},
		{"big adminPort", func(c *Config) { c.AdminServerPort = 1 << 16 }, "admin.serverPort 65536 is out of range 0-65535"},
		{"negative maxClientCnxns", func(c *Config) { c.MaxClientCnxns = -1 }, "maxClientCnxns must not be negative, not -1"},
		{"snapCount", func(c *Config) { c.SnapCount = 1 }, "snapCount must be at least 2, not 1"},
		{"snapRetainCount", func(c *Config) { c.SnapRetainCount = 2 }, "autopurge.snapRetainCount must be at least 3, not 2"},
		{"juteMaxBuffer", func(c *Config) { c.JuteMaxBuffer = -1 }, "jute.maxbuffer must be positive, not -1"},
		{"electionAlg", func(c *Config) { c.ElectionAlg = 2 }, "electionAlg 2 is not supported; only 3 is"},
		{"duplicate server", func(c *Config) {
			c.Servers = []ServerSpec{{ID: 1, Addrs: []PeerAddr{{"a", 1, 2}}}, {ID: 1, Addrs: []PeerAddr{{"b", 1, 2}}}}
		}, "server.1 is given twice"},
		{"server without address", func(c *Config) { c.Servers = []ServerSpec{{ID: 1}} }, "server.1 has no address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.change(&c)
			err := c.Validate()
			if err == nil || err.Error() != tt.want {
				t.Errorf("Validate() = %v, want %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("%v does not wrap ErrInvalidConfig", err)
			}
		})
	}
}

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	dyn := filepath.Join(dir, "zoo.cfg.dynamic.100000000")
	cfgPath := filepath.Join(dir, "zoo.cfg")
	writeFile(t, dyn, "server.1=zoo1:2888:3888:participant;0.0.0.0:2181\n"+
		"server.2=zoo2:2888:3888:participant;0.0.0.0:2181\n"+
		"server.3=zoo3:2888:3888:observer;0.0.0.0:2181\n")
	writeFile(t, cfgPath, "tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir="+dir+
		"\nreconfigEnabled=true\nstandaloneEnabled=false\ndynamicConfigFile="+dyn+"\n")
	if _, _, err := LoadConfig(cfgPath); err == nil || !strings.Contains(err.Error(), "myid file is missing") {
		t.Fatalf("no myid: err = %v", err)
	}
	writeFile(t, filepath.Join(dir, "myid"), "4\n")
	if _, _, err := LoadConfig(cfgPath); err == nil || !strings.Contains(err.Error(), "My id 4 not in the peer list") {
		t.Fatalf("myid 4: err = %v", err)
	}
	writeFile(t, filepath.Join(dir, "myid"), "x\n")
	if _, _, err := LoadConfig(cfgPath); err == nil || !strings.Contains(err.Error(), "not a positive number") {
		t.Fatalf("myid x: err = %v", err)
	}
	writeFile(t, filepath.Join(dir, "myid"), "2\n")
	cfg, warnings, err := LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings: %q", warnings)
	}
	var got []string
	for _, s := range cfg.Servers {
		got = append(got, fmt.Sprintf("server.%d=%s", s.ID, s))
	}
	want := []string{
		"server.1=zoo1:2888:3888:participant;0.0.0.0:2181",
		"server.2=zoo2:2888:3888:participant;0.0.0.0:2181",
		"server.3=zoo3:2888:3888:observer;0.0.0.0:2181",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Servers = %q, want %q", got, want)
	}
	if !cfg.Distributed() || cfg.ClientPort != -1 {
		t.Errorf("Distributed() = %v, ClientPort = %d", cfg.Distributed(), cfg.ClientPort)
	}

	// Errors name the file and line.
	writeFile(t, cfgPath, "dataDir=/d\nclientPort=2181\ntickTime=abc\n")
	_, _, err = LoadConfig(cfgPath)
	if want := cfgPath + `:3: tickTime: "abc" is not a number`; fmt.Sprint(err) != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	writeFile(t, cfgPath, "clientPort=2181\n")
	_, _, err = LoadConfig(cfgPath)
	if want := cfgPath + `: dataDir is not set`; fmt.Sprint(err) != want {
		t.Errorf("error = %v, want %q", err, want)
	}

	// The dynamic file holds only server.N (and group/weight) lines.
	writeFile(t, dyn, "server.1=zoo1:2888:3888\ntickTime=10\n")
	writeFile(t, cfgPath, "dataDir=/d\nclientPort=2181\ndynamicConfigFile="+dyn+"\n")
	_, _, err = LoadConfig(cfgPath)
	if want := dyn + `:2: unrecognised parameter "tickTime" in the dynamic config file`; fmt.Sprint(err) != want {
		t.Errorf("error = %v, want %q", err, want)
	}
	writeFile(t, dyn, "server.1=zoo1:2888\n")
	_, _, err = LoadConfig(cfgPath)
	if want := dyn + `:1: server.1: "zoo1:2888" is not host`; !strings.HasPrefix(fmt.Sprint(err), want) {
		t.Errorf("error = %v, want prefix %q", err, want)
	}
	if err := os.Remove(dyn); err != nil {
		t.Fatal(err)
	}
	_, _, err = LoadConfig(cfgPath)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing dynamic file: error = %v, want fs.ErrNotExist", err)
	}

	_, _, err = LoadConfig(filepath.Join(dir, "missing.cfg"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: error = %v, want fs.ErrNotExist", err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestConfigPropertiesSyntax(t *testing.T) {
	tests := []struct {
		name, in string
		want     []property
	}{
		{"separators", "a=1\nb:2\nc 3\nd\t=\t4\ne", []property{
			{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}, {"d", "4", 4}, {"e", "", 5}}},
		{"comments", "#x=1\n!y=2\n  # z=3\nk=v # not a comment", []property{{"k", "v # not a comment", 4}}},
		{"continuation", "\n\nk = a\\\n   b\\\n\tc\nnext=1", []property{{"k", "abc", 3}, {"next", "1", 6}}},
		{"continuation at EOF", "k=a\\", []property{{"k", "a", 1}}},
		{"crlf and cr", "a=1\r\nb=2\rc=3\r\n", []property{{"a", "1", 1}, {"b", "2", 2}, {"c", "3", 3}}},
		{"crlf continuation", "a=x\\\r\n  y\r\nb=2", []property{{"a", "xy", 1}, {"b", "2", 3}}},
		{"escapes", `k\ 1=\t\u0041\=\:\\`, []property{{"k 1", "A=:\\", 1}}},
		{"utf-8 passes through", "dataDir=/données/zk", []property{{"dataDir", "/données/zk", 1}}},
		{"bom", "\xef\xbb\xbftickTime=1", []property{{"tickTime", "1", 1}}},
		{"surrogate pair", `k=\ud83d\ude00`, []property{{"k", "😀", 1}}},
		{"lone surrogate", `k=\ud83dx`, []property{{"k", "\ufffdx", 1}}},
		{"trim control chars", "k=\\u0001v\\n", []property{{"k", "v", 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseProperties([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
	if _, err := parseProperties([]byte("a=1\nb=\\u12x4")); err == nil || err.Error() != `line 2: b: malformed \uxxxx encoding` {
		t.Errorf("malformed escape: error = %v", err)
	}
}

// TestConfigPropertiesGolden compares parseProperties with java.util.Properties
// on testdata/properties.cfg; -rewrite regenerates the golden with java.
func TestConfigPropertiesGolden(t *testing.T) {
	const in, golden = "testdata/properties.cfg", "testdata/properties.golden"
	if *rewrite {
		out, err := exec.Command("java", "testdata/PropsDump.java", in).Output()
		if err != nil {
			t.Fatalf("java testdata/PropsDump.java: %v", err)
		}
		if err := os.WriteFile(golden, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	props, err := parseProperties(data)
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]string{}
	for _, p := range props {
		last[p.key] = p.value
	}
	var lines []string
	for k, v := range last {
		lines = append(lines, javaEscape(k)+"\t"+javaEscape(v)+"\n")
	}
	sort.Strings(lines)
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(lines, ""); got != string(want) {
		t.Errorf("parseProperties(%s) differs from java.util.Properties:\n%s\nwant:\n%s", in, got, want)
	}
}

// javaEscape writes s as PropsDump does.
func javaEscape(s string) string {
	var b strings.Builder
	for _, u := range utf16.Encode([]rune(s)) {
		if u < 0x20 || u > 0x7e || u == '\\' {
			fmt.Fprintf(&b, "\\u%04x", u)
		} else {
			b.WriteByte(byte(u))
		}
	}
	return b.String()
}

// TestConfigGolden parses the Debian package's zoo.cfg (ZooKeeper's
// zoo_sample.cfg) and compares the result with its golden dump.
func TestCheckMembershipDuplicates(t *testing.T) {
	cfg, _, err := ParseConfig(strings.NewReader("tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=/tmp/x\nclientPort=2181\n" +
		"server.1=127.0.0.1:2888:3888\nserver.2=127.0.0.1:2889:3889\nserver.3=127.0.0.1:2888:3890\n"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MyID = 1
	if err := cfg.CheckMembership(); err == nil || !strings.Contains(err.Error(), "server.1 and server.3 both use 127.0.0.1:2888") {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigGolden(t *testing.T) {
	for _, name := range []string{"debian-zoo"} {
		t.Run(name, func(t *testing.T) {
			in, golden := "testdata/"+name+".cfg", "testdata/"+name+".golden"
			cfg, warnings, err := LoadConfig(in)
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			for _, w := range warnings {
				fmt.Fprintf(&b, "warning: %s\n", w)
			}
			b.WriteString(dumpConfig(cfg))
			if *rewrite {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(want) {
				t.Errorf("LoadConfig(%s) =\n%s\nwant (-rewrite to update):\n%s", in, b.String(), want)
			}
		})
	}
}

// TestConfigSystemFiles parses the zoo.cfg files a ZooKeeper package
// installed on this machine, if any.
func TestConfigSystemFiles(t *testing.T) {
	paths, _ := filepath.Glob("/etc/zookeeper/*/zoo.cfg")
	more, _ := filepath.Glob("/usr/share/doc/zookeeper*/*.cfg")
	paths = append(paths, more...)
	if len(paths) == 0 {
		t.Skip("no ZooKeeper package installed")
	}
	for _, path := range paths {
		t.Run(path, func(t *testing.T) {
			if _, warnings, err := LoadConfig(path); err != nil {
				t.Errorf("LoadConfig: %v (warnings %q)", err, warnings)
			}
		})
	}
}

// dumpConfig prints every field of c, one a line, but the file's text.
func dumpConfig(c Config) string {
	var b strings.Builder
	c.Text = ""
	v := reflect.ValueOf(c)
	for i := range v.NumField() {
		if v.Type().Field(i).Name == "Text" {
			continue
		}
		fmt.Fprintf(&b, "%s = %+v\n", v.Type().Field(i).Name, v.Field(i).Interface())
	}
	return b.String()
}

func FuzzParseConfig(f *testing.F) {
	f.Add(baseCfg)
	f.Add(baseCfg + "server.1=[::1]:2888:3888:observer;[::1]:2181;2281\nmultiAddress.enabled=true\n")
	f.Add("a\\\n b=c\\u0041\\\r\n#x\n!y\n\\")
	f.Add(baseCfg + "autopurge.purgeInterval=1ms\njute.maxbuffer=-0x80000000\n")
	if data, err := os.ReadFile("testdata/properties.cfg"); err == nil {
		f.Add(string(data))
	}
	f.Fuzz(func(t *testing.T, text string) {
		cfg, warnings, err := ParseConfig(strings.NewReader(text))
		for _, w := range warnings {
			if strings.ContainsAny(w, "\r\n") {
				t.Errorf("warning %q is not one line", w)
			}
		}
		if err != nil {
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Errorf("error %q is not one line", err)
			}
			if !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("error %q does not wrap ErrInvalidConfig", err)
			}
			return
		}
		if err := cfg.Validate(); err != nil {
			t.Errorf("ParseConfig accepted what Validate rejects: %v", err)
		}
	})
}
