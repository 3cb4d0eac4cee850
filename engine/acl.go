package engine

// ACL checks and authentication, with the semantics of a ZooKeeper 3.8 server
// in its default configuration: the "ip" and "digest" providers are
// registered, "world:anyone" is built in, and a "super" id bypasses every
// check. Other schemes (sasl, x509, key, ...) have no provider: an ACL naming
// them is invalid in create and setACL, and never matches.
//
// NB: one deliberate extension: ip ACLs and ids may be IPv6, as in ZooKeeper
// 3.9 (ZOOKEEPER-4240). ZooKeeper 3.8 parses IPv4 only, so it rejects an IPv6
// ip ACL with InvalidACL and never matches an IPv6 client. The extension
// changes nothing for IPv4; ipParse's v6 argument selects either behaviour.

import (
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/paddockdb/paddock/zk"
)

// Scheme names of the built-in identities and providers.
const (
	SchemeWorld  = "world"
	SchemeAuth   = "auth"
	SchemeSuper  = "super"
	SchemeDigest = "digest"
	SchemeIP     = "ip"
)

// ipv6ACLs selects the ZooKeeper 3.9 ip provider (IPv4 and IPv6) over the
// 3.8 one (IPv4 only). See the NB at the top of the file.
// Paddock follows 3.8, its reference: "ip" ACLs are IPv4 only and an
// IPv6 one is InvalidACL.
const ipv6ACLs = false

// CheckACL reports whether a client authenticated as ids may do perm on a
// node whose ACL is acl (ZooKeeperServer.checkACL). An empty acl allows
// everything, as does any id of scheme "super". Otherwise some entry must
// share a bit with perm and match: world:anyone matches every client, digest
// entries match an identical digest id, ip entries match an ip id whose
// address equals the entry's or lies in its "addr/bits" prefix. Entries of
// other schemes never match. skipACL is the caller's business.
//
// CheckACL does not allocate.
func CheckACL(acl []zk.ACL, perm int32, ids []zk.Id) bool {
	if len(acl) == 0 {
		return true
	}
	for _, id := range ids {
		if id.Scheme == SchemeSuper {
			return true
		}
	}
	for _, a := range acl {
		if a.Perms&perm == 0 {
			continue
		}
		switch a.ID.Scheme {
		case SchemeWorld:
			if a.ID.ID == "anyone" {
				return true
			}
		case SchemeDigest:
			for _, id := range ids {
				if id.Scheme == SchemeDigest && id.ID == a.ID.ID {
					return true
				}
			}
		case SchemeIP:
			for _, id := range ids {
				if id.Scheme == SchemeIP && ipMatches(id.ID, a.ID.ID, ipv6ACLs) {
					return true
				}
			}
		}
	}
	return false
}

// FixupACL validates and expands the ACL of a create or setACL request
// (PrepRequestProcessor.fixupACL). ids are the client's authentication ids,
// in the connection's order (see AddAuthInfo). It returns zk.CodeInvalidACL
// when:
//   - acl is empty;
//   - an entry is world:x with x other than "anyone";
//   - an entry is auth:x (x is ignored) and ids hold no id of an
//     authenticating provider (digest; ip ids do not count, nor does super);
//   - a digest id does not split into exactly two fields at ':' (Java's
//     String.split, which drops trailing empty fields: "u:h:" is valid,
//     "u:" and "u::h" are not); the hash itself is not checked;
//   - an ip id is not an address, or "address/bits" with 0 <= bits <= 32
//     (128 for IPv6);
//   - the scheme is anything else.
//
// Each auth entry is replaced by one entry per authenticating id, with the
// entry's perms. Exact duplicates in acl are dropped first, keeping the first
// occurrence (ZOOKEEPER-1877); as in ZooKeeper, duplicates created by the
// expansion are kept. Perms are not validated.
//
// The result may share acl's backing array when no entry changed.
func FixupACL(acl []zk.ACL, ids []zk.Id) ([]zk.ACL, error) {
	uniq := removeDuplicateACLs(acl)
	if len(uniq) == 0 {
		return nil, zk.CodeInvalidACL
	}
	var rv []zk.ACL
	for i, a := range uniq {
		switch {
		case a.ID.Scheme == SchemeWorld && a.ID.ID == "anyone":
		case a.ID.Scheme == SchemeAuth:
			if rv == nil {
				rv = append(make([]zk.ACL, 0, len(uniq)+len(ids)), uniq[:i]...)
			}
			found := false
			for _, id := range ids {
				if isAuthenticatedScheme(id.Scheme) {
					found = true
					rv = append(rv, zk.ACL{Perms: a.Perms, ID: id})
				}
			}
			if !found {
				return nil, zk.CodeInvalidACL
			}
			continue
		case a.ID.Scheme == SchemeDigest:
			if !digestValid(a.ID.ID) {
				return nil, zk.CodeInvalidACL
			}
		case a.ID.Scheme == SchemeIP:
			if !ipValid(a.ID.ID, ipv6ACLs) {
				return nil, zk.CodeInvalidACL
			}
		default:
			return nil, zk.CodeInvalidACL
		}
		if rv != nil {
			rv = append(rv, a)
		}
	}
	if rv == nil {
		return uniq, nil
	}
	return rv, nil
}

