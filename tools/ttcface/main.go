// Command ttcface copies one face out of an OpenType collection (.ttc) into
// a standalone .otf/.ttf, because Fyne refuses collections as theme fonts.
//
//	go run ./tools/ttcface -family "Noto Sans CJK SC" \
//	    /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc assets/fonts/NotoSansCJKsc-Regular.otf
package main

import (
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"unicode/utf16"
)

type table struct {
	tag              string
	checksum, offset uint32
	length           uint32
}

func main() {
	family := flag.String("family", "Noto Sans CJK SC", "family name of the face to extract")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: ttcface [-family NAME] IN.ttc OUT.otf")
		os.Exit(2)
	}
	if err := run(flag.Arg(0), flag.Arg(1), *family); err != nil {
		fmt.Fprintln(os.Stderr, "ttcface:", err)
		os.Exit(1)
	}
}

func run(in, out, family string) error {
	data, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	if len(data) < 12 || string(data[:4]) != "ttcf" {
		return errors.New("not a font collection")
	}
	n := int(binary.BigEndian.Uint32(data[8:]))
	for i := 0; i < n; i++ {
		off := binary.BigEndian.Uint32(data[12+4*i:])
		tables, sfntVersion, err := readDir(data, off)
		if err != nil {
			return err
		}
		if familyName(data, tables) == family {
			return os.WriteFile(out, build(data, sfntVersion, tables), 0o644)
		}
	}
	return fmt.Errorf("no face with family %q", family)
}

func readDir(data []byte, off uint32) ([]table, uint32, error) {
	if int(off)+12 > len(data) {
		return nil, 0, errors.New("offset table out of range")
	}
	ver := binary.BigEndian.Uint32(data[off:])
	num := int(binary.BigEndian.Uint16(data[off+4:]))
	var ts []table
	for i := 0; i < num; i++ {
		r := data[int(off)+12+16*i:]
		ts = append(ts, table{string(r[:4]), binary.BigEndian.Uint32(r[4:]), binary.BigEndian.Uint32(r[8:]), binary.BigEndian.Uint32(r[12:])})
	}
	return ts, ver, nil
}

// familyName reads name ID 1 (Windows platform, UTF-16BE) of a face.
func familyName(data []byte, ts []table) string {
	for _, t := range ts {
		if t.tag != "name" {
			continue
		}
		b := data[t.offset : t.offset+t.length]
		count := int(binary.BigEndian.Uint16(b[2:]))
		strOff := int(binary.BigEndian.Uint16(b[4:]))
		for i := 0; i < count; i++ {
			r := b[6+12*i:]
			platform, nameID := binary.BigEndian.Uint16(r), binary.BigEndian.Uint16(r[6:])
			length, o := int(binary.BigEndian.Uint16(r[8:])), int(binary.BigEndian.Uint16(r[10:]))
			if platform == 3 && nameID == 1 {
				raw := b[strOff+o : strOff+o+length]
				u := make([]uint16, len(raw)/2)
				for j := range u {
					u[j] = binary.BigEndian.Uint16(raw[2*j:])
				}
				return string(utf16.Decode(u))
			}
		}
	}
	return ""
}

func build(data []byte, ver uint32, ts []table) []byte {
	sort.Slice(ts, func(i, j int) bool { return ts[i].tag < ts[j].tag })
	num := len(ts)
	es, sr := 0, 1
	for sr*2 <= num {
		sr *= 2
		es++
	}
	head := make([]byte, 12+16*num)
	binary.BigEndian.PutUint32(head, ver)
	binary.BigEndian.PutUint16(head[4:], uint16(num))
	binary.BigEndian.PutUint16(head[6:], uint16(sr*16))
	binary.BigEndian.PutUint16(head[8:], uint16(es))
	binary.BigEndian.PutUint16(head[10:], uint16(num*16-sr*16))
	// Lay the tables out after the directory, each 4-byte aligned.
	offset := len(head)
	for i, t := range ts {
		r := head[12+16*i:]
		copy(r, t.tag)
		binary.BigEndian.PutUint32(r[4:], t.checksum)
		binary.BigEndian.PutUint32(r[8:], uint32(offset))
		binary.BigEndian.PutUint32(r[12:], t.length)
		offset += int(t.length+3) &^ 3
	}
	out := make([]byte, 0, offset)
	out = append(out, head...)
	for _, t := range ts {
		out = append(out, data[t.offset:t.offset+t.length]...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	return out
}
