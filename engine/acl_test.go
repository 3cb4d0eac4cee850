package engine

// The expected values marked "golden" come from ZooKeeper itself, run on
// OpenJDK 17: the 3.8.0 server jar (DigestAuthenticationProvider,
// IPAuthenticationProvider, PrepRequestProcessor.fixupACL,
// ZooKeeperServer.checkACL, AuthUtil.getClientInfos, and the
// ConcurrentHashMap-backed set of ServerCnxn.authInfo), and for IPv6 ip ACLs
// the IPAuthenticationProvider of 3.9.5 (ZOOKEEPER-4240). They are never
// edited by hand.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/paddockdb/paddock/zk"
)

// ids builds ids from "scheme:id" strings.
func ids(s ...string) []zk.Id {
	out := []zk.Id{}
	for _, x := range s {
		scheme, id, _ := strings.Cut(x, ":")
		out = append(out, zk.Id{Scheme: scheme, ID: id})
	}
	return out
}

// acls builds an ACL from perms and "scheme:id" pairs.
func acls(v ...any) []zk.ACL {
	out := []zk.ACL{}
	for i := 0; i < len(v); i += 2 {
		out = append(out, zk.ACL{Perms: int32(v[i].(int)), ID: ids(v[i+1].(string))[0]})
	}
	return out
}

