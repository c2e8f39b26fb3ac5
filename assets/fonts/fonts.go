// Package fonts embeds the CJK face every screen and the printer simulator
// draw with: Noto Sans CJK SC Regular (SIL Open Font License 1.1, see
// OFL.txt), extracted from Debian's fonts-noto-cjk collection by
// tools/ttcface. It covers the rare characters (生僻字) ID cards carry, CJK
// Extension B included, and makes rendering identical on every machine.
package fonts

import _ "embed"

// NotoSansCJKSC is the OpenType (CFF) data of Noto Sans CJK SC Regular.
//
//go:embed NotoSansCJKsc-Regular.otf
var NotoSansCJKSC []byte
