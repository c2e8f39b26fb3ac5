package platform

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestVerifyCode(t *testing.T) {
	sim := NewSim(Sichuan, nil)
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := NewClient(map[string]string{Sichuan: srv.URL}, srv.Client(), nil)
	if err != nil {
		t.Fatal(err)
	}
	who := Identity{IDType: "111", Number: "11010519491231002X", Name: "李四", Kind: "app"}
	good := sim.IssueAppCode(who)
	old := sim.IssueAppCode(who)
	sim.mu.Lock()
	for tok, ic := range sim.codes {
		if strings.Contains(old, tok) {
			ic.at = ic.at.Add(-AppCodeTTL - time.Second)
			sim.codes[tok] = ic
		}
	}
	sim.mu.Unlock()
	forged := good[:len(good)-1] + map[bool]string{true: "0", false: "1"}[!strings.HasSuffix(good, "0")]

	tests := []struct {
		name, code, notice string
	}{
		{"valid", good, ""},
		{"forged signature", forged, "二维码无效，请在天府通办App中刷新后重新出示"},
		{"expired", old, "二维码已过期，请在天府通办App中刷新后重新出示"},
		{"not ours", "https://example.com/x", "二维码无效，请在天府通办App中刷新后重新出示"},
		{"unknown token", "TFTB:1:abcd:" + sim.mac("abcd"), "二维码已过期，请在天府通办App中刷新后重新出示"},
	}
	for _, tt := range tests {
		id, err := c.VerifyCode(context.Background(), tt.code)
		if tt.notice == "" {
			if err != nil || id != who {
				t.Errorf("%s: %+v, %v", tt.name, id, err)
			}
			continue
		}
		var ce *CodeError
		if !errors.As(err, &ce) || ce.Notice != tt.notice || !errors.Is(err, ErrRejected) {
			t.Errorf("%s: err = %v, want notice %q", tt.name, err, tt.notice)
		}
	}
	sim.SetDown(true)
	if _, err := c.VerifyCode(context.Background(), good); !errors.Is(err, ErrUnavailable) {
		t.Errorf("platform down: err = %v, want ErrUnavailable", err)
	}
}
