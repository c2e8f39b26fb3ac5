package session

import "sckiosk/kiosk/core/msg"

// prompts are what elder mode says on entering a screen. They never carry
// personal data.
var prompts = map[Screen]msg.Key{
	Idle:        msg.PromptIdle,
	Identifying: msg.PromptIdentifying,
	ChooseItem:  msg.PromptChooseItem,
	ItemGuide:   msg.PromptItemGuide,
	Form:        msg.PromptForm,
	Review:      msg.PromptReview,
	Submitting:  msg.PromptSubmitting,
	Done:        msg.PromptDone,
	Failed:      msg.PromptFailed,
}

// prompt is what elder mode says on entering screen sc; no message for the
// technician's screens and the case view.
func prompt(sc Screen) msg.Text {
	if k, ok := prompts[sc]; ok {
		return msg.New(k)
	}
	return msg.Text{}
}
