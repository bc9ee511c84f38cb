package ui

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"atbench/protocol"
)

// floodRecord is the i-th record of a mixed flood: data with escapes, long
// lines that wrap, events, results.
func floodRecord(i int) protocol.Record {
	switch i % 8 {
	case 0:
		return dataRec(0, fmt.Sprintf("sensor %d temp=21.5 \x1b[31mred\x1b[0m\r\n", i))
	case 1:
		return rec(protocol.KindEvent, fmt.Sprintf("[$][SKT][EVENT]: A client[link_id:%d,seed,tcp,dst_address:10.0.0.%d,dst_port:%d] connected to server[link_id:1]", i%20, i%250, 40000+i%20000))
	case 2:
		return sent(fmt.Sprintf("AT+SKTSEND=0,%d,,,%s", 10+i%10, "payload-0123456789"[:10+i%10]))
	case 3:
		return rec(protocol.KindOK, "OK")
	case 4:
		return rec(protocol.KindInfo, fmt.Sprintf("+SKTREAD:0,%d,%s", 40, "0123456789abcdefghijklmnopqrstuvwxyzABCD"))
	case 5:
		return rec(protocol.KindError, "ERROR: 2")
	case 6:
		return dataRec(3, string([]byte{0, 1, 2, 0xff, 0xfe, 'a', 'b', '\\'}))
	}
	return rec(protocol.KindInfo, fmt.Sprintf("line %d", i))
}

func fill(f *fakeBackend, n int) {
	const batch = 1000
	recs := make([]protocol.Record, 0, batch)
	for i := 0; i < n; i++ {
		recs = append(recs, floodRecord(i))
		if len(recs) == batch {
			f.add(recs...)
			recs = recs[:0]
		}
	}
	f.add(recs...)
}

// transcriptRecords is how many records the benchmarks' session holds,
// as session.DefaultCapacity.
const transcriptRecords = 100_000

// BenchmarkFrame settles and draws the whole 120×40 screen over a session
// of 100 000 records, following the newest.
func BenchmarkFrame(b *testing.B) {
	f := scenario()
	fill(f, transcriptRecords)
	m := newModel(context.Background(), f, Options{Theme: "dark"}, false)
	m = step(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = pull(m)
	if n := len(m.console.sb.recs); n == 0 || n > windowRecords {
		b.Fatalf("the window holds %d records", n)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.settle()
		_ = m.View()
	}
}

// BenchmarkFrameScrolled draws a frame after a jump to another part of the
// 100 000 records: the records are fetched and every line of the page is
// drawn afresh (no cache).
func BenchmarkFrameScrolled(b *testing.B) {
	f := scenario()
	fill(f, transcriptRecords)
	m := newModel(context.Background(), f, Options{Theme: "dark"}, false)
	m = step(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = pull(m)
	sb := m.console.sb
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// A stride of 4 099 records never lands on a cached page.
		sb.show(sb.first + uint64(i*4099)%uint64(transcriptRecords-100) + 50)
		m.settle()
		m = drain(m)
		_ = m.View()
	}
}

// BenchmarkFrameWithArrivals takes 170 new records (10 000 lines a second
// at 60 frames a second) and renders the frame, as each frame of a flood
// does.
func BenchmarkFrameWithArrivals(b *testing.B) {
	f := scenario()
	fill(f, transcriptRecords)
	m := newModel(context.Background(), f, Options{Theme: "dark"}, false)
	m = step(m, tea.WindowSizeMsg{Width: 120, Height: 40})
	m = pull(m)
	batch := make([]protocol.Record, 170)
	for i := range batch {
		batch[i] = floodRecord(i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		f.add(batch...)
		b.StartTimer()
		m = pull(m)
		_ = m.View()
	}
}

// BenchmarkFlood feeds 10 000 lines a second for two seconds into a screen
// that already holds 100 000 records, with the screen's own loop (wait for
// a change, pull, render), and reports how long a record takes from its
// arrival to a rendered frame, and how the heap moves during the flood.
func BenchmarkFlood(b *testing.B) {
	const (
		rate     = 10_000 // lines a second
		duration = 2 * time.Second
		tick     = time.Millisecond
	)
	for n := 0; n < b.N; n++ {
		f := scenario()
		fill(f, transcriptRecords)
		ctx, cancel := context.WithCancel(context.Background())
		m := newModel(ctx, f, Options{Theme: "dark"}, false)
		m = step(m, tea.WindowSizeMsg{Width: 120, Height: 40})
		m = pull(m)
		_ = m.View()

		var arrived sync.Map // Seq -> time the record was added
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heapStart := ms.HeapAlloc

		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { // the device: rate lines a second, in 1 ms bursts
			defer wg.Done()
			t := time.NewTicker(tick)
			defer t.Stop()
			i := 0
			per := rate * int(tick) / int(time.Second)
			for {
				select {
				case <-stop:
					return
				case <-t.C:
				}
				recs := make([]protocol.Record, per)
				for j := range recs {
					recs[j] = floodRecord(i)
					i++
				}
				now := time.Now()
				f.add(recs...)
				arrived.Store(f.LastSeq(), now)
			}
		}()

		var lat []time.Duration
		var heaps []uint64
		frames := 0
		begin := time.Now()
		nextSample := begin
		b.ResetTimer()
		gap := frameInterval
		for time.Since(begin) < duration {
			msg, ok := readView(ctx, f, f.Changed(), m.console.sb.last+1, gap)().(viewMsg)
			if !ok {
				break
			}
			seqBefore := m.console.sb.last
			gap = viewGap(len(msg.v.Records))
			m = step(m, msg)
			_ = m.View()
			shown := time.Now()
			frames++
			// The oldest record of this frame waited longest: find the
			// burst it came in.
			arrived.Range(func(k, v any) bool {
				if seq := k.(uint64); seq > seqBefore && seq <= m.console.sb.last {
					lat = append(lat, shown.Sub(v.(time.Time)))
					arrived.Delete(k)
				}
				return true
			})
			if time.Now().After(nextSample) {
				runtime.ReadMemStats(&ms)
				heaps = append(heaps, ms.HeapAlloc)
				nextSample = nextSample.Add(250 * time.Millisecond)
			}
		}
		b.StopTimer()
		close(stop)
		wg.Wait()
		cancel()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		heapEnd := ms.HeapAlloc

		slices.Sort(lat)
		pct := func(p float64) float64 {
			if len(lat) == 0 {
				return 0
			}
			return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000
		}
		b.ReportMetric(pct(0.5), "p50-ms")
		b.ReportMetric(pct(0.99), "p99-ms")
		b.ReportMetric(pct(1), "max-ms")
		b.ReportMetric(float64(frames)/duration.Seconds(), "frames/s")
		b.ReportMetric(float64(int64(heapEnd)-int64(heapStart))/(1<<20), "heap-growth-MB")
		if len(heaps) > 1 {
			lo, hi := slices.Min(heaps), slices.Max(heaps)
			b.ReportMetric(float64(hi-lo)/(1<<20), "heap-swing-MB")
		}
		if n := len(m.console.sb.recs); n > windowRecords {
			b.Fatalf("the window holds %d records after the flood", n)
		}
	}
}