func TestDigest(t *testing.T) {
	// golden: in is the auth bytes, java the string the server decodes them
	// to (re-encoded as UTF-8), want generateDigest of it.
	tests := []struct{ in, java, want string }{
		{"user:pass", "user:pass", "user:smGaoVKd/cQkjm7b88GyorAUz20="},
		{"super:secret", "super:secret", "super:lK75jTNcA+U9vtVEw5vB51mj/w4="},
		{"bob:p:w", "bob:p:w", "bob:c9E8gjtVdLtMPTfBBukKZD37tig="},
		{"nocolon", "nocolon", "nocolon:Ra+cHr2ZoHvBjtNArFGNGlVie4g="},
		{":x", ":x", ":57b19mLA2vMhI/edHul/TytWqWE="},
		{"", "", ":2jmj7l5rSw0yVb/vlWAYkK/YBwk="},
		{"\xc3\xbcn\xc3\xaf:c\xc3\xb6d\xc3\xa9", "\xc3\xbcn\xc3\xaf:c\xc3\xb6d\xc3\xa9", "\xc3\xbcn\xc3\xaf:4N0Z7i1Vy70+ZD4+ckp/xGYhC78="},
		{"\xe6\x97\xa5\xe6\x9c\xac:\xe3\x83\x91\xe3\x82\xb9", "\xe6\x97\xa5\xe6\x9c\xac:\xe3\x83\x91\xe3\x82\xb9", "\xe6\x97\xa5\xe6\x9c\xac:f7xhcflKGVsE8ddS8yxtyIizYI8="},
		{"emoji:\xf0\x9f\x98\x80", "emoji:\xf0\x9f\x98\x80", "emoji:RRyZrS7gtb2wiCVbT1SzIazWmCc="},
		{"a:\xff", "a:\xef\xbf\xbd", "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="},
		{"a:\xe2\x82", "a:\xef\xbf\xbd", "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="},
		{"a:\xe2\x82A", "a:\xef\xbf\xbdA", "a:vGrBY35KVe043URF+OfuadD28TM="},
		{"a:\xf0\x9f\x98", "a:\xef\xbf\xbd", "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="},
		{"a:\xf0\x9f", "a:\xef\xbf\xbd", "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="},
		{"a:\xed\xa0\x80", "a:\xef\xbf\xbd", "a:QA/+SscEiwfqDoEuMvY+lJpHH5Q="},
		{"a:\xc0\xaf", "a:\xef\xbf\xbd\xef\xbf\xbd", "a:ZgxFPZMnN3d5KQRd7MadIhzOOm4="},
		{"a:\xe0\x80\xaf", "a:\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "a:eL6zMQO28417tje/JIvmPbIJkxE="},
		{"a:\xf4\x90\x80\x80", "a:\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "a:Gv4AQHx0rtX6yCCljpW0q8ayNpg="},
		{"\x80:x", "\xef\xbf\xbd:x", "\xef\xbf\xbd:MRJvuUNgOr/X35TrsstivNIZKtg="},
		{"a:\xe2(\xa1", "a:\xef\xbf\xbd(\xef\xbf\xbd", "a:LYkCzMtWt5B9kAd51g3uX7WV5FI="},
		{"a:\xf8\x88\x80\x80\x80", "a:\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd", "a:ChSUJNNS1IFTX2ZIxsajyQD+mL0="},
		{"a:\xe1\x80\xe2\xf0\x91\x92\xf1\xbfA", "a:\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdA", "a:u3Bg9SDCMb2KFv13T3NTFr2fV8Y="},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.in), func(t *testing.T) {
			if got := javaUTF8(tt.in); got != tt.java {
				t.Errorf("javaUTF8 = %q, want %q", got, tt.java)
			}
			if got := Digest(tt.in); got != tt.want {
				t.Errorf("Digest = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckACL(t *testing.T) {
	type test struct {
		name string
		acl  []zk.ACL
		perm int32
		ids  []zk.Id
		want bool
	}
	// golden
	tests := []test{
		{"empty acl", acls(), 31, ids(), true},
		{"world read", acls(1, "world:anyone"), 1, ids(), true},
		{"world read want write", acls(1, "world:anyone"), 2, ids(), false},
		{"world any bit", acls(3, "world:anyone"), 6, ids(), true},
		{"world nobody", acls(31, "world:nobody"), 1, ids(), false},
		{"perm zero", acls(31, "world:anyone"), 0, ids(), false},
		{"super", acls(1, "digest:bob:h"), 16, ids("super:"), true},
		{"super any id", acls(1, "digest:bob:h"), 16, ids("ip:1.2.3.4", "super:whatever"), true},
		{"digest exact", acls(31, "digest:bob:h"), 4, ids("ip:1.2.3.4", "digest:bob:h"), true},
		{"digest other", acls(31, "digest:bob:h"), 4, ids("digest:bob:H"), false},
		{"digest perm missing", acls(1, "digest:bob:h"), 8, ids("digest:bob:h"), false},
		{"digest second entry", acls(1, "digest:bob:h", 8, "digest:bob:h"), 8, ids("digest:bob:h"), true},
		{"ip exact", acls(31, "ip:10.0.0.1"), 1, ids("ip:10.0.0.1"), true},
		{"ip cidr", acls(31, "ip:10.0.0.0/8"), 1, ids("ip:10.9.8.7"), true},
		{"ip cidr miss", acls(31, "ip:10.0.0.0/8"), 1, ids("ip:11.0.0.1"), false},
		{"ip scheme mismatch", acls(31, "ip:10.0.0.1"), 1, ids("digest:10.0.0.1"), false},
		{"digest scheme mismatch", acls(31, "digest:bob:h"), 1, ids("ip:bob:h"), false},
		{"sasl exact", acls(31, "sasl:bob"), 1, ids("sasl:bob"), false},
		{"x509 exact", acls(31, "x509:CN=bob"), 1, ids("x509:CN=bob"), false},
		{"auth entry", acls(31, "auth:"), 1, ids("auth:"), false},
		{"unknown", acls(31, "foo:bar"), 1, ids("foo:bar"), false},
		{"no ids", acls(31, "digest:bob:h"), 1, ids(), false},
	}
	tests = append(tests, []test{
		{"nil acl", nil, zk.PermAdmin, nil, true},
		{"super on empty acl", acls(), zk.PermRead, ids("super:"), true},
		{"open acl", zk.OpenACLUnsafe(), zk.PermAdmin, nil, true},
		{"read acl write", zk.ReadACLUnsafe(), zk.PermWrite, ids("ip:127.0.0.1"), false},
		{"every bit", acls(int(zk.PermAll), "digest:bob:h"), zk.PermAll, ids("digest:bob:h"), true},
		{"ip v4 of many ids", acls(31, "ip:10.0.0.0/8"), 1, ids("digest:x:y", "ip:192.168.0.1", "ip:10.2.3.4"), true},
		{"ip v6 exact", acls(31, "ip:::1"), 1, ids("ip:0:0:0:0:0:0:0:1"), ipv6ACLs}, // 3.8 never matches IPv6
		{"ip v6 prefix", acls(31, "ip:2001:db8::/32"), 1, ids("ip:2001:db8:0:0:0:0:0:1"), ipv6ACLs},
		{"ip v6 prefix miss", acls(31, "ip:2001:db8::/32"), 1, ids("ip:2001:db9:0:0:0:0:0:1"), false},
		{"ip v4 acl v6 client", acls(31, "ip:0.0.0.0/0"), 1, ids("ip:0:0:0:0:0:0:0:1"), false},
		{"ip v6 acl v4 client", acls(31, "ip:::/0"), 1, ids("ip:127.0.0.1"), false},
		{"ip bad acl", acls(31, "ip:10.0.0.0/40"), 1, ids("ip:10.0.0.1"), false},
		{"ip zone never matches", acls(31, "ip:fe80::/10"), 1, ids("ip:fe80:0:0:0:0:0:0:1%eth0"), false},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CheckACL(tt.acl, tt.perm, tt.ids); got != tt.want {
				t.Errorf("CheckACL(%v, %d, %v) = %v, want %v", tt.acl, tt.perm, tt.ids, got, tt.want)
			}
		})
	}
}

func TestCheckACLDoesNotAllocate(t *testing.T) {
	acl := acls(1, "world:anyone", 31, "digest:bob:h", 31, "ip:10.0.0.0/8", 31, "ip:2001:db8::/32")
	for _, id := range ids("digest:bob:h", "ip:10.1.1.1", "ip:2001:db8:0:0:0:0:0:1", "ip:127.0.0.1") {
		if n := testing.AllocsPerRun(100, func() { CheckACL(acl, zk.PermAdmin, []zk.Id{id}) }); n != 0 {
			t.Errorf("%v: %v allocations", id, n)
		}
	}
}

func TestIPProvider(t *testing.T) {
	// golden: for each ACL expression, isValid and matches(remote, expr)
	// for each of ipRemotes ('1' for a match), in 3.8 and in 3.9.
	ipRemotes := []string{"10.0.0.1", "10.1.2.3", "11.0.0.1", "127.0.0.1", "0:0:0:0:0:0:0:1", "fe80:0:0:0:0:0:0:1", "2001:db8:0:0:0:0:0:1", "2001:db8:1:0:0:0:0:1", "fe80:0:0:0:0:0:0:1%2", "garbage", "0:0:0:0:0:0:0:0"}
	tests := []struct {
		expr             string
		valid38, valid39 bool
		match38, match39 string
	}{
		{"10.0.0.1", true, true, "10000000000", "10000000000"},
		{"10.0.0.0/8", true, true, "11000000000", "11000000000"},
		{"10.0.0.0/0", true, true, "11110000000", "11110000000"},
		{"10.0.0.0/32", true, true, "00000000000", "00000000000"},
		{"10.0.0.0/33", false, false, "00000000000", "00000000000"},
		{"10.0.0.0/-1", false, false, "00000000000", "00000000000"},
		{"10.0.0.0/+8", true, true, "11000000000", "11000000000"},
		{"10.0.0.0/08", true, true, "11000000000", "11000000000"},
		{"10.0.0.0/-0", true, true, "11110000000", "11110000000"},
		{"10.0.0.0/", false, false, "00000000000", "00000000000"},
		{"10.0.0.0/8/9", false, false, "00000000000", "00000000000"},
		{"10.0.0.0/ 8", false, false, "00000000000", "00000000000"},
		{"10.0.0.0/4294967304", false, false, "00000000000", "00000000000"},
		{"10.0.0", false, false, "00000000000", "00000000000"},
		{"10.0.0.0.0", false, false, "00000000000", "00000000000"},
		{"10.0.0.256", false, false, "00000000000", "00000000000"},
		{"10.0.0.-0", true, true, "00000000000", "00000000000"},
		{"+10.0.0.1", true, true, "10000000000", "10000000000"},
		{"010.0.0.1", true, true, "10000000000", "10000000000"},
		{"10.0.0.1.", false, false, "00000000000", "00000000000"},
		{".10.0.0.1", false, false, "00000000000", "00000000000"},
		{"", false, false, "00000000000", "00000000000"},
		{"/8", false, false, "00000000000", "00000000000"},
		{"localhost", false, false, "00000000000", "00000000000"},
		{"\xd9\xa1\xd9\xa0.0.0.1", true, true, "10000000000", "10000000000"},
		{"a.b.c.d", false, false, "00000000000", "00000000000"},
		{"1.2.3.4 ", false, false, "00000000000", "00000000000"},
		{"10.0.0.1%eth0", false, false, "00000000000", "00000000000"},
		{"127.0.0.1/31", true, true, "00010000000", "00010000000"},
		{"10.128.0.0/9", true, true, "00000000000", "00000000000"},
		{"::1", false, true, "00000000000", "00001000000"},
		{"0:0:0:0:0:0:0:1", false, true, "00000000000", "00001000000"},
		{"::", false, true, "00000000000", "00000000001"},
		{"::/0", false, true, "00000000000", "00001111001"},
		{"fe80::/10", false, true, "00000000000", "00000100000"},
		{"fe80::1/64", false, true, "00000000000", "00000100000"},
		{"2001:db8::/32", false, true, "00000000000", "00000011000"},
		{"2001:db8::/129", false, false, "00000000000", "00000000000"},
		{"2001:db8::/128", false, true, "00000000000", "00000000000"},
		{"2001:db8::1/128", false, true, "00000000000", "00000010000"},
		{"2001:db8:0:0:0:0:0:1", false, true, "00000000000", "00000010000"},
		{"1:2:3:4:5:6:7:8", false, true, "00000000000", "00000000000"},
		{"1:2:3:4:5:6:7::", false, true, "00000000000", "00000000000"},
		{"1:2:3:4:5:6:7:8:9", false, false, "00000000000", "00000000000"},
		{"1::2::3", false, false, "00000000000", "00000000000"},
		{":::", false, false, "00000000000", "00000000000"},
		{"::::", false, false, "00000000000", "00000000000"},
		{"::ffff:1.2.3.4", false, false, "00000000000", "00000000000"},
		{"fe80::1%eth0", false, false, "00000000000", "00000000000"},
		{"fe80::1%2", false, false, "00000000000", "00000000000"},
		{"-1::", false, true, "00000000000", "00000000000"},
		{"+f::", false, true, "00000000000", "00000000000"},
		{"12345::", false, false, "00000000000", "00000000000"},
		{"FFFF::", false, true, "00000000000", "00000000000"},
		{"\xef\xbd\x86\xef\xbd\x86::", false, true, "00000000000", "00000000000"},
		{"1:2:3:4:5:6:7:8::", false, false, "00000000000", "00000000000"},
		{"::1:2:3:4:5:6:7", false, true, "00000000000", "00000000000"},
		{"::1:2:3:4:5:6:7:8", false, false, "00000000000", "00000000000"},
		{"1:", false, false, "00000000000", "00000000000"},
		{":1", false, false, "00000000000", "00000000000"},
		{"1:::2", false, false, "00000000000", "00000000000"},
		{"2001:db8::/48", false, true, "00000000000", "00000010000"},
		{"2001:db8:1::/48", false, true, "00000000000", "00000001000"},
		{"::/-1", false, false, "00000000000", "00000000000"},
		{"fe80:0:0:0:0:0:0:1/10", false, true, "00000000000", "00000100000"},
		{"10.0.0.0/8:", false, false, "00000000000", "00000000000"},
		{"::10.0.0.1", false, false, "00000000000", "00000000000"},
		{"g::", false, false, "00000000000", "00000000000"},
		{"0x1::", false, false, "00000000000", "00000000000"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q", tt.expr), func(t *testing.T) {
			for _, v6 := range []bool{false, true} {
				valid, match := tt.valid38, tt.match38
				if v6 {
					valid, match = tt.valid39, tt.match39
				}
				if got := ipValid(tt.expr, v6); got != valid {
					t.Errorf("v6=%v: ipValid = %v, want %v", v6, got, valid)
				}
				for i, r := range ipRemotes {
					if got := ipMatches(r, tt.expr, v6); got != (match[i] == '1') {
						t.Errorf("v6=%v: ipMatches(%q) = %v, want %v", v6, r, got, !got)
					}
				}
			}
		})
	}
}

func TestFixupACL(t *testing.T) {
	type test struct {
		name    string
		acl     []zk.ACL
		ids     []zk.Id
		want    []zk.ACL
		wantErr error
	}
	// golden
	tests := []test{
		{"empty", acls(), ids("ip:127.0.0.1"), nil, zk.CodeInvalidACL},
		{"world", acls(31, "world:anyone"), ids("ip:127.0.0.1"), acls(31, "world:anyone"), nil},
		{"world duplicate", acls(31, "world:anyone", 31, "world:anyone"), ids(), acls(31, "world:anyone"), nil},
		{"world perms differ", acls(1, "world:anyone", 31, "world:anyone", 1, "world:anyone"), ids(), acls(1, "world:anyone", 31, "world:anyone"), nil},
		{"world not anyone", acls(31, "world:nobody"), ids(), nil, zk.CodeInvalidACL},
		{"world case", acls(31, "World:anyone"), ids(), nil, zk.CodeInvalidACL},
		{"perms zero", acls(0, "world:anyone"), ids(), acls(0, "world:anyone"), nil},
		{"perms negative", acls(-1, "world:anyone"), ids(), acls(-1, "world:anyone"), nil},
		{"auth ip only", acls(31, "auth:"), ids("ip:127.0.0.1"), nil, zk.CodeInvalidACL},
		{"auth no ids", acls(31, "auth:"), ids(), nil, zk.CodeInvalidACL},
		{"auth super only", acls(31, "auth:"), ids("ip:127.0.0.1", "super:"), nil, zk.CodeInvalidACL},
		{"auth digest", acls(31, "auth:"), ids("ip:127.0.0.1", "digest:bob:h"), acls(31, "digest:bob:h"), nil},
		{"auth id ignored", acls(5, "auth:whatever"), ids("ip:127.0.0.1", "super:", "digest:a:1", "digest:b:2"), acls(5, "digest:a:1", 5, "digest:b:2"), nil},
		{"auth twice", acls(31, "auth:", 1, "auth:"), ids("digest:bob:h"), acls(31, "digest:bob:h", 1, "digest:bob:h"), nil},
		{"auth duplicate", acls(31, "auth:", 31, "auth:"), ids("digest:bob:h"), acls(31, "digest:bob:h"), nil},
		{"auth expansion dup kept", acls(31, "auth:", 31, "digest:bob:h"), ids("digest:bob:h"), acls(31, "digest:bob:h", 31, "digest:bob:h"), nil},
		{"auth after others", acls(1, "world:anyone", 31, "auth:", 2, "ip:10.0.0.1"), ids("digest:bob:h", "ip:10.0.0.1"), acls(1, "world:anyone", 31, "digest:bob:h", 2, "ip:10.0.0.1"), nil},
		{"auth unknown scheme id", acls(31, "auth:"), ids("x509:CN=a", "digest:bob:h"), acls(31, "digest:bob:h"), nil},
		{"digest", acls(31, "digest:bob:h"), ids(), acls(31, "digest:bob:h"), nil},
		{"digest no colon", acls(31, "digest:bob"), ids(), nil, zk.CodeInvalidACL},
		{"digest trailing colons", acls(31, "digest:bob:h::"), ids(), acls(31, "digest:bob:h::"), nil},
		{"digest two colons", acls(31, "digest:bob::h"), ids(), nil, zk.CodeInvalidACL},
		{"digest empty user", acls(31, "digest::h"), ids(), acls(31, "digest::h"), nil},
		{"digest only colons", acls(31, "digest:::"), ids(), nil, zk.CodeInvalidACL},
		{"digest empty", acls(31, "digest:"), ids(), nil, zk.CodeInvalidACL},
		{"digest user colon", acls(31, "digest:bob:"), ids(), nil, zk.CodeInvalidACL},
		{"ip", acls(31, "ip:10.0.0.1"), ids(), acls(31, "ip:10.0.0.1"), nil},
		{"ip cidr", acls(31, "ip:10.0.0.0/8"), ids(), acls(31, "ip:10.0.0.0/8"), nil},
		{"ip bad mask", acls(31, "ip:10.0.0.0/33"), ids(), nil, zk.CodeInvalidACL},
		{"ip host name", acls(31, "ip:localhost"), ids(), nil, zk.CodeInvalidACL},
		{"ip bad octet", acls(31, "ip:10.0.0.256"), ids(), nil, zk.CodeInvalidACL},
		{"sasl", acls(31, "sasl:bob"), ids(), nil, zk.CodeInvalidACL},
		{"x509", acls(31, "x509:CN=bob"), ids(), nil, zk.CodeInvalidACL},
		{"super", acls(31, "super:"), ids(), nil, zk.CodeInvalidACL},
		{"unknown", acls(31, "foo:bar"), ids(), nil, zk.CodeInvalidACL},
		{"one bad entry", acls(31, "world:anyone", 31, "digest:bob"), ids(), nil, zk.CodeInvalidACL},
		{"dup then order", acls(1, "ip:10.0.0.1", 2, "digest:a:b", 1, "ip:10.0.0.1", 3, "world:anyone", 2, "digest:a:b"), ids(), acls(1, "ip:10.0.0.1", 2, "digest:a:b", 3, "world:anyone"), nil},
	}
	tests = append(tests, []test{
		{"nil", nil, nil, nil, zk.CodeInvalidACL},
		{"ip v6 bad mask", acls(31, "ip:2001:db8::/129"), nil, nil, zk.CodeInvalidACL},
		{"auth keeps connection order", acls(31, "auth:"), ids("digest:b:2", "ip:::1", "digest:a:1"), acls(31, "digest:b:2", 31, "digest:a:1"), nil},
	}...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.acl)
			got, err := FixupACL(tt.acl, tt.ids)
			if !errors.Is(err, tt.wantErr) || !slices.Equal(got, tt.want) {
				t.Errorf("FixupACL(%v, %v) = %v, %v; want %v, %v", tt.acl, tt.ids, got, err, tt.want, tt.wantErr)
			}
			if !slices.Equal(in, tt.acl) {
				t.Errorf("FixupACL modified its argument: %v", tt.acl)
			}
		})
	}
}

