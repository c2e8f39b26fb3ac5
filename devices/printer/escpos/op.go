package escpos

// OpKind is what one parsed ESC/POS command or character does.
type OpKind uint8

// The kinds of Op. N, R, W, H and Data carry their arguments as noted.
const (
	OpIgnore           OpKind = iota // parsed and skipped (unknown or unsupported)
	OpText                           // print rune R
	OpLF                             // print the line and feed one line
	OpTab                            // horizontal tab
	OpFeedLines                      // ESC d n
	OpFeedDots                       // ESC J n
	OpInit                           // ESC @
	OpAlign                          // ESC a n
	OpBold                           // ESC E n, ESC G n
	OpUnderline                      // ESC - n
	OpPrintMode                      // ESC ! n
	OpSize                           // GS ! n
	OpLineSpacing                    // ESC 3 n, ESC 2 (n < 0)
	OpQRModel                        // GS ( k fn 165
	OpQRModule                       // GS ( k fn 167
	OpQREC                           // GS ( k fn 169
	OpQRStore                        // GS ( k fn 180, Data
	OpQRPrint                        // GS ( k fn 181
	OpRaster                         // GS v 0: W bytes per row, H rows, N density, Data
	OpCut                            // GS V, ESC i, ESC m
	OpStatus                         // DLE EOT n (real time)
	OpRealtime                       // other real-time commands (DLE ENQ, DLE DC4)
	OpASB                            // GS a n: automatic status back enable bits
	OpFont                           // ESC M n: character font A (0) or B (1)
	OpBarcode                        // GS k: N the symbology (65–78; form A's 0–6 as 65–71), Data, W 1 for form A
	OpBarcodeHeight                  // GS h n: bar height in dots
	OpBarcodeWidth                   // GS w n: module width
	OpBarcodeHRI                     // GS H n: human-readable text none, above, below, both
	OpBarcodeFont                    // GS f n: HRI font A (0) or B (1)
	OpBitImage                       // ESC * m nL nH: N mode, W columns, Data
	OpGraphicsStore                  // GS ( L / GS 8 L fn 112: W×H dots, N scale (bx | by<<4), Data rows of ⌈W/8⌉ bytes
	OpGraphicsPrint                  // GS ( L / GS 8 L fn 50: print the stored graphics
	OpGraphicsDefine                 // GS ( L fn 67/83: define NV or download graphics N (kc1<<8 | kc2), W×H dots, Data
	OpGraphicsPrintKey               // GS ( L fn 69/85: print the graphics N, scaled W×H (1 or 2)
	OpUnrendered                     // a command the simulated paper does not show: Name says which
)

// Op is one parsed unit of the stream. Data and Raw alias the parser's
// buffer and are valid only during the callback.
type Op struct {
	Kind OpKind
	N    int    // the command's parameter n
	R    rune   // OpText: the character
	W, H int    // OpRaster: bytes per row, rows
	Data []byte // OpQRStore, OpRaster, OpBarcode, OpBitImage, OpGraphicsStore: the payload
	Raw  []byte // the bytes the op was parsed from
	// Name says what an OpUnrendered command is ("PDF417",
	// "unknown ESC 2B"), never with its data.
	Name string
	// Embedded marks an OpStatus found inside another command's bytes:
	// answered at once, as a printer does, and still part of that
	// command.
	Embedded bool
}

// Realtime reports whether o is a real-time command, which is answered (or
// ignored) at once and is not part of a print job.
func (o Op) Realtime() bool { return o.Kind == OpStatus || o.Kind == OpRealtime }

// Prints reports whether o puts something on the paper.
func (o Op) Prints() bool {
	switch o.Kind {
	case OpText, OpLF, OpTab, OpFeedLines, OpFeedDots, OpQRPrint, OpRaster, OpBarcode, OpBitImage, OpGraphicsPrint, OpGraphicsPrintKey:
		return true
	}
	return false
}
