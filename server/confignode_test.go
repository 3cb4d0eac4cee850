package server

import (
	"strings"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// TestConfigNode: /zookeeper/config as ZooKeeper 3.8 writes it (checked
// against a Debian ZooKeeper 3.8 ensemble: zkCli.sh `config`).
func TestConfigNode(t *testing.T) {
	for _, tc := range []struct {
		name, cfg string
		want      string
		version   zk.Zxid
	}{
		{"old format, ids out of order",
			"server.3=127.0.0.1:23865:23868\nserver.1=127.0.0.1:23863:23866\nserver.2=127.0.0.1:23864:23867\n",
			"server.1=127.0.0.1:23863:23866:participant\nserver.2=127.0.0.1:23864:23867:participant\nserver.3=127.0.0.1:23865:23868:participant\nversion=0", 0},
		{"3.5 format with client ports and an observer",
			"server.1=10.0.0.1:2888:3888;2181\nserver.2=10.0.0.2:2888:3888:participant;10.0.0.2:2181\nserver.4=10.0.0.4:2888:3888:observer;2181\n",
			"server.1=10.0.0.1:2888:3888:participant;0.0.0.0:2181\nserver.2=10.0.0.2:2888:3888:participant;10.0.0.2:2181\nserver.4=10.0.0.4:2888:3888:observer;0.0.0.0:2181\nversion=0", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := ParseConfig(strings.NewReader("tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=/tmp/x\nclientPort=2181\n" + tc.cfg))
			if err != nil {
				t.Fatal(err)
			}
			got, version := configNode(&cfg)
			if string(got) != tc.want || version != tc.version {
				t.Errorf("configNode =\n%s (version %#x)\nwant\n%s (version %#x)", got, version, tc.want, tc.version)
			}
		})
	}
	cfg := Config{DynamicConfigFile: "/etc/zookeeper/zoo.cfg.dynamic.100000000"}
	if got, version := configNode(&cfg); string(got) != "version=100000000" || version != 0x100000000 {
		t.Errorf("with a dynamic config file: %q, version %#x", got, version)
	}
}
