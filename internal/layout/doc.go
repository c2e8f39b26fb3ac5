// Package layout states, in its tests, the rules that keep the tree's
// picture true: which packages are pure, which binary may link what, and
// that no build output is committed. The rules are written once, in
// layout_test.go, as a table a newcomer can read; `make test` fails when
// one breaks.
//
// The rings, from the inside out:
//
//   - pure domain: kiosk/core/..., devices/device, kiosk/fleet/hallstate,
//     ui/text — no os or syscall imported directly, and nothing that does
//     I/O linked, even transitively (net, net/http, database/sql, os/exec,
//     SQLite, Fyne, serial and pty libraries);
//   - the effect executor: kiosk/runtime;
//   - adapters with their own I/O: kiosk/adapters/..., devices/...;
//   - assembly: kiosk/assembly/... and cmd/....
//
// A binary links only its own side: the kiosk does not link the hall's
// MQTT broker, the hall server links no platform client, outbox, device or
// simulator, and a driver never links its simulator.
package layout
