package main

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decoder returns the function that turns rule files of the encoding
// named by -e (--encoding, as sigma-cli's: Python's codec names) into
// UTF-8 text; nil for UTF-8, which the parser reads as it is.
func decoder(name string) (func([]byte) ([]byte, error), error) {
	switch strings.ReplaceAll(strings.ToLower(strings.TrimSpace(name)), "_", "-") {
	case "utf-8", "utf8", "u8":
		return nil, nil
	case "utf-8-sig":
		return func(src []byte) ([]byte, error) { return bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")), nil }, nil
	case "ascii", "us-ascii":
		return decodeASCII, nil
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1":
		return decodeLatin1, nil
	case "utf-16":
		return func(src []byte) ([]byte, error) { return decodeUTF16(src, false, true) }, nil
	case "utf-16-le", "utf-16le":
		return func(src []byte) ([]byte, error) { return decodeUTF16(src, false, false) }, nil
	case "utf-16-be", "utf-16be":
		return func(src []byte) ([]byte, error) { return decodeUTF16(src, true, false) }, nil
	}
	return nil, usagef("encoding %q: expected utf-8, utf-8-sig, utf-16, utf-16-le, utf-16-be, latin-1 or ascii", name)
}

func decodeASCII(src []byte) ([]byte, error) {
	for i, b := range src {
		if b >= utf8.RuneSelf {
			return nil, fmt.Errorf("byte 0x%02x at offset %d is not ASCII (-e ascii): give the file's encoding with -e", b, i)
		}
	}
	return src, nil
}

func decodeLatin1(src []byte) ([]byte, error) {
	out := make([]byte, 0, len(src))
	for _, b := range src {
		out = utf8.AppendRune(out, rune(b))
	}
	return out, nil
}

// decodeUTF16 reads UTF-16 text; with bom, a byte order mark says the
// order (big-endian without one, as Python's codec).
func decodeUTF16(src []byte, bigEndian, bom bool) ([]byte, error) {
	if bom && len(src) >= 2 {
		switch {
		case src[0] == 0xff && src[1] == 0xfe:
			src, bigEndian = src[2:], false
		case src[0] == 0xfe && src[1] == 0xff:
			src, bigEndian = src[2:], true
		}
	}
	if len(src)%2 != 0 {
		return nil, fmt.Errorf("not UTF-16 text: an odd number of bytes (-e %s)", map[bool]string{true: "utf-16-be", false: "utf-16-le"}[bigEndian])
	}
	units := make([]uint16, len(src)/2)
	for i := range units {
		hi, lo := src[2*i+1], src[2*i]
		if bigEndian {
			hi, lo = lo, hi
		}
		units[i] = uint16(hi)<<8 | uint16(lo)
	}
	out := make([]byte, 0, len(src))
	for _, r := range utf16.Decode(units) {
		out = utf8.AppendRune(out, r)
	}
	return out, nil
}
