package escpos

import (
	"errors"
	"fmt"
	"strings"

	"github.com/skip2/go-qrcode"

	"sckiosk/kiosk/core/receipt"
)

// EncodeOptions control how EncodeReceipt lays out a receipt.
type EncodeOptions struct {
	Paper        Paper   // roll width; zero means Paper58
	QRMode       QRMode  // native GS ( k (default) or raster GS v 0
	QRModuleSize int     // dots per QR module; zero means 6, shrunk to fit the paper
	QRECLevel    ECLevel // zero means ECLevelM
}

// WithDefaults returns o with its zero fields filled in, or an error when
// a field is invalid.
func (o EncodeOptions) WithDefaults() (EncodeOptions, error) {
	if o.Paper == 0 {
		o.Paper = Paper58
	}
	if !o.Paper.Valid() {
		return o, fmt.Errorf("printer: unsupported paper %d mm", int(o.Paper))
	}
	if o.QRModuleSize == 0 {
		o.QRModuleSize = 6
	}
	if o.QRModuleSize < 1 || o.QRModuleSize > MaxModuleSize {
		return o, fmt.Errorf("printer: QR module size %d out of range 1–%d", o.QRModuleSize, MaxModuleSize)
	}
	if o.QRECLevel == 0 {
		o.QRECLevel = ECLevelM
	}
	if !o.QRECLevel.Valid() {
		return o, fmt.Errorf("printer: QR error correction %#x invalid", byte(o.QRECLevel))
	}
	if o.QRMode != QRNative && o.QRMode != QRRaster {
		return o, fmt.Errorf("printer: unknown QR mode %d", o.QRMode)
	}
	return o, nil
}

// titleGap is the feed in dots under a title, whose double-height glyphs
// fill the whole line.
const titleGap = 12

// rowSep separates a row's label from its value: a full-width colon.
const rowSep = "："

// EncodeReceipt lays doc out for the paper and returns the whole print job:
// reset, Chinese mode, the blocks (title centred bold double size, text
// wrapped, rows as "label：value" with continuation lines indented under
// the value, rules as a line of '-', QR centred with its caption), a feed
// and a partial cut.
func EncodeReceipt(doc receipt.Document, opt EncodeOptions) ([]byte, error) {
	opt, err := opt.WithDefaults()
	if err != nil {
		return nil, err
	}
	cols := opt.Paper.Columns()
	e := NewEncoder()
	e.Init().ChineseMode(true).Align(AlignLeft)
	for i, b := range doc.Blocks {
		switch b.Kind {
		case receipt.Title:
			e.Align(AlignCenter).Bold(true).Size(2, 2)
			for _, l := range Wrap(b.Text, cols/2) {
				e.Text(l).LF()
			}
			e.Size(1, 1).Bold(false).Align(AlignLeft).FeedDots(titleGap)
		case receipt.Text:
			if strings.TrimSpace(b.Text) == "" {
				continue
			}
			for _, l := range Wrap(b.Text, cols) {
				e.Text(l).LF()
			}
		case receipt.Row:
			for _, l := range rowLines(b.Label, b.Text, cols) {
				e.Text(l).LF()
			}
		case receipt.Rule:
			e.Text(strings.Repeat("-", cols)).LF()
		case receipt.QR:
			if err := encodeQR(e, []byte(b.Data), opt); err != nil {
				return nil, fmt.Errorf("printer: block %d: %w", i, err)
			}
			if b.Text != "" {
				e.Align(AlignCenter)
				for _, l := range Wrap(b.Text, cols) {
					e.Text(l).LF()
				}
				e.Align(AlignLeft)
			}
		default:
			return nil, fmt.Errorf("printer: block %d: unknown kind %d", i, b.Kind)
		}
	}
	e.Feed(3).Cut(0)
	if err := e.Err(); err != nil {
		return nil, err
	}
	return e.Bytes(), nil
}

// encodeQR emits a blank line, the centred QR symbol and another blank line
// (the quiet zone), shrinking the module size until the symbol fits.
func encodeQR(e *Encoder, data []byte, opt EncodeOptions) error {
	if len(data) == 0 {
		return errors.New("printer: empty QR data")
	}
	q, err := qrcode.New(string(data), opt.QRECLevel.qrLevel())
	if err != nil {
		return fmt.Errorf("printer: build QR of %d bytes: %w", len(data), err)
	}
	modules := 17 + 4*q.VersionNumber
	module := min(opt.QRModuleSize, opt.Paper.Dots()/modules)
	if module < 1 {
		return fmt.Errorf("printer: QR of %d modules does not fit %s paper", modules, opt.Paper)
	}
	e.LF().Align(AlignCenter)
	if opt.QRMode == QRRaster {
		q.DisableBorder = true
		bm := q.Bitmap()
		n := len(bm) * module
		e.raster(n, n, func(x, y int) bool { return bm[y/module][x/module] })
	} else {
		e.QR(data, module, opt.QRECLevel)
	}
	e.LF().Align(AlignLeft)
	return e.Err()
}

// rowLines lays out "label：value" in cols columns; continuation lines are
// indented to the value's column, or by two columns when the label is too
// wide for that.
func rowLines(label, value string, cols int) []string {
	label, value = strings.TrimSpace(printable(label)), strings.TrimSpace(value)
	if label == "" {
		return Wrap(value, cols)
	}
	prefix := label + rowSep
	pw := DisplayWidth(prefix)
	indent := pw
	if indent > cols/2 {
		indent = 2
	}
	pad := strings.Repeat(" ", indent)
	if value == "" {
		return Wrap(prefix, cols)
	}
	var lines []string
	if cols-pw < 4 {
		// The label leaves no room: it gets its own line(s).
		lines = Wrap(prefix, cols)
		for _, l := range Wrap(value, cols-indent) {
			lines = append(lines, pad+l)
		}
		return lines
	}
	for i, l := range wrapWidths(value, cols-pw, cols-indent) {
		if i == 0 {
			lines = append(lines, prefix+l)
		} else {
			lines = append(lines, pad+l)
		}
	}
	return lines
}
