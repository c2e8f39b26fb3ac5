package escpos

// OpKind is what one parsed ESC/POS command or character does.
type OpKind uint8

// The kinds of Op. N, R, W, H and Data carry their arguments as noted.
const (
	OpIgnore      OpKind = iota // parsed and skipped (unknown or unsupported)
	OpText                      // print rune R
	OpLF                        // print the line and feed one line
	OpTab                       // horizontal tab
	OpFeedLines                 // ESC d n
	OpFeedDots                  // ESC J n
	OpInit                      // ESC @
	OpAlign                     // ESC a n
	OpBold                      // ESC E n, ESC G n
	OpUnderline                 // ESC - n
	OpPrintMode                 // ESC ! n
	OpSize                      // GS ! n
	OpLineSpacing               // ESC 3 n, ESC 2 (n < 0)
	OpQRModel                   // GS ( k fn 165
	OpQRModule                  // GS ( k fn 167
	OpQREC                      // GS ( k fn 169
	OpQRStore                   // GS ( k fn 180, Data
	OpQRPrint                   // GS ( k fn 181
	OpRaster                    // GS v 0: W bytes per row, H rows, N density, Data
	OpCut                       // GS V, ESC i, ESC m
	OpStatus                    // DLE EOT n (real time)
	OpRealtime                  // other real-time commands (DLE ENQ, DLE DC4)
	OpASB                       // GS a n: automatic status back enable bits
)

// Op is one parsed unit of the stream. Data and Raw alias the parser's
// buffer and are valid only during the callback.
type Op struct {
	Kind OpKind
	N    int    // the command's parameter n
	R    rune   // OpText: the character
	W, H int    // OpRaster: bytes per row, rows
	Data []byte // OpQRStore, OpRaster: the payload
	Raw  []byte // the bytes the op was parsed from
}

// Realtime reports whether o is a real-time command, which is answered (or
// ignored) at once and is not part of a print job.
func (o Op) Realtime() bool { return o.Kind == OpStatus || o.Kind == OpRealtime }

// Prints reports whether o puts something on the paper.
func (o Op) Prints() bool {
	switch o.Kind {
	case OpText, OpLF, OpTab, OpFeedLines, OpFeedDots, OpQRPrint, OpRaster:
		return true
	}
	return false
}