// removeDuplicateACLs drops exact repeats, keeping first occurrences in
// order. It returns acl itself when there are none.
func removeDuplicateACLs(acl []zk.ACL) []zk.ACL {
	// NB: ZooKeeper uses List.contains, quadratic in the list length; a
	// request may carry tens of thousands of entries, so long lists use a map.
	const linear = 16
	dup := -1
	if len(acl) <= linear {
	outer:
		for i := 1; i < len(acl); i++ {
			for j := 0; j < i; j++ {
				if acl[i] == acl[j] {
					dup = i
					break outer
				}
			}
		}
	} else {
		seen := make(map[zk.ACL]struct{}, len(acl))
		for i, a := range acl {
			if _, ok := seen[a]; ok {
				dup = i
				break
			}
			seen[a] = struct{}{}
		}
	}
	if dup < 0 {
		return acl
	}
	out := make([]zk.ACL, 0, len(acl)-1)
	seen := make(map[zk.ACL]struct{}, len(acl))
	for _, a := range acl {
		if _, ok := seen[a]; !ok {
			seen[a] = struct{}{}
			out = append(out, a)
		}
	}
	return out
}

// isAuthenticatedScheme reports AuthenticationProvider.isAuthenticated for
// the provider of scheme: whether its ids identify the creator of a node and
// so expand an auth ACL entry. Schemes without a provider (super) are
// skipped, as ZooKeeper does after logging an error.
func isAuthenticatedScheme(scheme string) bool { return scheme == SchemeDigest }

// digestValid is DigestAuthenticationProvider.isValid: id.split(":") yields
// exactly two fields. Java drops trailing empty fields, so "u:h::" has two.
func digestValid(id string) bool {
	id = strings.TrimRight(id, ":")
	// ":::" trims to "", which Java splits into no fields at all.
	return id != "" && strings.Count(id, ":") == 1
}

