// Package receipt describes the receipt a citizen takes home as a document
// independent of paper: blocks of text, label/value rows and a tracking QR
// code. The printer encodes it to ESC/POS; the screen shows the same
// document rendered to an image.
package receipt

import (
	"fmt"
	"strings"
	"time"
)

// ChinaTime is the time zone printed on receipts (UTC+8, no daylight
// saving), whatever zone the kiosk's system clock is set to.
var ChinaTime = time.FixedZone("CST", 8*60*60)

// Kind is the kind of a block.
type Kind int

// Block kinds.
const (
	Title Kind = iota // centred, bold, double size
	Text              // wrapped paragraph
	Row               // "label：value" on one or more lines
	Rule              // a horizontal separator
	QR                // a QR code of Data, centred, with Text under it
)

// Block is one element of a receipt.
type Block struct {
	Kind  Kind
	Label string // Row only
	Text  string
	Data  string // QR only: the encoded content
}

// Document is a whole receipt, top to bottom.
type Document struct {
	Blocks []Block
}

// Case holds what a receipt says about one submitted application. Every
// personal value in it must already be masked.
type Case struct {
	Hall            string    // 服务大厅 name
	KioskID         string    // terminal id
	Item            string    // 事项名称
	CaseNumber      string    // 办件编号 from the platform, or a local reference while queued
	Queued          bool      // true while the application waits in the outbox
	Submitted       time.Time // 申请时间
	ApplicantMasked string    // 张*
	NumberMasked    string    // 5101**********123X
	Next            string    // 后续办理说明
	Due             string    // 承诺办结时限, e.g. "5个工作日"
	TrackCode       string    // content of the tracking QR code
	Linked          []string  // member cases of a 一件事一次办 bundle
	Licences        []string  // e-licences used instead of paper (数据多跑路)
	// Legal is an enterprise applying with its business licence: the
	// applicant rows say 申请单位 and 统一社会信用代码.
	Legal bool
	// Meanwhile is what the citizen can do while a queued application is
	// not yet at the platform (the item's offline note), "" for nothing.
	Meanwhile string
}

// Labels and words of a queued application's receipt: it names the
// kiosk's own reference for what it is, and says the application is not
// in effect until the platform has it.
const (
	LabelCase       = "办件编号"
	LabelLocalRef   = "本机受理号"
	StatusSubmitted = "已提交"
	StatusQueued    = "已保存在本机，尚未提交，提交前不生效（联网后自动提交）"
	localRefNote    = "本机受理号不是办件编号：政务服务平台收到申请后生成办件编号，扫描下方二维码可查询。"
)

// New builds the standard receipt for a case.
func New(c Case) Document {
	status, caseLabel := StatusSubmitted, LabelCase
	if c.Queued {
		status, caseLabel = StatusQueued, LabelLocalRef
	}
	who, number := "申请人", "证件号码"
	if c.Legal {
		who, number = "申请单位", "统一社会信用代码"
	}
	blocks := []Block{
		{Kind: Title, Text: "政务服务办件回执"},
		{Kind: Text, Text: c.Hall},
		{Kind: Rule},
		{Kind: Row, Label: "事项", Text: c.Item},
		{Kind: Row, Label: caseLabel, Text: c.CaseNumber},
		{Kind: Row, Label: "状态", Text: status},
		{Kind: Row, Label: who, Text: c.ApplicantMasked},
		{Kind: Row, Label: number, Text: c.NumberMasked},
		{Kind: Row, Label: "申请时间", Text: c.Submitted.In(ChinaTime).Format("2006-01-02 15:04")},
	}
	for i, n := range c.Linked {
		blocks = append(blocks, Block{Kind: Row, Label: fmt.Sprintf("关联办件%d", i+1), Text: n})
	}
	if len(c.Licences) > 0 {
		blocks = append(blocks, Block{Kind: Row, Label: "免交材料", Text: strings.Join(c.Licences, "、") + "（已调取电子证照）"})
	}
	if c.Due != "" {
		blocks = append(blocks, Block{Kind: Row, Label: "办结时限", Text: c.Due})
	}
	blocks = append(blocks, Block{Kind: Rule})
	switch {
	case c.Queued:
		// What the item promises (挂失即时生效) holds once the platform has
		// it, not before.
		blocks = append(blocks, Block{Kind: Text, Text: localRefNote})
		if c.Meanwhile != "" {
			blocks = append(blocks, Block{Kind: Text, Text: "在此期间：" + c.Meanwhile})
		}
		if c.Next != "" {
			blocks = append(blocks, Block{Kind: Text, Text: "平台收到申请后：" + c.Next})
		}
	case c.Next != "":
		blocks = append(blocks, Block{Kind: Text, Text: c.Next})
	}
	if c.TrackCode != "" {
		blocks = append(blocks, Block{Kind: QR, Data: c.TrackCode, Text: "扫码查询办理进度"})
	}
	blocks = append(blocks, Block{Kind: Text, Text: "终端 " + c.KioskID + "  请妥善保管本回执"})
	return Document{Blocks: blocks}
}

// CaseNumber is the receipt's case number, or the kiosk's own reference
// of a queued application.
func (d Document) CaseNumber() string {
	if n := d.Find(LabelCase); n != "" {
		return n
	}
	return d.Find(LabelLocalRef)
}

// Find returns the text of the first row with label, or "".
func (d Document) Find(label string) string {
	for _, b := range d.Blocks {
		if b.Kind == Row && b.Label == label {
			return b.Text
		}
	}
	return ""
}

// QRData returns the content of the first QR block (the tracking code), or
// "" when the receipt has none: what the screen shows as a QR when the
// printer cannot print.
func (d Document) QRData() string {
	for _, b := range d.Blocks {
		if b.Kind == QR {
			return b.Data
		}
	}
	return ""
}
