package zkcli

import (
	"io"
	"strings"

	"github.com/paddockdb/paddock/zk"
)

// parseACL is AclParser.parse: comma-separated scheme:id:perms entries,
// the id being everything between the first and the last colon. Entries
// without two colons and unknown permission letters are reported on errw
// and skipped, as zkCli.sh does (so the list may come out empty).
func parseACL(s string, errw io.Writer) []zk.ACL {
	acl := []zk.ACL{}
	for _, a := range javaSplit(s, ",") {
		first, last := strings.IndexByte(a, ':'), strings.LastIndexByte(a, ':')
		if first == -1 || first == last {
			io.WriteString(errw, a+" does not have the form scheme:id:perm\n")
			continue
		}
		acl = append(acl, zk.ACL{
			ID:    zk.Id{Scheme: a[:first], ID: a[first+1 : last]},
			Perms: parsePerms(a[last+1:], errw),
		})
	}
	return acl
}

// parsePerms is AclParser.getPermFromString.
func parsePerms(s string, errw io.Writer) int32 {
	var perms int32
	for _, c := range s {
		switch c {
		case 'r':
			perms |= zk.PermRead
		case 'w':
			perms |= zk.PermWrite
		case 'c':
			perms |= zk.PermCreate
		case 'd':
			perms |= zk.PermDelete
		case 'a':
			perms |= zk.PermAdmin
		default:
			io.WriteString(errw, "Unknown perm type: "+string(c)+"\n")
		}
	}
	return perms
}

// javaSplit is Java's String.split with a literal separator: trailing
// empty strings are dropped, but "" splits into [""].
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	if s == "" {
		return parts
	}
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	return parts
}
