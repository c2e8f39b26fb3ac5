package simrig

// Sample codes the control panel shows to the scanner. Until the platform
// verifies app codes (the QR issue), both are refused with a clear notice.
const (
	SampleAppCode = "TFTB:1:SAMPLE-0001:7d1c0c4e"
	ForgedAppCode = "TFTB:1:SAMPLE-0001:00000000"
)