// Digest returns ZooKeeper's digest id for "user:password"
// (DigestAuthenticationProvider.generateDigest): the text before the first
// ':' (all of it when there is none), a ':', and the base64 of the SHA-1 of
// the whole string.
//
// NB: the server decodes auth bytes into a Java string before hashing its
// UTF-8 encoding, so invalid UTF-8 is hashed as Java 17's decoder repairs it
// (see javaUTF8). This assumes the JVM's default charset is UTF-8, as
// ZooKeeper uses new String(authData); under another default charset
// non-ASCII passwords hash differently on a Java server.
func Digest(userPassword string) string {
	s := javaUTF8(userPassword)
	sum := sha1.Sum([]byte(s))
	user, _, _ := strings.Cut(s, ":")
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// javaUTF8 returns s as Java 17's new String(bytes, UTF_8) reads it
// (String.decodeUTF8_UTF16), re-encoded as UTF-8: valid UTF-8 is kept and
// ill-formed sequences become U+FFFD. Java mostly replaces each maximal
// subpart of an ill-formed sequence, but not always: an encoded surrogate
// ("\xed\xa0\x80") is one replacement, not three, and "\xed\xa0" before a
// non-continuation byte is one, not two.
func javaUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	const repl = "\uFFFD"
	notCont := func(b byte) bool { return b&0xC0 != 0x80 }
	var out strings.Builder
	out.Grow(len(s) + 8)
	sl := len(s)
loop:
	for sp := 0; sp < sl; {
		b1 := s[sp]
		sp++
		switch {
		case b1 < 0x80:
			out.WriteByte(b1)
		case b1>>5 == 0x6 && b1&0x1E != 0: // C2..DF
			if sp < sl {
				if notCont(s[sp]) {
					out.WriteString(repl)
				} else {
					out.WriteString(s[sp-1 : sp+1])
					sp++
				}
				continue
			}
			out.WriteString(repl)
			break loop
		case b1>>4 == 0xE: // E0..EF
			if sp+1 < sl {
				b2, b3 := s[sp], s[sp+1]
				switch {
				case b1 == 0xE0 && b2&0xE0 == 0x80, notCont(b2):
					out.WriteString(repl)
				case notCont(b3):
					out.WriteString(repl)
					sp++
				case b1 == 0xED && b2 >= 0xA0: // a surrogate
					out.WriteString(repl)
					sp += 2
				default:
					out.WriteString(s[sp-1 : sp+2])
					sp += 2
				}
				continue
			}
			out.WriteString(repl)
			if sp < sl && (b1 == 0xE0 && s[sp]&0xE0 == 0x80 || notCont(s[sp])) {
				continue
			}
			break loop
		case b1>>3 == 0x1E: // F0..F7
			if sp+2 < sl {
				b2, b3, b4 := s[sp], s[sp+1], s[sp+2]
				uc := rune(b1&7)<<18 | rune(b2&0x3F)<<12 | rune(b3&0x3F)<<6 | rune(b4&0x3F)
				if notCont(b2) || notCont(b3) || notCont(b4) || uc < 0x10000 || uc > 0x10FFFF {
					out.WriteString(repl)
					// String.malformed4
					if !(b1 > 0xF4 || b1 == 0xF0 && (b2 < 0x90 || b2 > 0xBF) ||
						b1 == 0xF4 && b2&0xF0 != 0x80 || notCont(b2)) {
						sp++
						if !notCont(b3) {
							sp++
						}
					}
				} else {
					out.WriteString(s[sp-1 : sp+3])
					sp += 3
				}
				continue
			}
			out.WriteString(repl)
			if b1 > 0xF4 || sp < sl && (b1 == 0xF0 && (s[sp] < 0x90 || s[sp] > 0xBF) ||
				b1 == 0xF4 && s[sp]&0xF0 != 0x80 || notCont(s[sp])) {
				continue
			}
			sp++
			if sp < sl && notCont(s[sp]) {
				continue
			}
			break loop
		default:
			out.WriteString(repl)
		}
	}
	return out.String()
}

// Authenticate handles an auth packet (ZooKeeperServer.processPacket with
// the default providers): it returns the ids to add to the connection, in
// the order ZooKeeper adds them, or zk.CodeAuthFailed; on failure ZooKeeper
// answers AuthFailed and closes the connection.
//   - digest: auth is "user:password"; the ids are super (Id{"super", ""})
//     when Digest(auth) equals superDigest, then Id{"digest", Digest(auth)}.
//     superDigest is the configured "super:<base64 sha1>", empty for none.
//     Any bytes are accepted, even without a ':'.
//   - ip: auth is ignored; the id is IPID(remoteIP), which the connection
//     already holds.
//   - any other scheme, including world, auth and super: CodeAuthFailed.
func Authenticate(scheme string, auth []byte, remoteIP string, superDigest string) ([]zk.Id, error) {
	switch scheme {
	case SchemeDigest:
		d := Digest(string(auth))
		if superDigest != "" && d == superDigest {
			return []zk.Id{{Scheme: SchemeSuper}, {Scheme: SchemeDigest, ID: d}}, nil
		}
		return []zk.Id{{Scheme: SchemeDigest, ID: d}}, nil
	case SchemeIP:
		return []zk.Id{IPID(remoteIP)}, nil
	}
	return nil, zk.CodeAuthFailed
}

