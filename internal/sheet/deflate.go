package sheet

import (
	"bytes"
	"compress/flate"
	"io"
	"runtime"
	"sync"
)

// deflateBlock is how much of a part one core compresses at a time.
const deflateBlock = 1 << 20

// parallelDeflate compresses a workbook part on every core. The part is
// cut into blocks compressed apart, at flate's best speed, each ended by a
// sync flush so that they join into one deflate stream (as pigz does); a
// final empty block ends it. A table's data rows are compressed so as they
// are written (rowSpool), and spliced in at save; the rest of the parts is
// compressed at save, time the user waits (one core took 0.6 s for the
// whole of a 100,000-user export).
type parallelDeflate struct {
	w       io.Writer
	block   []byte
	pending []chan []byte // compressed blocks, in order, not yet written
	err     error
	skip    int64 // bytes still to come that were put in compressed (splice)
}

var (
	// deflaters keeps flate writers from one workbook to the next: each
	// costs about a megabyte to make, and a sync.Pool drops them at every
	// collection, so most workbooks made theirs again.
	deflaters = make(chan *flate.Writer, 8)
	// blocks are the parts' blocks and their compressed forms, reused: a
	// new megabyte for each (and a buffer grown to hold what it compressed
	// to) allocated 125 MB for a 100,000-user export, which the collector
	// then chased.
	blocks     = sync.Pool{New: func() any { b := make([]byte, 0, deflateBlock); return &b }}
	finalBlock = func() []byte {
		var b bytes.Buffer
		fw, _ := flate.NewWriter(&b, flate.BestSpeed)
		fw.Close()
		return b.Bytes()
	}()
)

func getDeflater() *flate.Writer {
	select {
	case fw := <-deflaters:
		return fw
	default:
		fw, _ := flate.NewWriter(nil, flate.BestSpeed)
		return fw
	}
}

func putDeflater(fw *flate.Writer) {
	select {
	case deflaters <- fw:
	default: // enough kept
	}
}

func (d *parallelDeflate) Write(p []byte) (int, error) {
	n := len(p)
	if d.skip > 0 {
		k := int(min(int64(len(p)), d.skip))
		p, d.skip = p[k:], d.skip-int64(k)
	}
	for len(p) > 0 && d.err == nil {
		if d.block == nil {
			d.block = (*blocks.Get().(*[]byte))[:0]
		}
		k := min(len(p), deflateBlock-len(d.block))
		d.block, p = append(d.block, p[:k]...), p[k:]
		if len(d.block) == deflateBlock {
			d.dispatch()
		}
	}
	if d.err != nil {
		return n - len(p), d.err
	}
	return n, nil
}

// dispatch compresses the block on a core of its own, and writes the
// oldest blocks out while every core is busy.
func (d *parallelDeflate) dispatch() {
	block := d.block
	d.block = nil
	out := make(chan []byte, 1)
	go func() {
		b := bytes.NewBuffer((*blocks.Get().(*[]byte))[:0])
		fw := getDeflater()
		fw.Reset(b)
		fw.Write(block) // a bytes.Buffer does not fail
		fw.Flush()
		putDeflater(fw)
		blocks.Put(&block)
		out <- b.Bytes()
	}()
	d.pending = append(d.pending, out)
	for len(d.pending) > runtime.GOMAXPROCS(0) {
		d.writeOldest()
	}
}

func (d *parallelDeflate) writeOldest() {
	b := <-d.pending[0]
	d.pending = d.pending[1:]
	if d.err == nil {
		_, d.err = d.w.Write(b)
	}
	if cap(b) == deflateBlock {
		blocks.Put(&b)
	}
}

// Flush compresses and writes what was written so far, ending on a block
// boundary: the stream goes on from there, or another one compressed the
// same way (splice) follows.
func (d *parallelDeflate) Flush() error {
	if len(d.block) > 0 {
		d.dispatch()
	}
	for len(d.pending) > 0 {
		d.writeOldest()
	}
	return d.err
}

func (d *parallelDeflate) Close() error {
	if d.Flush() == nil {
		_, d.err = d.w.Write(finalBlock)
	}
	return d.err
}

// splice puts in, n bytes compressed by another parallelDeflate (Flushed,
// not Closed), into the stream, at this point: the n bytes written next,
// the same ones uncompressed, are not compressed again (they still pass
// through the zip writer, which counts them and sums their CRC).
func (d *parallelDeflate) splice(in io.Reader, n int64) error {
	if d.Flush() != nil {
		return d.err
	}
	if _, err := io.Copy(d.w, in); err != nil {
		d.err = err
		return err
	}
	d.skip = n
	return nil
}
