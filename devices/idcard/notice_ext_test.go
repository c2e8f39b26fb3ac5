package idcard_test

import (
	"sckiosk/devices/device"
	"sckiosk/devices/idcard"
	"sckiosk/ui/text"
)

// notice is what the citizen is told about a cause: the driver reports
// the cause, the text package says it.
func notice(c device.Cause) string { return text.Chinese.Cause(c) }

// noticeOf is what the citizen is told about a ReadFailed event's error.
func noticeOf(err error) string { return notice(idcard.CauseOf(err)) }