// IPID returns the id every connection gets when it is accepted:
// Id{"ip", address} with the address formatted as Java's getHostAddress
// does: dotted quad for IPv4 (also for IPv4-mapped IPv6, which Java turns
// into an Inet4Address), and eight uncompressed lower-case hex groups for
// IPv6 ("0:0:0:0:0:0:0:1"), followed by "%zone" when there is one.
// remoteIP is an address, or an address and port; anything unparsable is
// used verbatim.
//
// NB: Java prints the zone of an accepted socket as its numeric scope id,
// while Go reports the interface name when it knows it. No ip ACL can match
// an address with a zone, so only whoAmI sees the difference.
func IPID(remoteIP string) zk.Id {
	addr, err := netip.ParseAddr(remoteIP)
	if err != nil {
		ap, err := netip.ParseAddrPort(remoteIP)
		if err != nil {
			return zk.Id{Scheme: SchemeIP, ID: remoteIP}
		}
		addr = ap.Addr()
	}
	return zk.Id{Scheme: SchemeIP, ID: javaHostAddress(addr)}
}

func javaHostAddress(a netip.Addr) string {
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is4() {
		return a.String()
	}
	b := a.As16()
	buf := make([]byte, 0, 40)
	for i := 0; i < 16; i += 2 {
		if i > 0 {
			buf = append(buf, ':')
		}
		buf = strconv.AppendUint(buf, uint64(b[i])<<8|uint64(b[i+1]), 16)
	}
	if z := a.Zone(); z != "" {
		buf = append(buf, '%')
		buf = append(buf, z...)
	}
	return string(buf)
}

// ClientInfos returns the whoAmI answer for a connection's ids
// (AuthUtil.getClientInfos): one entry per id, in the given order, with the
// provider's user name: for digest the text before the first ':', for ip
// the address. Schemes without a provider, such as super, are listed with
// an empty user.
func ClientInfos(ids []zk.Id) []zk.ClientInfo {
	out := make([]zk.ClientInfo, len(ids))
	for i, id := range ids {
		out[i].AuthScheme = id.Scheme
		switch id.Scheme {
		case SchemeDigest:
			out[i].User, _, _ = strings.Cut(id.ID, ":")
		case SchemeIP:
			out[i].User = id.ID
		}
	}
	return out
}

// AddAuthInfo returns ids with each of add appended unless already present,
// ordered as ZooKeeper orders a connection's ids. ZooKeeper keeps them in a
// set backed by a ConcurrentHashMap (ServerCnxn.authInfo), so a request sees
// them in hash-table order, and that order shows in whoAmI answers and in
// the entries an auth ACL expands to. ids must be in that order already: a
// connection starts from AddAuthInfo(nil, IPID(addr)) and adds the result
// of each Authenticate.
//
// AddAuthInfo never writes to ids' backing array, so a request may keep the
// slice it was given while the connection adds more.
//
// NB: the model is exact for Java 17's ConcurrentHashMap without removals
// (ids are never removed) as long as no bin of the table reaches nine ids,
// where the JDK would resize early and then convert bins to trees. That
// takes nine colliding ids; a connection normally holds two or three.
func AddAuthInfo(ids []zk.Id, add ...zk.Id) []zk.Id {
	out := ids
	for _, id := range add {
		if !slices.Contains(out, id) {
			out = chmInsert(out, id)
		}
	}
	return out
}

// chmInsert inserts id into the ConcurrentHashMap whose iteration order is
// ids, and returns the new iteration order in a new slice.
func chmInsert(ids []zk.Id, id zk.Id) []zk.Id {
	// Without removals the table size follows from the count: it starts at
	// 16 and doubles when the count reaches 3/4 of it.
	n := 16
	for len(ids) >= n-n/4 {
		n *= 2
	}
	type node struct {
		hash int32
		id   zk.Id
	}
	bins := make([][]node, n)
	for _, x := range ids {
		h := chmSpread(javaIDHash(x))
		bins[h&int32(n-1)] = append(bins[h&int32(n-1)], node{h, x})
	}
	h := chmSpread(javaIDHash(id))
	bins[h&int32(n-1)] = append(bins[h&int32(n-1)], node{h, id})
	for count := len(ids) + 1; count >= n-n/4; n *= 2 {
		// ConcurrentHashMap.transfer: each bin splits into a low and a high
		// bin. The tail after the last change of the split bit (lastRun)
		// keeps its order; the nodes before it are prepended one by one.
		next := make([][]node, 2*n)
		for i, f := range bins {
			if len(f) == 0 {
				continue
			}
			runBit, lastRun := f[0].hash&int32(n), 0
			for j := 1; j < len(f); j++ {
				if b := f[j].hash & int32(n); b != runBit {
					runBit, lastRun = b, j
				}
			}
			var lo, hi []node
			if runBit == 0 {
				lo = slices.Clone(f[lastRun:])
			} else {
				hi = slices.Clone(f[lastRun:])
			}
			for j := 0; j < lastRun; j++ {
				if f[j].hash&int32(n) == 0 {
					lo = slices.Insert(lo, 0, f[j])
				} else {
					hi = slices.Insert(hi, 0, f[j])
				}
			}
			next[i], next[i+n] = lo, hi
		}
		bins = next
	}
	out := make([]zk.Id, 0, len(ids)+1)
	for _, b := range bins {
		for _, x := range b {
			out = append(out, x.id)
		}
	}
	return out
}

