package qrpayload

import (
	"sckiosk/kiosk/core/msg"
	"sckiosk/ui/text"
)

// zh is t as the citizen reads it.
func zh(t msg.Text) string { return text.Chinese.Render(t) }
