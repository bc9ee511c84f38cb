package protocol_test

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"atbench/protocol"
)

const benchSize = 1 << 20

// benchOutput is about 1 MiB of plausible Realtek module output: results,
// information lines, events and, when withData, auto-receive payloads of
// various sizes (raw bytes that include CR and LF).
func benchOutput(withData bool) []byte {
	r := rand.New(rand.NewPCG(7, 11))
	var b bytes.Buffer
	for b.Len() < benchSize {
		switch n := r.IntN(10); {
		case n < 3:
			b.WriteString("\r\nOK\r\n")
		case n < 5:
			fmt.Fprintf(&b, "link_id:%d,seed,tcp,src_address:192.168.0.10,src_port:1234,dst_address:192.168.0.%d,dst_port:%d,socket_fd:%d\r\n",
				r.IntN(20), r.IntN(255), 1024+r.IntN(60000), r.IntN(64))
		case n < 6:
			b.WriteString("so_keepalive: 1\r\ntcp_keepidle: 60\r\n")
		case n < 7:
			fmt.Fprintf(&b, "[$][SKT][EVENT]: A client[link_id:%d,seed,tcp,dst_address:192.168.0.103,dst_port:%d] connected to server[link_id:0]\r\n",
				r.IntN(20), 1024+r.IntN(60000))
		case n < 8:
			b.WriteString("[$]wifi connected\r\n")
		default:
			if !withData {
				b.WriteString("\r\nERROR: 1\r\n")
				continue
			}
			size := []int{1, 6, 64, 512, 1460, 4096}[r.IntN(6)]
			payload := make([]byte, size)
			for k := range payload {
				payload[k] = byte(r.Uint32())
			}
			fmt.Fprintf(&b, "[$][SKT][DATA][%d][%d]:", r.IntN(20), size)
			b.Write(payload)
			b.WriteString("\r\n")
		}
	}
	return b.Bytes()
}

func benchFramer(b *testing.B, in []byte) {
	f := protocol.NewFramer(fakeSpec(0), fakeClassify)
	dst := make([]protocol.Record, 0, 1024)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		for k := 0; k < len(in); k += 4096 {
			dst = f.Feed(dst[:0], in[k:min(k+4096, len(in))])
		}
	}
}

// BenchmarkFramer frames mixed output with payloads in 4 KiB chunks.
func BenchmarkFramer(b *testing.B) { benchFramer(b, benchOutput(true)) }

// BenchmarkFramerLines frames plain lines only in 4 KiB chunks.
func BenchmarkFramerLines(b *testing.B) { benchFramer(b, benchOutput(false)) }

// BenchmarkIndexByteReference only counts LF in the BenchmarkFramer input:
// the speed limit of any scan.
func BenchmarkIndexByteReference(b *testing.B) {
	in := benchOutput(true)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for range b.N {
		for p := in; ; {
			k := bytes.IndexByte(p, '\n')
			if k < 0 {
				break
			}
			n++
			p = p[k+1:]
		}
	}
	if n == 0 {
		b.Fatal("no LF in the input")
	}
}
