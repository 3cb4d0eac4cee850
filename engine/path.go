package engine

import (
	"errors"
	"unicode/utf8"
)

// ValidatePath checks a znode path as ZooKeeper's PathUtils.validatePath
// does: absolute, no empty, "." or ".." components, no trailing slash (but
// for the root), and none of the characters ZooKeeper forbids.
func ValidatePath(p string) error {
	if p == "" {
		return errors.New("path length must be > 0")
	}
	if p[0] != '/' {
		return errors.New("path must start with / character")
	}
	if len(p) == 1 {
		return nil
	}
	if p[len(p)-1] == '/' {
		return errors.New("path must not end with / character")
	}
	last := '/'
	for i, c := range p {
		if i == 0 {
			continue
		}
		switch {
		case c == 0:
			return errors.New("null character not allowed")
		case c == '/' && last == '/':
			return errors.New("empty node name specified")
		case c == '.' && last == '.':
			if p[i-2] == '/' && (i+1 == len(p) || p[i+1] == '/') {
				return errors.New("relative paths not allowed")
			}
		case c == '.':
			if p[i-1] == '/' && (i+1 == len(p) || p[i+1] == '/') {
				return errors.New("relative paths not allowed")
			}
		case c == utf8.RuneError:
			return errors.New("invalid character")
		case c > 0x00 && c <= 0x1f, c >= 0x7f && c <= 0x9f,
			c >= 0xd800 && c <= 0xf8ff, c >= 0xfff0:
			// Above U+FFFF Java sees a surrogate pair, which is refused.
			return errors.New("invalid character")
		}
		last = c
	}
	return nil
}
