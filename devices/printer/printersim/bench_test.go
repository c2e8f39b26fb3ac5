package printersim

import (
	"testing"
	"time"

	"sckiosk/devices/printer/escpos"
	"sckiosk/devices/printer/internal/printertest"
)

// BenchmarkReceiptWire measures what an 80 mm receipt costs on the line at
// 115200 baud (8N1), with the QR code sent natively (GS ( k) or as a raster
// image (GS v 0): bytes per job and the time they take on the wire. The
// goal is at most 4 KB with native QR.
//
//	go test ./devices/printer/printersim -run '^$' -bench ReceiptWire
func BenchmarkReceiptWire(b *testing.B) {
	const baud = 115200
	doc := printertest.SampleCase()
	for _, mode := range []escpos.QRMode{escpos.QRNative, escpos.QRRaster} {
		b.Run(mode.String(), func(b *testing.B) {
			opt := escpos.EncodeOptions{Paper: escpos.Paper80, QRMode: mode}
			var n int
			for b.Loop() {
				job, err := escpos.EncodeReceipt(doc, opt)
				if err != nil {
					b.Fatal(err)
				}
				n = len(job)
			}
			b.ReportMetric(float64(n), "bytes")
			b.ReportMetric(float64(WireTime(n, baud))/float64(time.Millisecond), "wire-ms")
		})
	}
}