// chmSpread is ConcurrentHashMap.spread.
func chmSpread(h int32) int32 { return (h ^ int32(uint32(h)>>16)) & 0x7fffffff }

// javaIDHash is the jute-generated Id.hashCode.
func javaIDHash(id zk.Id) int32 {
	return 37*(37*17+javaStringHash(id.Scheme)) + javaStringHash(id.ID)
}

// javaStringHash is String.hashCode of the Java string decoded from s.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range javaUTF8(s) {
		if r >= 0x10000 {
			r1, r2 := utf16.EncodeRune(r)
			h = 31*h + r1
			r = r2
		}
		h = 31*h + r
	}
	return h
}

// ipValid is IPAuthenticationProvider.isValid.
func ipValid(expr string, v6 bool) bool {
	_, _, ok := ipExpr(expr, v6)
	return ok
}

// ipMatches is IPAuthenticationProvider.matches: whether the client address
// id lies in expr, an address or "address/bits". Both are parsed as Java
// does it; an IPv4 expression never matches an IPv6 client and vice versa.
func ipMatches(id, expr string, v6 bool) bool {
	want, bits, ok := ipExpr(expr, v6)
	if !ok {
		return false
	}
	got, ok := ipParse(id, v6)
	if !ok || got.n != want.n {
		return false
	}
	got.mask(bits)
	return got == want
}

// ipAddr is an address as IPAuthenticationProvider.addr2Bytes returns it: n
// is 4 or 16 bytes.
type ipAddr struct {
	b [16]byte
	n int
}

func (a *ipAddr) mask(bits int) {
	for i := 0; i < a.n; i++ {
		switch {
		case bits >= 8:
			bits -= 8
		case bits > 0:
			a.b[i] &= ^byte(0xFF >> bits)
			bits = 0
		default:
			a.b[i] = 0
		}
	}
}

// ipExpr parses an ip ACL id: an address, optionally followed by "/bits"
// (split at the first '/'). The address comes back masked.
func ipExpr(expr string, v6 bool) (ipAddr, int, bool) {
	s, bitsText, hasBits := strings.Cut(expr, "/")
	a, ok := ipParse(s, v6)
	if !ok {
		return a, 0, false
	}
	bits := a.n * 8
	if hasBits {
		v, ok := javaParseInt(bitsText, 10)
		if !ok || v < 0 || int(v) > a.n*8 {
			return a, 0, false
		}
		bits = int(v)
	}
	a.mask(bits)
	return a, bits, true
}

// ipParse is IPAuthenticationProvider.addr2Bytes. With v6 (3.9) a string
// holding ':' is IPv6 and one holding '.' IPv4; without it (3.8) everything
// is parsed as IPv4.
func ipParse(s string, v6 bool) (ipAddr, bool) {
	if v6 && strings.Contains(s, ":") {
		return ipParse6(s)
	}
	if v6 && !strings.Contains(s, ".") {
		return ipAddr{}, false
	}
	return ipParse4(s)
}

