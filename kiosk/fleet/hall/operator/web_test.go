package operator

import (
	"net/http/httptest"
	"testing"
)

// Logins are counted per client address: the peer's, or behind a reverse
// proxy on loopback the one the proxy appended to X-Forwarded-For.
func TestRemoteHost(t *testing.T) {
	tests := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"direct", "192.0.2.7:5000", nil, "192.0.2.7"},
		{"direct, forged header", "192.0.2.7:5000", []string{"10.9.9.9"}, "192.0.2.7"},
		{"proxy on loopback", "127.0.0.1:5000", []string{"198.51.100.4"}, "198.51.100.4"},
		{"proxy, client's own entries first", "127.0.0.1:5000", []string{"10.9.9.9, 198.51.100.4"}, "198.51.100.4"},
		{"proxy, two header lines", "[::1]:5000", []string{"10.9.9.9", "198.51.100.4"}, "198.51.100.4"},
		{"proxy, garbage", "127.0.0.1:5000", []string{"not an address"}, "127.0.0.1"},
		{"loopback, no proxy", "127.0.0.1:5000", nil, "127.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/api/login", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := remoteHost(r); got != tc.want {
				t.Errorf("remoteHost = %q, want %q", got, tc.want)
			}
		})
	}
}
