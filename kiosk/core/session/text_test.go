package session

import (
	"sckiosk/kiosk/core/msg"
	"sckiosk/ui/text"
)

// zh is t in the kiosk's Chinese, for assertions on what the citizen reads.
func zh(t msg.Text) string { return text.Chinese.Render(t) }