// ipParse4 is v4addr2Bytes: four '.'-separated Integer.parseInt values in
// 0..255, so "010.+1.0.1" is 10.1.0.1.
func ipParse4(s string) (a ipAddr, ok bool) {
	a.n = 4
	// Fast path for ASCII digits and dots.
	i, v, digits := 0, 0, 0
	for j := 0; j < len(s); j++ {
		switch c := s[j]; {
		case c >= '0' && c <= '9':
			if v = v*10 + int(c-'0'); v > 255 {
				return a, false
			}
			digits++
		case c == '.':
			if digits == 0 || i == 3 {
				return a, false
			}
			a.b[i] = byte(v)
			i, v, digits = i+1, 0, 0
		default:
			return ipParse4Slow(s)
		}
	}
	if i != 3 || digits == 0 {
		return a, false
	}
	a.b[3] = byte(v)
	return a, true
}

func ipParse4Slow(s string) (a ipAddr, ok bool) {
	a.n = 4
	for i := 0; i < 4; i++ {
		part, rest, found := strings.Cut(s, ".")
		if found == (i == 3) {
			return a, false
		}
		v, ok := javaParseInt(part, 10)
		if !ok || v < 0 || v > 255 {
			return a, false
		}
		a.b[i] = byte(v)
		s = rest
	}
	return a, true
}

// ipParse6 is ZooKeeper 3.9's parseV6addr: up to eight ':'-separated groups
// of at most four characters, each an Integer.parseInt(group, 16) whose low
// 16 bits are kept (so "-1" is ffff), with at most one "::". Embedded IPv4
// and zones are not accepted.
func ipParse6(s string) (ipAddr, bool) {
	a := ipAddr{n: 16}
	head, tail, compressed := strings.Cut(s, "::")
	if compressed && strings.Contains(tail, "::") {
		return a, false
	}
	var hs, ts [8]string
	nh, nt, ok := 0, 0, true
	if !compressed {
		if nh, ok = splitColons(head, hs[:]); !ok || nh != 8 {
			return a, false
		}
	} else {
		if head != "" {
			if nh, ok = splitColons(head, hs[:]); !ok {
				return a, false
			}
		}
		if tail != "" {
			if nt, ok = splitColons(tail, ts[:]); !ok {
				return a, false
			}
		}
		if nh+nt >= 8 {
			return a, false
		}
	}
	if !a.putGroups(0, hs[:nh]) || !a.putGroups(16-2*nt, ts[:nt]) {
		return a, false
	}
	return a, true
}

// splitColons splits s at every ':' into dst, and reports false if there
// are more fields than dst holds.
func splitColons(s string, dst []string) (int, bool) {
	for n := 0; n < len(dst); n++ {
		f, rest, found := strings.Cut(s, ":")
		dst[n] = f
		if !found {
			return n + 1, true
		}
		s = rest
	}
	return len(dst), false
}

// putGroups stores IPv6 groups from byte i on, as parseV6Segment does.
func (a *ipAddr) putGroups(i int, groups []string) bool {
	for _, g := range groups {
		if g == "" || utf16Len(g) > 4 {
			return false
		}
		v, ok := javaParseInt(g, 16)
		if !ok {
			return false
		}
		a.b[i], a.b[i+1] = byte(v>>8), byte(v)
		i += 2
	}
	return true
}

// utf16Len is the length of the Java string decoded from s.
func utf16Len(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			n := 0
			for _, r := range javaUTF8(s) {
				n++
				if r >= 0x10000 {
					n++
				}
			}
			return n
		}
	}
	return len(s)
}

// javaParseInt is Integer.parseInt(s, radix) for radix 10 or 16: an
// optional '+' or '-' and at least one digit, within int32. Digits are those
// of Character.digit, which includes non-ASCII decimal digits ("١٠" is 10)
// and, for radix 16, full-width Latin letters.
func javaParseInt(s string, radix int32) (int32, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	var v int64
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return javaParseIntSlow(s, radix, neg)
		}
		d := javaDigit(rune(s[i]), radix)
		if d < 0 {
			return 0, false
		}
		if v = v*int64(radix) + int64(d); v > 1<<31 {
			return 0, false
		}
	}
	return javaParseIntEnd(v, neg)
}

// javaParseIntSlow is javaParseInt for digits that are not all ASCII.
func javaParseIntSlow(s string, radix int32, neg bool) (int32, bool) {
	var v int64
	for _, r := range javaUTF8(s) {
		d := javaDigit(r, radix)
		if d < 0 {
			return 0, false
		}
		if v = v*int64(radix) + int64(d); v > 1<<31 {
			return 0, false
		}
	}
	return javaParseIntEnd(v, neg)
}

