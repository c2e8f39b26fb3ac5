package hall_test

import (
	"encoding/json"
	"fmt"
	"net"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"sckiosk/kiosk/fleet"
	"sckiosk/kiosk/fleet/enrol"
	"sckiosk/kiosk/fleet/hall"
	"sckiosk/kiosk/fleet/internal/fleettest"
)

// BenchmarkBrokerHeapUnderFlood reports the hall's heap (embedded broker
// and registry, as hallserver runs them) while enrolled clients flood it:
// each round, 10 clients announce 26 MB packets (the red team's five
// 26 MB health reports took the hall server from 17 MB to 868 MB) and 10
// clients each send 200 health reports of almost 64 KiB as fast as they
// can, then 50 more (over their rate). peak-heap-MB is the highest heap
// seen, sampled every 5 ms; base-heap-MB the heap before the first round.
func BenchmarkBrokerHeapUnderFlood(b *testing.B) {
	list, err := enrol.Open(filepath.Join(b.TempDir(), "kiosks"))
	if err != nil {
		b.Fatal(err)
	}
	const big, many = 10, 10
	ids := make([]string, big+many)
	for i := range ids {
		ids[i] = fmt.Sprintf("SC-%04d", i)
	}
	pws, err := enrol.Add(list.Path(), enrol.Password, ids...)
	if err != nil {
		b.Fatal(err)
	}
	list.Reload()
	br, err := hall.StartBroker(hall.BrokerConfig{Addr: "127.0.0.1:0", Kiosks: list})
	if err != nil {
		b.Fatal(err)
	}
	defer br.Close()
	reg := &hall.Registry{Known: list.Enrolled}
	if err := br.Subscribe(fleet.Root+"/#", func(topic string, p []byte) { reg.Handle(topic, p) }); err != nil {
		b.Fatal(err)
	}
	payload, _ := json.Marshal(fleet.Health{Profile: strings.Repeat("x", hall.MaxPacket-2000)})

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc
	peak := base
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
			}
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
	}()
	sent := 0
	b.ResetTimer()
	for range b.N {
		var wg sync.WaitGroup
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn := rawLoginB(b, br.Addr(), id, []byte(pws[id]))
				if conn == nil {
					return
				}
				defer conn.Close()
				if i < big {
					conn.Write(publishHeader(26 << 20))
				} else {
					msg := publishPacket(fleet.Identity{Division: "510107", Hall: "wuhou", Kiosk: id}.Topic(fleet.KindHealth), payload)
					for range 250 {
						if _, err := conn.Write(msg); err != nil {
							break
						}
					}
				}
				_ = closedByPeer(conn)
			}()
		}
		wg.Wait()
		sent += many * 250
	}
	b.StopTimer()
	close(stop)
	<-sampled
	b.ReportMetric(float64(base)/(1<<20), "base-heap-MB")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(sent)*float64(len(payload))/(1<<20)/float64(b.N), "MB-offered/op")
}

// rawLoginB is rawLogin for a benchmark.
func rawLoginB(b *testing.B, addr, id string, pw []byte) net.Conn {
	conn, err := net.DialTimeout("tcp", addr, fleettest.Timeout)
	if err != nil {
		b.Error(err)
		return nil
	}
	if err := loginConn(conn, id, pw); err != nil {
		b.Error(err)
	}
	return conn
}
