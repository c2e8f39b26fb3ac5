package apicontract

import (
	"net/http"
	"testing"
)

// TestContractCatchesDrift is the test of the contract check: answers
// and accepted requests the document does not allow are reported.
func TestContractCatchesDrift(t *testing.T) {
	c, err := LoadFromModule()
	if err != nil {
		t.Fatal(err)
	}
	signed := http.Header{"Content-Type": {"application/json; charset=utf-8"}, "X-Signature": {"MEUCIQ=="},
		"X-Timestamp": {"1"}, "X-Nonce": {"00112233445566778899aabbccddeeff"}}
	req := http.Header{"X-App-Id": {"a"}, "X-Timestamp": {"1"}, "X-Nonce": {"00112233445566778899aabbccddeeff"},
		"X-Signature": {"MEUCIQ=="}, "Content-Type": {"application/json"}}
	tests := []struct {
		name string
		x    Exchange
		ok   bool
	}{
		{"documented health", Exchange{Method: "GET", URL: "/api/v1/health", Header: req, Status: 200, Answer: signed,
			AnswerBody: []byte(`{"code":0,"message":"ok","data":{"province":"51"}}`)}, true},
		{"undocumented status", Exchange{Method: "GET", URL: "/api/v1/health", Header: req, Status: 418, Answer: signed,
			AnswerBody: []byte(`{"code":41800,"message":"teapot"}`)}, false},
		{"unsigned answer", Exchange{Method: "GET", URL: "/api/v1/health", Header: req, Status: 200,
			Answer: http.Header{"Content-Type": {"application/json"}}, AnswerBody: []byte(`{"code":0,"message":"ok"}`)}, false},
		{"holder kind empty", Exchange{Method: "POST", URL: "/api/v1/codes/verify", Header: req, Body: []byte(`{"code":"x"}`),
			Status: 200, Answer: signed, AnswerBody: []byte(`{"code":0,"message":"ok","data":{"kind":"app","holder":{"id_type":"111","kind":""}}}`)}, false},
		{"undocumented path answered", Exchange{Method: "GET", URL: "/sim/secret", Status: 200,
			Answer: http.Header{"Content-Type": {"text/plain"}}, AnswerBody: []byte("x")}, false},
		{"accepted request with an unknown field", Exchange{Method: "POST", URL: "/api/v1/evaluations", Header: req,
			Body: []byte(`{"case_number":"SC1","grade":1,"channel":"自助终端","extra":1}`), Status: 200, Answer: signed,
			AnswerBody: []byte(`{"code":0,"message":"ok","data":{"case_number":"SC1","grade":1,"channel":"自助终端"}}`)}, true},
		{"accepted application breaking its schema", Exchange{Method: "POST", URL: "/api/v1/applications", Header: req,
			Body:   []byte(`{"request_id":"r","item_code":"i","province":"44","applicant":{"id_type":"111","id_number":"1","name":"n"}}`),
			Status: 201, Answer: signed, AnswerBody: []byte(`{"code":0,"message":"ok","data":{"request_id":"r","case_number":"SC1","status":"已受理","accepted_at":"2026-03-01T10:00:00Z"}}`)}, false},
		{"no route, 404", Exchange{Method: "GET", URL: "/nowhere", Status: 404, Unsupported: true,
			Answer: http.Header{"Content-Type": {"application/json"}}, AnswerBody: []byte(`{"code":40400,"message":"x"}`)}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := c.Check(tt.x); (err == nil) != tt.ok {
				t.Errorf("Check = %v, want ok %v", err, tt.ok)
			}
		})
	}
}