func javaParseIntEnd(v int64, neg bool) (int32, bool) {
	if neg {
		v = -v
	}
	if v > 1<<31-1 {
		return 0, false
	}
	return int32(v), true
}

// javaDigit is Character.digit(char, radix) for radix <= 36, or -1.
func javaDigit(r rune, radix int32) int32 {
	var d int32 = -1
	switch {
	case r >= '0' && r <= '9':
		d = r - '0'
	case r >= 'a' && r <= 'z':
		d = r - 'a' + 10
	case r >= 'A' && r <= 'Z':
		d = r - 'A' + 10
	case r >= 0xFF21 && r <= 0xFF3A: // full-width A-Z
		d = r - 0xFF21 + 10
	case r >= 0xFF41 && r <= 0xFF5A: // full-width a-z
		d = r - 0xFF41 + 10
	case r < 0x10000 && unicode.IsDigit(r):
		// Unicode assigns decimal digits in runs of ten, 0 to 9, so a
		// digit's value is its distance from the start of its run, mod 10.
		start := r
		for start > 0 && unicode.IsDigit(start-1) {
			start--
		}
		d = (r - start) % 10
	}
	if d >= radix {
		return -1
	}
	return d
}

// OpenACLRef is the ACLCache reference of the open ACL, world:anyone with
// every permission (zk.OpenACLUnsafe). It is never counted.
const OpenACLRef uint32 = 0

// ACLCache interns ACLs, so that the many znodes sharing an ACL store a
// 4-byte reference to one copy (ZooKeeper's ReferenceCountedACLCache). Each
// distinct ACL, compared entry by entry in order, has one reference, counted
// by Intern and Retain and uncounted by Release.
//
// ACLCache is not safe for concurrent use, with one exception: Get may run
// on any goroutine concurrently with the owner's calls, for a ref the reader
// learnt through a happens-before edge from the owner (such as reading the
// node that holds it) and that the owner has not reclaimed since. A ref whose
// count drops to zero keeps resolving to its ACL until the owner calls
// Reclaim; only then may the ref be reused for another ACL. So a reader of
// an older version of the tree is never handed the wrong ACL, provided the
// owner calls Reclaim only when no such reader remains. Reclaim is optional:
// without it released refs and their ACLs are kept, and the same ACL
// interned again gets its old ref back.
//
// The slices returned by Get are shared and must not be modified.
type ACLCache struct {
	// slots maps a ref to its entry. The owner publishes a grown copy when
	// the slice is full; entries are immutable.
	slots atomic.Pointer[[]atomic.Pointer[aclEntry]]
	used  uint32    // refs below used have been handed out
	meta  []aclMeta // per ref, owner only
	index map[string]uint32
	limbo []uint32 // refs whose count dropped to zero, not yet reclaimed
	free  []uint32 // reclaimed refs, reusable
	live  int      // refs with a non-zero count
	key   []byte   // scratch for index keys
}

type aclEntry struct {
	acl []zk.ACL
	key string
}

type aclMeta struct {
	refs  uint64
	limbo bool
}

// NewACLCache returns an empty cache holding only the open ACL, under
// OpenACLRef.
func NewACLCache() *ACLCache {
	c := &ACLCache{index: make(map[string]uint32)}
	slots := make([]atomic.Pointer[aclEntry], 64)
	slots[OpenACLRef].Store(&aclEntry{acl: zk.OpenACLUnsafe()})
	c.slots.Store(&slots)
	c.used = 1
	c.meta = make([]aclMeta, 1, 64)
	return c
}

