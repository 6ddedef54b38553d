package sheet

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"
)

// A part compressed block by block reads back whole through archive/zip
// (which checks the CRC), at every size around a block's edge.
func TestParallelDeflateRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	words := []string{"<row r=\"", "<c t=\"inlineStr\"><is><t>", "alice@example.com", "</t></is></c>", "\n"}
	part := func(n int) []byte {
		var b bytes.Buffer
		for b.Len() < n {
			if r.IntN(4) == 0 {
				fmt.Fprintf(&b, "%x", r.Uint64()) // some incompressible bytes
			} else {
				b.WriteString(words[r.IntN(len(words))])
			}
		}
		return b.Bytes()[:n]
	}
	for _, n := range []int{0, 1, deflateBlock - 1, deflateBlock, deflateBlock + 1, 7*deflateBlock/2 + 3} {
		want := part(n)
		var file bytes.Buffer
		zw := zip.NewWriter(&file)
		zw.RegisterCompressor(zip.Deflate, newParallelDeflate)
		w, err := zw.Create("xl/worksheets/sheet1.xml")
		if err != nil {
			t.Fatal(err)
		}
		// In uneven writes, as io.Copy and excelize make them.
		for rest := want; len(rest) > 0; {
			k := min(len(rest), 1+r.IntN(100_000))
			if _, err := w.Write(rest[:k]); err != nil {
				t.Fatal(err)
			}
			rest = rest[k:]
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(file.Bytes()), int64(file.Len()))
		if err != nil {
			t.Fatal(err)
		}
		rc, err := zr.File[0].Open()
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		if err == nil {
			err = rc.Close()
		}
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%d bytes: read back %d bytes, %v", n, len(got), err)
		}
	}
}

// newParallelDeflate is a zip compressor of parallelDeflate, as the
// splicer registers it.
func newParallelDeflate(w io.Writer) (io.WriteCloser, error) {
	return &parallelDeflate{w: w}, nil
}
