//go:build !linux

package fonts

// Release does nothing where the kiosk does not run (it is Linux only):
// the face's pages stay resident.
func Release() error { return nil }
