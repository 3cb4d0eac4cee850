package robust

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ZooKeeperConfig configures StartZooKeeper.
type ZooKeeperConfig struct {
	// Dir holds one directory per server, zk1..zkN, laid out as
	// bench/start-zk-ensemble.sh does: conf/zoo.cfg, conf/log4j.properties,
	// data/myid, data, log, zookeeper.log (the server's log) and
	// zookeeper.out (the JVM's stdout and stderr).
	Dir string
	// N is the number of servers (default 3).
	N int
	// TickTime is ZooKeeper's tickTime (default 500ms). initLimit is 10
	// and syncLimit 5 ticks, so a follower gives up on a silent leader
	// after 5 ticks.
	TickTime time.Duration
	// Heap is the JVM's -Xmx (default 256m).
	Heap string
	// Java is the java binary (default "java").
	Java string
	// JarDir holds Debian's zookeeper.jar, slf4j-log4j12.jar and
	// log4j-1.2.jar (default /usr/share/java).
	JarDir string
	// StartTimeout bounds the wait for every server to serve (default 120s).
	StartTimeout time.Duration
	// Logger receives the cluster's actions; nil discards.
	Logger *slog.Logger
}

// ZooKeeperCluster is an ensemble of Debian's Apache ZooKeeper 3.8 on
// 127.0.0.1, one JVM per server. Isolate is unsupported: ZooKeeper's
// election connections carry addresses, so a per-pair proxy is not
// transparent to it. Its methods are safe for concurrent use.
type ZooKeeperCluster struct {
	cfg ZooKeeperConfig
	lg  *slog.Logger
	serverSet
}

var _ Cluster = (*ZooKeeperCluster)(nil)

// StartZooKeeper writes the servers' configuration under cfg.Dir, starts
// them and waits until each one serves (answers srvr with a mode).
func StartZooKeeper(ctx context.Context, cfg ZooKeeperConfig) (*ZooKeeperCluster, error) {
	if cfg.N == 0 {
		cfg.N = 3
	}
	if cfg.TickTime == 0 {
		cfg.TickTime = 500 * time.Millisecond
	}
	if cfg.Heap == "" {
		cfg.Heap = "256m"
	}
	if cfg.Java == "" {
		cfg.Java = "java"
	}
	if cfg.JarDir == "" {
		cfg.JarDir = "/usr/share/java"
	}
	if cfg.StartTimeout == 0 {
		cfg.StartTimeout = 120 * time.Second
	}
	lg := cfg.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	jars := []string{"zookeeper.jar", "slf4j-log4j12.jar", "log4j-1.2.jar"}
	for _, j := range jars {
		if _, err := os.Stat(filepath.Join(cfg.JarDir, j)); err != nil {
			return nil, fmt.Errorf("robust: %w (apt-get install zookeeper zookeeper-bin)", err)
		}
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	n := cfg.N
	ports, err := freePorts(3 * n) // client, quorum, election
	if err != nil {
		return nil, err
	}
	c := &ZooKeeperCluster{cfg: cfg, lg: lg, serverSet: serverSet{ports: ports[:n]}}
	var servers strings.Builder
	for k := 1; k <= n; k++ {
		fmt.Fprintf(&servers, "server.%d=127.0.0.1:%d:%d\n", k, ports[n+k-1], ports[2*n+k-1])
	}
	for k := 1; k <= n; k++ {
		d := filepath.Join(dir, fmt.Sprintf("zk%d", k))
		for _, sub := range []string{"conf", "data", "log"} {
			if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
				return nil, err
			}
		}
		// The keys of compat/lib.sh's write_zoo_cfg and bench/lib.sh's
		// bench_zoo_cfg, plus the ensemble's.
		zooCfg := fmt.Sprintf(`tickTime=%d
dataDir=%s
dataLogDir=%s
clientPort=%d
clientPortAddress=127.0.0.1
4lw.commands.whitelist=*
extendedTypesEnabled=true
admin.enableServer=false
maxClientCnxns=0
forceSync=yes
initLimit=10
syncLimit=5
%s`, cfg.TickTime.Milliseconds(), filepath.Join(d, "data"), filepath.Join(d, "log"), ports[k-1], servers.String())
		log4j := fmt.Sprintf(`log4j.rootLogger=INFO, FILE
log4j.appender.FILE=org.apache.log4j.FileAppender
log4j.appender.FILE.File=%s
log4j.appender.FILE.layout=org.apache.log4j.PatternLayout
log4j.appender.FILE.layout.ConversionPattern=%%d{ISO8601} - %%-5p [%%t:%%C{1}@%%L] - %%m%%n
`, filepath.Join(d, "zookeeper.log"))
		files := map[string]string{
			"conf/zoo.cfg":          zooCfg,
			"conf/log4j.properties": log4j,
			"data/myid":             fmt.Sprintf("%d\n", k),
		}
		for name, body := range files {
			if err := os.WriteFile(filepath.Join(d, name), []byte(body), 0o644); err != nil {
				return nil, err
			}
		}
		cp := []string{filepath.Join(d, "conf")}
		for _, j := range jars {
			cp = append(cp, filepath.Join(cfg.JarDir, j))
		}
		c.dirs = append(c.dirs, d)
		c.procs = append(c.procs, &process{
			name: fmt.Sprintf("zk%d", k),
			argv: []string{cfg.Java, "-Xmx" + cfg.Heap, "-XX:+UseSerialGC",
				// C1 only: the JVMs start faster and burn less CPU on
				// this small machine.
				"-XX:TieredStopAtLevel=1",
				"-Dfile.encoding=UTF-8", "-Djava.awt.headless=true",
				"-Dzookeeper.log.dir=" + d,
				"-Dlog4j.configuration=file:" + filepath.Join(d, "conf", "log4j.properties"),
				"-cp", strings.Join(cp, ":"),
				"org.apache.zookeeper.server.quorum.QuorumPeerMain", filepath.Join(d, "conf", "zoo.cfg")},
			logPath: filepath.Join(d, "zookeeper.out"),
		})
	}
	if err := c.startAll(ctx, lg, "zookeeper", "zookeeper.log", cfg.StartTimeout); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func (c *ZooKeeperCluster) Isolate(i int) error {
	return fmt.Errorf("robust: isolate on ZooKeeper: %w", ErrUnsupported)
}

func (c *ZooKeeperCluster) Heal() error { return nil }

func (c *ZooKeeperCluster) Leader() (int, error) { return leaderOf(c) }

// Close kills every server. The directories stay.
func (c *ZooKeeperCluster) Close() error {
	return errors.Join(c.stopAll()...)
}
