package serial

import (
	"atbench/internal/socattest"
	"atbench/internal/testkit"
	"context"
	"testing"
)

// benchChunk is what one benchmark operation moves through the pty pair.
const benchChunk = 64 << 10

// BenchmarkPTYIngest measures reading through Port what the far end of a
// socat pty pair writes as fast as it can: one op is 64 KiB.
func BenchmarkPTYIngest(b *testing.B) {
	pair := socattest.Start(b, b.TempDir(), "a", "b")
	p, err := open(context.Background(), Config{Path: pair.A}, noUSB, openPort)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	far := pair.OpenB()
	chunk := testkit.Pattern(benchChunk)
	buf := make([]byte, 32<<10)
	b.SetBytes(benchChunk)
	b.ReportAllocs()
	b.ResetTimer()

	total := b.N * benchChunk
	go func() {
		for range b.N {
			if _, err := far.Write(chunk); err != nil {
				return
			}
		}
	}()
	for got := 0; got < total; {
		n, err := p.Read(buf)
		if err != nil {
			b.Fatal(err)
		}
		got += n
	}
}

// BenchmarkPTYCat is the reference for BenchmarkPTYIngest: the same kind of
// socat pair and writer, read by a plain program instead of Port. The reader
// is `head -c N`, which reads like cat but exits after N bytes, so the time
// to its exit is the time to read them; the process start is outside the
// timer and its exit inside, a cost of about a millisecond per run.
func BenchmarkPTYCat(b *testing.B) {
	socattest.BenchCat(b, testkit.Pattern(benchChunk))
}
