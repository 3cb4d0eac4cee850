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
		{"IPv6 hosts",
			"server.1=[::1]:2888:3888;[::1]:2181\nserver.2=[::1]:2889:3889;2182\n",
			"server.1=[::1]:2888:3888:participant;[::1]:2181\nserver.2=[::1]:2889:3889:participant;0.0.0.0:2182\nversion=0", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := ParseConfig(strings.NewReader("tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=/tmp/x\nclientPort=2181\n" + tc.cfg))
			if err != nil {
				t.Fatal(err)
			}
			version := fileVersion(&cfg)
			got := configText(cfg.Servers, version)
			if string(got) != tc.want || version != tc.version {
				t.Errorf("configText =\n%s (version %#x)\nwant\n%s (version %#x)", got, version, tc.want, tc.version)
			}
			// And back.
			members, v, err := parseConfigText(got, false)
			if err != nil || v != version || string(configText(members, v)) != tc.want {
				t.Errorf("parseConfigText: %v, version %#x, %+v", err, v, members)
			}
		})
	}
	cfg := Config{DynamicConfigFile: "/etc/zookeeper/zoo.cfg.dynamic.100000000"}
	if version := fileVersion(&cfg); string(configText(nil, version)) != "version=100000000" || version != 0x100000000 {
		t.Errorf("with a dynamic config file: %q, version %#x", configText(nil, version), version)
	}
}
