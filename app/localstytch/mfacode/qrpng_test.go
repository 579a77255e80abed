package mfacode

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"strings"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// The TOTP QR code is a PNG any decoder reads, pixel for pixel the QR matrix
// (go-qrcode's), 256 px or so square like Stytch's.
func TestQRCodeIsAValidPNGOfTheMatrix(t *testing.T) {
	text := OTPAuthURI("Example Co", "demo@example.com", "JBSWY3DPEHPK3PXP")
	uri, err := QRDataURI(text)
	if err != nil {
		t.Fatal(err)
	}
	b64, ok := strings.CutPrefix(uri, "data:image/png;base64,")
	if !ok {
		t.Fatalf("not a PNG data URI: %.40s", uri)
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	q, _ := qrcode.New(text, qrcode.Medium)
	bits := q.Bitmap()
	scale := 256 / len(bits)
	side := img.Bounds().Dx()
	if side != img.Bounds().Dy() || side != len(bits)*scale || side < 200 || side > 300 {
		t.Fatalf("image %v for %d modules", img.Bounds(), len(bits))
	}
	for y := 0; y < side; y++ {
		for x := 0; x < side; x++ {
			r, _, _, _ := img.At(x, y).RGBA()
			if black := r == 0; black != bits[y/scale][x/scale] {
				t.Fatalf("pixel (%d,%d) black=%v, module %v", x, y, black, bits[y/scale][x/scale])
			}
		}
	}
	// Odd sizes and more than one stored block decode too.
	for _, n := range []int{1, 3, 9, 300, 800} {
		m := make([][]bool, n)
		for i := range m {
			m[i] = make([]bool, n)
			m[i][i] = true
		}
		img, err := png.Decode(bytes.NewReader(pngBitmap(m, 1)))
		if err != nil {
			t.Fatalf("%d×%d: %v", n, n, err)
		}
		if r, _, _, _ := img.At(n-1, n-1).RGBA(); r != 0 {
			t.Fatalf("%d×%d: diagonal not black", n, n)
		}
		if r, _, _, _ := img.At(0, n-1).RGBA(); n > 1 && r == 0 {
			t.Fatalf("%d×%d: off-diagonal black", n, n)
		}
	}
}
