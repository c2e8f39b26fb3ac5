package idcard

import (
	"sckiosk/devices/device"
	"sckiosk/ui/text"
)

// notice is what the citizen is told about a cause. The driver reports only
// the cause; the words come from the text package.
func notice(c device.Cause) string { return text.Chinese.Cause(c) }

// noticeOf is what the citizen is told about a ReadFailed event's error.
func noticeOf(err error) string { return notice(CauseOf(err)) }