func TestFixupACLLongList(t *testing.T) {
	// Long lists take the map path of removeDuplicateACLs; the result must
	// be the same as ZooKeeper's quadratic List.contains loop.
	var acl, want []zk.ACL
	for i := 0; i < 200; i++ {
		a := zk.ACL{Perms: int32(i%5 + 1), ID: zk.Id{Scheme: "digest", ID: fmt.Sprintf("u%d:h", i%37)}}
		acl = append(acl, a)
		if !slices.Contains(want, a) {
			want = append(want, a)
		}
	}
	got, err := FixupACL(acl, nil)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("got %d entries, %v; want %d", len(got), err, len(want))
	}
	distinct := want
	got, err = FixupACL(distinct, nil)
	if err != nil || !slices.Equal(got, distinct) {
		t.Fatalf("distinct: got %v, %v", got, err)
	}
}

func TestAuthenticate(t *testing.T) {
	const superDigest = "super:lK75jTNcA+U9vtVEw5vB51mj/w4=" // golden, of super:secret
	tests := []struct {
		name        string
		scheme      string
		auth        string
		remote      string
		superDigest string
		want        []zk.Id
		wantErr     error
	}{
		{"digest", "digest", "user:pass", "127.0.0.1", superDigest, ids("digest:user:smGaoVKd/cQkjm7b88GyorAUz20="), nil},
		{"digest no super configured", "digest", "super:secret", "127.0.0.1", "", ids("digest:super:lK75jTNcA+U9vtVEw5vB51mj/w4="), nil},
		{"super", "digest", "super:secret", "127.0.0.1", superDigest, ids("super:", "digest:super:lK75jTNcA+U9vtVEw5vB51mj/w4="), nil},
		{"super wrong password", "digest", "super:Secret", "127.0.0.1", superDigest, ids("digest:super:pT6hCZn91tBY4ii9qqpvhSsUjWQ="), nil}, // golden
		{"super other user", "digest", "root:secret", "127.0.0.1", superDigest, ids("digest:root:J1scEM42CKaLPP5+ElgpgGsuONg="), nil},
		{"digest without colon", "digest", "nocolon", "127.0.0.1", "", ids("digest:nocolon:Ra+cHr2ZoHvBjtNArFGNGlVie4g="), nil},
		{"digest empty", "digest", "", "127.0.0.1", "", ids("digest::2jmj7l5rSw0yVb/vlWAYkK/YBwk="), nil},
		{"ip ignores bytes", "ip", "10.9.9.9", "127.0.0.1", "", ids("ip:127.0.0.1"), nil},
		{"ip v6", "ip", "", "[::1]:2181", "", ids("ip:0:0:0:0:0:0:0:1"), nil},
		{"world", "world", "anyone", "127.0.0.1", "", nil, zk.CodeAuthFailed},
		{"auth", "auth", "", "127.0.0.1", "", nil, zk.CodeAuthFailed},
		{"super scheme", "super", "secret", "127.0.0.1", superDigest, nil, zk.CodeAuthFailed},
		{"sasl", "sasl", "x", "127.0.0.1", "", nil, zk.CodeAuthFailed},
		{"x509", "x509", "x", "127.0.0.1", "", nil, zk.CodeAuthFailed},
		{"case matters", "Digest", "user:pass", "127.0.0.1", "", nil, zk.CodeAuthFailed},
		{"empty scheme", "", "user:pass", "127.0.0.1", "", nil, zk.CodeAuthFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Authenticate(tt.scheme, []byte(tt.auth), tt.remote, tt.superDigest)
			if !errors.Is(err, tt.wantErr) || !slices.Equal(got, tt.want) {
				t.Errorf("got %v, %v; want %v, %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestIPID(t *testing.T) {
	tests := []struct{ remote, want string }{
		// golden: InetAddress.getByName(remote).getHostAddress()
		{"127.0.0.1", "127.0.0.1"},
		{"::1", "0:0:0:0:0:0:0:1"},
		{"::ffff:10.1.2.3", "10.1.2.3"},
		{"2001:DB8::0:1", "2001:db8:0:0:0:0:0:1"},
		{"fe80::1%1", "fe80:0:0:0:0:0:0:1%1"},
		{"::", "0:0:0:0:0:0:0:0"},
		// address and port, as net.Conn.RemoteAddr().String() gives it
		{"10.0.0.1:2181", "10.0.0.1"},
		{"[::1]:40000", "0:0:0:0:0:0:0:1"},
		{"[fe80::1%eth0]:40000", "fe80:0:0:0:0:0:0:1%eth0"},
		{"not an address", "not an address"},
	}
	for _, tt := range tests {
		t.Run(tt.remote, func(t *testing.T) {
			if got := IPID(tt.remote); got != (zk.Id{Scheme: "ip", ID: tt.want}) {
				t.Errorf("IPID = %v, want ip:%s", got, tt.want)
			}
		})
	}
}

func TestClientInfos(t *testing.T) {
	in := ids("ip:127.0.0.1", "super:", "digest:bob:h", "digest::h", "x509:CN=a", "ip:0:0:0:0:0:0:0:1")
	// golden
	want := []zk.ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}, {AuthScheme: "super", User: ""}, {AuthScheme: "digest", User: "bob"}, {AuthScheme: "digest", User: ""}, {AuthScheme: "x509", User: ""}, {AuthScheme: "ip", User: "0:0:0:0:0:0:0:1"}}
	if got := ClientInfos(in); !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if got := ClientInfos(nil); len(got) != 0 {
		t.Errorf("ClientInfos(nil) = %v", got)
	}
}

func TestAddAuthInfo(t *testing.T) {
	// golden: the iteration order of ZooKeeper's authInfo set after adding
	// the first n of ip:10.0.0.1, digest:user1:pw1, digest:user2:pw2, ...,
	// as indexes into that sequence. Resizes happen at 12, 24 and 48.
	orders := []struct {
		n     int
		order []int
	}{
		{1, []int{0}},
		{2, []int{0, 1}},
		{3, []int{0, 1, 2}},
		{11, []int{8, 0, 7, 9, 1, 2, 3, 4, 5, 6, 10}},
		{12, []int{8, 0, 7, 9, 5, 3, 1, 11, 4, 2, 6, 10}},
		{13, []int{8, 12, 0, 7, 9, 5, 3, 1, 11, 4, 2, 6, 10}},
		{23, []int{18, 8, 20, 12, 15, 14, 0, 7, 9, 17, 5, 3, 1, 22, 11, 21, 13, 16, 19, 4, 2, 6, 10}},
		{24, []int{18, 8, 12, 15, 9, 7, 0, 3, 22, 11, 21, 2, 6, 20, 23, 14, 17, 5, 1, 13, 16, 19, 4, 10}},
		{25, []int{18, 8, 12, 15, 9, 7, 0, 3, 22, 11, 21, 24, 2, 6, 20, 23, 14, 17, 5, 1, 13, 16, 19, 4, 10}},
		{48, []int{18, 41, 8, 47, 12, 28, 38, 7, 9, 22, 11, 21, 27, 37, 6, 31, 33, 36, 39, 30, 1, 45, 13, 16, 19, 42, 10, 44, 15, 25, 0, 3, 24, 2, 34, 20, 23, 14, 40, 17, 5, 43, 46, 32, 35, 26, 29, 4}},
		{49, []int{18, 41, 8, 47, 12, 28, 38, 7, 9, 22, 11, 21, 27, 37, 6, 31, 33, 36, 39, 30, 1, 45, 48, 13, 16, 19, 42, 10, 44, 15, 25, 0, 3, 24, 2, 34, 20, 23, 14, 40, 17, 5, 43, 46, 32, 35, 26, 29, 4}},
		{60, []int{18, 41, 8, 47, 57, 12, 51, 28, 38, 7, 9, 22, 56, 11, 21, 50, 27, 37, 6, 31, 33, 36, 39, 30, 1, 45, 48, 13, 16, 19, 42, 10, 44, 15, 25, 54, 0, 3, 53, 59, 24, 2, 34, 20, 23, 49, 14, 40, 17, 5, 43, 46, 32, 35, 26, 52, 29, 4, 55, 58}},
	}
	for _, tt := range orders {
		t.Run(fmt.Sprint(tt.n), func(t *testing.T) {
			seq := ids("ip:10.0.0.1")
			for i := 1; i < tt.n; i++ {
				seq = append(seq, zk.Id{Scheme: "digest", ID: fmt.Sprintf("user%d:pw%d", i, i)})
			}
			var got []zk.Id
			for _, id := range seq {
				got = AddAuthInfo(got, id)
			}
			var order []int
			for _, id := range got {
				order = append(order, slices.Index(seq, id))
			}
			if !slices.Equal(order, tt.order) {
				t.Errorf("order %v, want %v", order, tt.order)
			}
			// Adding everything at once gives the same order.
			if all := AddAuthInfo(nil, seq...); !slices.Equal(all, got) {
				t.Errorf("AddAuthInfo(nil, seq...) = %v, want %v", all, got)
			}
		})
	}

	// golden: a connection's ids after logging in, added in the order
	// ZooKeeper adds them, and the set's order, which whoAmI shows.
	logins := []struct{ added, want []zk.Id }{
		{ids("ip:127.0.0.1", "super:", "digest:super:lK75jTNcA+U9vtVEw5vB51mj/w4="), ids("super:", "digest:super:lK75jTNcA+U9vtVEw5vB51mj/w4=", "ip:127.0.0.1")},
		// whoAmI: {"super", ""}, {"digest", "super"}, {"ip", "127.0.0.1"},
		{ids("ip:0:0:0:0:0:0:0:1", "digest:bob:c9E8gjtVdLtMPTfBBukKZD37tig=", "digest:alice:x"), ids("digest:bob:c9E8gjtVdLtMPTfBBukKZD37tig=", "digest:alice:x", "ip:0:0:0:0:0:0:0:1")},
		// whoAmI: {"digest", "bob"}, {"digest", "alice"}, {"ip", "0:0:0:0:0:0:0:1"},
	}
	for _, tt := range logins {
		got := AddAuthInfo(nil, tt.added...)
		if !slices.Equal(got, tt.want) {
			t.Errorf("AddAuthInfo(nil, %v) = %v, want %v", tt.added, got, tt.want)
		}
	}

	t.Run("duplicates and aliasing", func(t *testing.T) {
		conn := AddAuthInfo(nil, IPID("127.0.0.1"))
		added, err := Authenticate("digest", []byte("super:secret"), "127.0.0.1", "super:lK75jTNcA+U9vtVEw5vB51mj/w4=")
		if err != nil {
			t.Fatal(err)
		}
		conn = AddAuthInfo(conn, added...)
		req := conn // a request in flight keeps its view
		before := slices.Clone(req)
		if again := AddAuthInfo(conn, added...); !slices.Equal(again, conn) {
			t.Errorf("re-adding changed the ids: %v", again)
		}
		conn = AddAuthInfo(conn, ids("digest:bob:h")...)
		if len(conn) != 4 || !slices.Equal(req, before) {
			t.Errorf("conn %v, request view %v (was %v)", conn, req, before)
		}
		want := []zk.ClientInfo{{AuthScheme: "super", User: ""}, {AuthScheme: "digest", User: "super"}, {AuthScheme: "ip", User: "127.0.0.1"}}
		if got := ClientInfos(before); !slices.Equal(got, want) {
			t.Errorf("whoAmI %v, want %v", got, want)
		}
	})
}

func TestACLCache(t *testing.T) {
	c := NewACLCache()
	if got := c.Get(OpenACLRef); !slices.Equal(got, zk.OpenACLUnsafe()) {
		t.Fatalf("Get(OpenACLRef) = %v", got)
	}
	if ref := c.Intern(zk.OpenACLUnsafe()); ref != OpenACLRef || c.Len() != 0 || c.Refs(ref) != 0 {
		t.Fatalf("open ACL: ref %d, len %d", ref, c.Len())
	}
	c.Release(OpenACLRef) // not counted: a no-op

	a := acls(31, "digest:bob:h")
	b := acls(31, "digest:bob:h", 1, "world:anyone")
	bSwapped := acls(1, "world:anyone", 31, "digest:bob:h")
	ra := c.Intern(a)
	rb := c.Intern(b)
	if ra == OpenACLRef || rb == OpenACLRef || ra == rb {
		t.Fatalf("refs %d %d", ra, rb)
	}
	if rs := c.Intern(bSwapped); rs == rb {
		t.Errorf("order matters, but %v and %v share ref %d", b, bSwapped, rs)
	} else {
		c.Release(rs)
	}
	a[0].Perms = 1 // Intern copied a
	if got := c.Get(ra); !slices.Equal(got, acls(31, "digest:bob:h")) {
		t.Errorf("Get(ra) = %v", got)
	}
	if c.Intern(acls(31, "digest:bob:h")) != ra || c.Intern(acls(31, "digest:bob:h")) != ra {
		t.Fatal("equal ACLs got different refs")
	}
	if c.Refs(ra) != 3 || c.Refs(rb) != 1 || c.Len() != 2 {
		t.Fatalf("refs %d %d len %d", c.Refs(ra), c.Refs(rb), c.Len())
	}
	if ref := c.Intern(nil); c.Get(ref) == nil || len(c.Get(ref)) != 0 || c.Intern([]zk.ACL{}) != ref {
		t.Errorf("empty ACL: ref %d, Get %v", ref, c.Get(ref))
	} else {
		c.Release(ref)
		c.Release(ref)
	}

	// Released to zero: still readable until Reclaim, and revived by Intern.
	c.Release(rb)
	if c.Len() != 1 || c.Refs(rb) != 0 || !slices.Equal(c.Get(rb), b) {
		t.Fatalf("after release: len %d, refs %d, Get %v", c.Len(), c.Refs(rb), c.Get(rb))
	}
	if c.Intern(b) != rb || c.Len() != 2 {
		t.Fatal("interning a released ACL did not revive its ref")
	}
	c.Release(rb)
	c.Retain(rb)
	if c.Refs(rb) != 1 {
		t.Fatal("Retain did not revive")
	}
	c.Release(rb)
	c.Reclaim()
	if c.Get(rb) != nil || c.Len() != 1 {
		t.Fatalf("after reclaim: Get %v, len %d", c.Get(rb), c.Len())
	}
	// The reclaimed ref is reused for the next new ACL.
	d := acls(7, "ip:10.0.0.0/8")
	if rd := c.Intern(d); rd != rb || !slices.Equal(c.Get(rd), d) {
		t.Errorf("new ACL got ref %d (reclaimed %d), Get %v", rd, rb, c.Get(rd))
	}
	if c.Get(1<<31) != nil {
		t.Error("Get of an unknown ref is not nil")
	}

	for _, f := range []func(){
		func() { c.Release(rb + 100) },
		func() { c.Retain(rb + 100) },
		func() { r := c.Intern(acls(1, "digest:x:y")); c.Release(r); c.Release(r) },
		func() { r := c.Intern(acls(2, "digest:x:y")); c.Release(r); c.Reclaim(); c.Retain(r) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

func TestACLCacheGrowAndReuse(t *testing.T) {
	c := NewACLCache()
	refs := map[uint32]string{}
	for i := 0; i < 1000; i++ {
		id := fmt.Sprintf("u%d:h", i)
		ref := c.Intern(acls(31, "digest:"+id))
		if _, dup := refs[ref]; dup {
			t.Fatalf("ref %d handed out twice", ref)
		}
		refs[ref] = id
	}
	for ref, id := range refs {
		if got := c.Get(ref); len(got) != 1 || got[0].ID.ID != id {
			t.Fatalf("Get(%d) = %v, want %s", ref, got, id)
		}
	}
	for ref := range refs {
		c.Release(ref)
	}
	c.Reclaim()
	if c.Len() != 0 {
		t.Fatalf("len %d", c.Len())
	}
	for i := 0; i < 1000; i++ {
		if ref := c.Intern(acls(1, fmt.Sprintf("digest:v%d:h", i))); ref > 1000 {
			t.Fatalf("ref %d: reclaimed refs not reused", ref)
		}
	}
}

// TestACLCacheConcurrentGet runs readers of stable and released refs
// against an owner that interns, releases and grows the table; run it
// with -race.
func TestACLCacheConcurrentGet(t *testing.T) {
	c := NewACLCache()
	stable := c.Intern(acls(31, "digest:stable:h"))
	released := c.Intern(acls(31, "digest:released:h"))
	refs := make(chan uint32, 64)
	var wg sync.WaitGroup
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ref := range refs {
				got := c.Get(ref)
				if len(got) != 1 || !strings.HasPrefix(got[0].ID.ID, fmt.Sprintf("n%d:", ref)) {
					t.Errorf("Get(%d) = %v", ref, got)
				}
				if g := c.Get(stable); len(g) != 1 || g[0].ID.ID != "stable:h" {
					t.Errorf("Get(stable) = %v", g)
				}
				if g := c.Get(released); len(g) != 1 || g[0].ID.ID != "released:h" {
					t.Errorf("Get(released) = %v", g)
				}
			}
		}()
	}
	c.Release(released) // readers may still hold it: no Reclaim
	for i := 0; i < 2000; i++ {
		// Refs are not reused without Reclaim, so ref numbers are known.
		ref := c.used
		got := c.Intern(acls(31, fmt.Sprintf("digest:n%d:h", ref)))
		if got != ref {
			t.Fatalf("ref %d, want %d", got, ref)
		}
		refs <- ref
		if i%3 == 0 {
			c.Release(ref)
		}
	}
	close(refs)
	wg.Wait()
}

func BenchmarkCheckACL(b *testing.B) {
	acl := acls(1, "world:anyone", 31, "digest:alice:h", 31, "ip:10.0.0.0/8", 31, "ip:2001:db8::/32")
	for _, id := range ids("digest:alice:h", "ip:10.1.2.3", "ip:2001:db8:0:0:0:0:0:1", "ip:192.168.1.1") {
		ids := []zk.Id{id}
		b.Run(id.Scheme+"="+id.ID, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				CheckACL(acl, zk.PermWrite, ids)
			}
		})
	}
}

func BenchmarkFixupACL(b *testing.B) {
	conn := ids("ip:127.0.0.1", "digest:alice:h")
	for _, n := range []int{1, 4, 64} {
		var acl []zk.ACL
		for i := 0; i < n; i++ {
			acl = append(acl, zk.ACL{Perms: zk.PermAll, ID: zk.Id{Scheme: "digest", ID: fmt.Sprintf("u%d:h", i)}})
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := FixupACL(acl, conn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkACLCacheIntern(b *testing.B) {
	for _, n := range []int{1, 4, 16} {
		acl := make([]zk.ACL, n)
		for i := range acl {
			acl[i] = zk.ACL{Perms: zk.PermAll, ID: zk.Id{Scheme: "digest", ID: fmt.Sprintf("user%d:h", i)}}
		}
		b.Run(fmt.Sprintf("hit/%d", n), func(b *testing.B) {
			c := NewACLCache()
			c.Intern(acl)
			b.ReportAllocs()
			for b.Loop() {
				c.Release(c.Intern(acl))
			}
		})
	}
}

// TestFixupACLIPv6FollowsVersion pins the ip provider generation: 3.8 (the
// reference) refuses IPv6 ip ACLs; 3.9.5 accepts them.
func TestFixupACLIPv6FollowsVersion(t *testing.T) {
	in := []zk.ACL{{Perms: zk.PermAll, ID: zk.Id{Scheme: "ip", ID: "2001:db8::/32"}}}
	got, err := FixupACL(in, nil)
	if ipv6ACLs {
		if err != nil || len(got) != 1 {
			t.Fatalf("FixupACL(ipv6) = %v, %v", got, err)
		}
		return
	}
	if err != zk.CodeInvalidACL {
		t.Fatalf("FixupACL(ipv6) = %v, %v; want InvalidACL as ZooKeeper 3.8", got, err)
	}
}
