package idcard

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"sckiosk/devices/device"
)

func TestStatusCodes(t *testing.T) {
	tests := []struct {
		sw3    byte
		notice string
		fault  bool
		text   string
	}{
		{0x10, "读卡器通信异常，请稍后重试", false, "bad checksum"},
		{0x11, "读卡器通信异常，请稍后重试", false, "bad length"},
		{0x21, "读卡器故障，请联系工作人员", true, "bad command"},
		{0x23, "读卡器故障，请联系工作人员", true, "not permitted"},
		{0x24, "读卡器故障，请联系工作人员", true, "unrecognised error"},
		{0x31, "证件验证失败，请重新放置证件", false, "card failed to authenticate the SAM"},
		{0x32, "证件验证失败，请重新放置证件", false, "SAM failed to authenticate the card"},
		{0x33, "证件验证失败，请重新放置证件", false, "verification"},
		{0x40, "无法识别此卡，请放置身份证件", false, "unrecognised card"},
		{0x41, "读卡失败，请重新放置证件", false, "read failed"},
		{0x47, "读卡失败，请重新放置证件", false, "get-challenge"},
		{0x60, "读卡器故障，请联系工作人员", true, "self-test"},
		{0x66, "读卡器故障，请联系工作人员", true, "not authorised"},
		{0x80, "未检测到证件", false, "no card"},
		{0x81, "读卡失败，请重新放置证件", false, "select card failed"},
		{0x55, "读卡器故障，请联系工作人员", true, "unknown status"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%02X", tt.sw3), func(t *testing.T) {
			err := Response{SW1: 0x6A, SW2: 0x82, SW3: tt.sw3}.Err()
			var se *StatusError
			if !errors.As(err, &se) {
				t.Fatalf("Err() = %v, want *StatusError", err)
			}
			if notice(se.Cause()) != tt.notice {
				t.Errorf("Notice = %q, want %q", notice(se.Cause()), tt.notice)
			}
			if noticeOf(fmt.Errorf("wrapped: %w", err)) != tt.notice {
				t.Errorf("noticeOf(err) = %q, want %q", noticeOf(err), tt.notice)
			}
			if se.ReaderFault() != tt.fault {
				t.Errorf("ReaderFault = %v, want %v", se.ReaderFault(), tt.fault)
			}
			want := fmt.Sprintf("6A 82 %02X", tt.sw3)
			if msg := se.Error(); !strings.Contains(msg, want) || !strings.Contains(msg, tt.text) {
				t.Errorf("Error = %q, want %q and %q", msg, want, tt.text)
			}
		})
	}
}

func TestSuccessCodesAreNotErrors(t *testing.T) {
	for _, sw3 := range []byte{0x90, 0x91, 0x9F} {
		if err := (Response{SW3: sw3}).Err(); err != nil {
			t.Errorf("SW3 %02X: %v", sw3, err)
		}
	}
}

func TestCauseOf(t *testing.T) {
	tests := []struct {
		err   error
		cause device.Cause
		want  string
	}{
		{nil, device.NoCause, ""},
		{fmt.Errorf("decode: %w", ErrUnsupportedCardType), device.UnsupportedCard, "暂不支持此类证件，请使用居民身份证"},
		{errors.New("anything"), device.CardReadFailed, "读卡失败，请重新放置证件"},
	}
	for _, tt := range tests {
		if got := CauseOf(tt.err); got != tt.cause || noticeOf(tt.err) != tt.want {
			t.Errorf("CauseOf(%v) = %v (%q), want %v (%q)", tt.err, got, noticeOf(tt.err), tt.cause, tt.want)
		}
	}
}
