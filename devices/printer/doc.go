// Package printer drives the kiosk's thermal receipt printer over ESC/POS:
// the status model (DLE EOT replies and GS a automatic status back) and a
// Driver with a print guard that refuses to send a job to a printer that is
// not ready. The bytes of a job come from package escpos; package render
// draws them as the printer would, and package printersim plays the
// printer on a pseudo-terminal.
package printer
