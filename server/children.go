package server

import (
	"errors"
	"strings"
	"unsafe"

	"github.com/paddockdb/paddock/zk"
)

// The encoded listings of wide parents. The engine keeps a wide parent's
// child names in one slice until a child comes or goes (engine.Tree's
// cache); the core keeps that slice's jute encoding beside it, so a
// getChildren of an unchanged 10,000-child parent costs one copy of the
// encoded bytes instead of encoding 10,000 strings.

// childrenCacheMax bounds the number of cached listings; past it the
// cache starts again empty.
const childrenCacheMax = 256

type encodedChildren struct {
	src []string // the engine's slice the encoding is of (identity check)
	enc []byte   // AppendStrings(nil, src)
}

// encodeChildren returns the jute encoding of children, the listing of
// path, from the cache when the engine's listing is the one encoded.
// Narrow listings are encoded by the caller, as any record.
func (k *core) encodeChildren(path string, children []string) []byte {
	if len(children) < 32 {
		return nil
	}
	if e, ok := k.childEnc[path]; ok && len(e.src) == len(children) &&
		unsafe.SliceData(e.src) == unsafe.SliceData(children) {
		return e.enc
	}
	if k.childEnc == nil || len(k.childEnc) >= childrenCacheMax {
		k.childEnc = make(map[string]encodedChildren)
	}
	enc := zk.AppendStrings(nil, children)
	// NB: path may alias the request's buffer; the key must not.
	k.childEnc[strings.Clone(path)] = encodedChildren{src: children, enc: enc}
	return enc
}

// childrenBody is a getChildren reply body from an encoded listing.
// errEncodeOnly: these bodies are only ever sent.
var errEncodeOnly = errors.New("server: an encoded reply body cannot be decoded")

type childrenBody struct{ enc []byte }

func (r *childrenBody) Append(dst []byte) []byte { return append(dst, r.enc...) }
func (r *childrenBody) Decode(d *zk.Decoder)     { d.Fail(errEncodeOnly) }

// children2Body is a getChildren2 reply body from an encoded listing.
type children2Body struct {
	enc  []byte
	stat zk.Stat
}

func (r *children2Body) Append(dst []byte) []byte { return r.stat.Append(append(dst, r.enc...)) }
func (r *children2Body) Decode(d *zk.Decoder)     { d.Fail(errEncodeOnly) }
