package qrpayload

import "testing"

func TestELicenceID(t *testing.T) {
	tests := []struct {
		id           string
		ok, badCheck bool
	}{
		{"1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U", true, false},
		{"1.2.156.3005.2.11100000000013338W009.11330105002500287C.2025052201.002.0", true, false},
		{"1.2.156.3005.2.11100000MB03271699022.340100.000000016.001.9", true, false},
		{"1.2.156.3005.2.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.001.6", true, false},
		{"1.2.156.3005.2.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.001.7", false, true},
		{"1.2.156.3005.2.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.6", false, false},
		{"1.2.156.3005.1.11100000MB0W9Y8X20001.11510100MB1A2B3CX2.2025000123.001.6", false, false},
		{"1.2.156.3005.2.11100000mb0W9Y8X20001.11510100MB1A2B3CX2.2025000123.001.6", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		ok, bad := ValidELicenceID(tt.id)
		if ok != tt.ok || bad != tt.badCheck {
			t.Errorf("ValidELicenceID(%q) = %v, %v; want %v, %v", tt.id, ok, bad, tt.ok, tt.badCheck)
		}
	}
}

func TestUSCC(t *testing.T) {
	tests := []struct {
		code string
		ok   bool
	}{
		{"91510100MA6CXY1243", true},
		{"92500103MA5U7K3Q8C", true},
		{"11511300008778693M", true},
		{"115113010833722043", true},
		{"11511301008778183N", true},
		{"11100000000013338W", true},
		{"91510100MA6CXY1244", false},
		{"91350203M0001QAY9B", false}, // real but fails the check (documented quirk)
		{"9151010OMA6CXY1243", false}, // O is not in the alphabet
		{"91510100MA6CXY124", false},
	}
	for _, tt := range tests {
		if got := ValidUSCC(tt.code); got != tt.ok {
			t.Errorf("ValidUSCC(%q) = %v, want %v", tt.code, got, tt.ok)
		}
	}
}
