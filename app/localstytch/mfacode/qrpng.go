package mfacode

import (
	"bytes"
	"encoding/binary"
	"hash/adler32"
	"hash/crc32"
)

// pngBitmap writes a black-on-white bitmap (true = black), each cell scale ×
// scale pixels, as a 1-bit grayscale PNG with stored (uncompressed) deflate
// blocks. A QR code is ~8 KB this way; the point is what it leaves out:
// go-qrcode's own PNG output links image/png's encoder and the flate
// compressor into the app (~0.2 MB) for one picture on a local-mode screen.
func pngBitmap(bits [][]bool, scale int) []byte {
	n := len(bits)
	side := n * scale
	stride := 1 + (side+7)/8 // filter byte + packed pixels
	raw := make([]byte, 0, stride*side)
	for y := 0; y < side; y++ {
		row := bits[y/scale]
		raw = append(raw, 0) // filter: none
		var b byte
		for x := 0; x < side; x++ {
			b <<= 1
			if !row[x/scale] {
				b |= 1 // white
			}
			if x%8 == 7 {
				raw = append(raw, b)
				b = 0
			}
		}
		if side%8 != 0 {
			raw = append(raw, b<<(8-side%8)|(1<<(8-side%8)-1))
		}
	}

	var z bytes.Buffer
	z.Write([]byte{0x78, 0x01}) // zlib: deflate, 32K window, no preset dictionary
	for rest := raw; ; {
		blk := rest[:min(len(rest), 0xffff)]
		rest = rest[len(blk):]
		final := byte(0)
		if len(rest) == 0 {
			final = 1
		}
		z.WriteByte(final) // BTYPE 00: stored
		_ = binary.Write(&z, binary.LittleEndian, uint16(len(blk)))
		_ = binary.Write(&z, binary.LittleEndian, ^uint16(len(blk)))
		z.Write(blk)
		if final == 1 {
			break
		}
	}
	_ = binary.Write(&z, binary.BigEndian, adler32.Checksum(raw))

	var out bytes.Buffer
	out.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], uint32(side))
	binary.BigEndian.PutUint32(ihdr[4:], uint32(side))
	ihdr[8], ihdr[9] = 1, 0 // bit depth 1, grayscale
	pngChunk(&out, "IHDR", ihdr)
	pngChunk(&out, "IDAT", z.Bytes())
	pngChunk(&out, "IEND", nil)
	return out.Bytes()
}

func pngChunk(w *bytes.Buffer, typ string, data []byte) {
	_ = binary.Write(w, binary.BigEndian, uint32(len(data)))
	c := crc32.NewIEEE()
	c.Write([]byte(typ))
	c.Write(data)
	w.WriteString(typ)
	w.Write(data)
	_ = binary.Write(w, binary.BigEndian, c.Sum32())
}
