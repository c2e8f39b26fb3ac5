// Package printertest holds what the tests of the printer packages share:
// the sample receipt, byte streams written as hex, and a QR reader for the
// rendered paper.
package printertest

import (
	"encoding/hex"
	"image"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"

	"sckiosk/kiosk/core/receipt"
)

// SampleCase is a receipt with Chinese text, a case number and a QR.
func SampleCase() receipt.Document {
	return receipt.New(receipt.Case{
		Hall:            "成都市武侯区政务服务中心",
		KioskID:         "WH-K07",
		Item:            "城乡居民基本医疗保险参保登记",
		CaseNumber:      "SC20261125000123",
		Submitted:       time.Date(2026, 11, 25, 10, 30, 0, 0, time.FixedZone("CST", 8*3600)),
		ApplicantMasked: "张*",
		NumberMasked:    "5101**********123X",
		Next:            "请于5个工作日后凭本回执到一楼综合窗口领取办理结果，或扫描下方二维码查询进度。",
		Due:             "5个工作日",
		TrackCode:       "https://zwfw.sc.gov.cn/track?c=SC20261125000123",
	})
}

// Unhex turns "1D 28 6B …" into bytes.
func Unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

// DecodeImage decodes the one QR code in img.
func DecodeImage(t testing.TB, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("QR not readable in the rendered receipt: %v", err)
	}
	return res.GetText()
}