// Intern returns the reference of acl, counting one more use of it. The
// open ACL is OpenACLRef. acl is copied when new, so the caller may reuse
// it. An empty acl is an ACL like any other; nil and empty are the same.
func (c *ACLCache) Intern(acl []zk.ACL) uint32 {
	if len(acl) == 1 && acl[0] == (zk.ACL{Perms: zk.PermAll, ID: zk.AnyoneID}) {
		return OpenACLRef
	}
	c.key = appendACLKey(c.key[:0], acl)
	if ref, ok := c.index[string(c.key)]; ok {
		c.retain(ref)
		return ref
	}
	var ref uint32
	if n := len(c.free); n > 0 {
		ref = c.free[n-1]
		c.free = c.free[:n-1]
	} else {
		if c.used == 1<<32-1 {
			panic("engine: ACLCache: out of references")
		}
		ref = c.used
		c.used++
		c.meta = append(c.meta, aclMeta{})
		if slots := *c.slots.Load(); int(ref) >= len(slots) {
			grown := make([]atomic.Pointer[aclEntry], 2*len(slots))
			for i := range slots {
				grown[i].Store(slots[i].Load())
			}
			c.slots.Store(&grown)
		}
	}
	// Deep copy: the caller's strings may alias a request frame or a log
	// buffer that is about to be reused.
	own := make([]zk.ACL, len(acl))
	for i, a := range acl {
		own[i] = zk.ACL{Perms: a.Perms, ID: zk.Id{Scheme: strings.Clone(a.ID.Scheme), ID: strings.Clone(a.ID.ID)}}
	}
	e := &aclEntry{acl: own, key: string(c.key)}
	(*c.slots.Load())[ref].Store(e)
	c.index[e.key] = ref
	c.meta[ref] = aclMeta{refs: 1}
	c.live++
	return ref
}

// appendACLKey appends an unambiguous encoding of acl.
func appendACLKey(dst []byte, acl []zk.ACL) []byte {
	for _, a := range acl {
		dst = binary.BigEndian.AppendUint32(dst, uint32(a.Perms))
		dst = binary.AppendUvarint(dst, uint64(len(a.ID.Scheme)))
		dst = append(dst, a.ID.Scheme...)
		dst = binary.AppendUvarint(dst, uint64(len(a.ID.ID)))
		dst = append(dst, a.ID.ID...)
	}
	return dst
}

// Get returns the ACL of ref, or nil if ref is not in use. See ACLCache for
// when it may run concurrently with the owner.
func (c *ACLCache) Get(ref uint32) []zk.ACL {
	slots := *c.slots.Load()
	if int64(ref) >= int64(len(slots)) {
		return nil
	}
	if e := slots[ref].Load(); e != nil {
		return e.acl
	}
	return nil
}

// Retain counts one more use of ref, as Intern of its ACL would.
// REQUIRES: ref came from Intern and has not been reclaimed.
func (c *ACLCache) Retain(ref uint32) {
	if ref == OpenACLRef {
		return
	}
	if ref >= c.used || (c.meta[ref].refs == 0 && !c.meta[ref].limbo) {
		panic("engine: ACLCache.Retain of a reference not in use")
	}
	c.retain(ref)
}

func (c *ACLCache) retain(ref uint32) {
	if c.meta[ref].refs == 0 {
		c.live++
	}
	c.meta[ref].refs++
}

// Release counts one use of ref less. At zero the ref stops counting as in
// use but keeps its ACL until Reclaim.
// REQUIRES: ref is in use (its count is not zero).
func (c *ACLCache) Release(ref uint32) {
	if ref == OpenACLRef {
		return
	}
	if ref >= c.used || c.meta[ref].refs == 0 {
		panic("engine: ACLCache.Release of a reference not in use")
	}
	m := &c.meta[ref]
	m.refs--
	if m.refs == 0 {
		c.live--
		if !m.limbo {
			m.limbo = true
			c.limbo = append(c.limbo, ref)
		}
	}
}

// Reclaim frees the refs released to zero since the last Reclaim and not
// interned or retained again since, so they can be reused.
// REQUIRES: no reader will call Get with any of those refs any more.
func (c *ACLCache) Reclaim() {
	slots := *c.slots.Load()
	for _, ref := range c.limbo {
		m := &c.meta[ref]
		m.limbo = false
		if m.refs != 0 {
			continue
		}
		delete(c.index, slots[ref].Load().key)
		slots[ref].Store(nil)
		c.free = append(c.free, ref)
	}
	c.limbo = c.limbo[:0]
}

// Len returns the number of distinct ACLs in use, not counting the open ACL.
func (c *ACLCache) Len() int { return c.live }

// Refs returns the use count of ref (0 for OpenACLRef, which is not
// counted, and for refs not in use).
func (c *ACLCache) Refs(ref uint32) uint64 {
	if ref == OpenACLRef || ref >= c.used {
		return 0
	}
	return c.meta[ref].refs
}
