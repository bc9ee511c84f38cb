//go:build linux

package main

import (
	"io"
	"os"
	"syscall"
	"testing"
	"time"

	goserial "go.bug.st/serial"

	"atbench/internal/socattest"
)

// BenchmarkPTYReadPath compares two ways to read a tty, in the same run on
// the same kind of socat pair and writer (ingestText, 64 KiB per op, 32 KiB
// reads), as evidence for where the headless and workbench floods lose
// time against cat:
//
//	serial-lib   go.bug.st/serial, what device/serial reads through: a
//	             blocking pselect, then read, per read
//	netpoller    os.File on the same tty: read, and the runtime's epoll
//	             only when there is nothing to read
//
// Beside MB/s it reports cpu-ms/MB: the test process's CPU time (the writer
// included, the same in both) per MiB. BenchmarkCatIngestPTY is the cat
// reference.
func BenchmarkPTYReadPath(b *testing.B) {
	open := map[string]func(string) (io.ReadCloser, error){
		"serial-lib": func(path string) (io.ReadCloser, error) {
			return goserial.Open(path, &goserial.Mode{BaudRate: 115200})
		},
		"netpoller": func(path string) (io.ReadCloser, error) {
			return os.OpenFile(path, os.O_RDWR|syscall.O_NOCTTY, 0)
		},
	}
	for _, name := range []string{"serial-lib", "netpoller"} {
		b.Run(name, func(b *testing.B) {
			pair := socattest.Start(b, b.TempDir(), "a", "b")
			r, err := open[name](pair.A)
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			far := pair.OpenB()
			chunk := ingestText()
			buf := make([]byte, 32<<10)
			total := b.N * len(chunk)
			b.SetBytes(int64(len(chunk)))
			cpu0 := processCPU()
			b.ResetTimer()
			go func() {
				for range b.N {
					if _, err := far.Write(chunk); err != nil {
						return
					}
				}
			}()
			for got := 0; got < total; {
				n, err := r.Read(buf)
				if err != nil {
					b.Fatal(err)
				}
				got += n
			}
			b.StopTimer()
			b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Millisecond)/(float64(total)/(1<<20)), "cpu-ms/MB")
		})
	}
}
