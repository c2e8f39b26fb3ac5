// Package msg names the messages the kiosk gives people, as typed keys
// with parameters: the session core, the runtime, the device drivers and
// the adapters (the platform client) say what to tell someone with a Key,
// never in words. The words are in the UI's text package (sckiosk/ui/text),
// which renders a Text in Chinese (and later in other languages).
package msg

// Key names one message. Its words, with a slot for each parameter, are in
// ui/text's tables; the comment on each key says what its parameters
// (Args) are.
type Key int

// The messages. None is the zero Key: no message.
const (
	None Key = iota

	// DeviceCause is a device's own notice for a cause (Args[0], a
	// device.Cause), e.g. 读卡失败，请重新放置证件.
	DeviceCause
	// DeviceUnavailable: a device (Args[0], a device.Kind) is out of
	// service, so an item cannot be served.
	DeviceUnavailable
	// ItemUnavailable: item Args[0] (its name) cannot be served now, and
	// why (Args[1], a Text).
	ItemUnavailable
	// ReaderUnusable: the card reader went away while identifying.
	ReaderUnusable
	// TechReadFailed: the technician's card self-test failed with a cause
	// (Args[0]).
	TechReadFailed
	// PrinterDown: no paper receipt, the printer cannot be used.
	PrinterDown
	// PrinterCausePhoto: no paper receipt because of a cause (Args[0]).
	PrinterCausePhoto

	// Fault screens and panels.
	FaultNoIdentifyTitle  // no way to identify anyone: title
	FaultNoIdentifyCause  // … and what happened
	DeviceOutOfService    // device Args[0] (a device.Kind) is out of service: title
	FaultReaderCause      // the card reader (Args[0]) is down, Args[1] says why
	FaultCodeReaderCause  // the scanner (Args[0]) is down, Args[1] says why
	DeviceCauseInBrackets // a device's cause (Args[0]) in brackets
	DeviceUnusable        // the device cannot be used (no cause known)
	FaultPlatformTitle    // the platform cannot be reached: title
	FaultPlatformCause    // … and what happened
	FaultPrinterTitle     // the receipt could not be printed: title
	PrinterUnusable       // the printer cannot be used (no cause known)
	FaultPrinterQueued    // why (Args[0], a Text) no receipt; the application waits in the outbox
	FaultPrinterSubmitted // why (Args[0], a Text) no receipt; the application was submitted
	FaultSubmitTitle      // the application could not be saved: title

	// Steps the citizen can take next.
	StepStaff           // go to a staffed counter
	StepOther           // another kiosk, too
	StepOtherFirst      // another kiosk, first
	StepPhone           // the 天府通办 app
	StepPhoto           // photograph the receipt's QR code
	StepAssist          // a paper receipt at a counter
	StepShowCode        // show a code instead of the card
	StepPlaceCard       // place the card instead of a code
	StepContinueOffline // go on; the application is submitted later
	StepSavedLocally    // the application is kept on the kiosk
	StepWiped           // the data is wiped on the way home

	// Notices on the citizen's screens.
	CardExpired   // the card has expired
	CardInvalid   // the card's identity number does not check
	CodeVerifying // a code is being verified
	FormCheck     // fields marked red need attention
	ConsentNeeded // tick the consent box first
	SubmitFailed  // the application was not saved
	// Why a code identifies no one.
	CodeUnsupported      // this kiosk takes no codes, only cards
	CodeUnreadable       // the code could not be verified
	ScanFailed           // the scanner could not read the code
	CodeCheckUnavailable // the platform cannot verify codes now
	CaseNotFound         // no case for a scanned receipt
	CaseLookupFailed     // the case's status cannot be looked up now
	QRUnrecognized       // not a code the kiosk knows
	QRMalformed          // incomplete or damaged
	QRForged             // the signature does not verify
	QRExpired            // an app code too old
	QRNotYetValid        // a code issued in the future
	QRLifetime           // a code valid for longer than allowed
	QRUnknownKey         // signed by a key not registered
	QRWrongHost          // a URL to a site that is not the government's
	QRCheckChar          // an e-licence identifier with a wrong check character
	QRUSCC               // a business licence whose credit code does not check
	QRReceiptHere        // a receipt code shown where identity is asked for
	QRShowIdentity       // a valid code that identifies no one
	// Why the platform refused a code it was asked to verify (an app code
	// it refuses as too old is QRExpired).
	AppCodeRefused      // an app code that does not verify
	LicenceCodeExpired  // a 亮证 code too old
	LicenceRevoked      // the e-licence behind a 亮证 code is revoked
	LicenceCodeRefused  // a 亮证 code that does not verify
	BusinessClosed      // the enterprise of a business-licence code is closed
	BusinessCodeRefused // a business-licence code that does not verify
	// What is wrong with a form field's value; Args[0] is the field's label
	// where the message names it.
	FieldRequired   // a required field is empty
	FieldTooLong    // longer than Args[1] characters
	PhoneInvalid    // not an 11-digit mobile number
	ChoiceRequired  // not one of the options
	IDNumberInvalid // an identity number that does not check
	USCCInvalid     // a credit code that does not check
	DateInvalid     // not a YYYYMMDD date
	MonthInvalid    // not a YYYYMM month (Args[0] the label)
	NumberInvalid   // not digits only (Args[0] the label)
	BankCardInvalid // not a bank card number of 12 to 19 digits

	// Technician mode.
	TechVerifyingPIN // the PIN is being checked
	TechPINDisabled  // no PIN is set: technician mode is off
	TechPINLocked    // too many wrong PINs; locked for Args[0] minutes
	TechPINWrong     // wrong PIN; Args[0] tries left
	TechReadCardWait // card self-test: place a card
	TechScanCodeWait // code self-test: show a code
	TechRunning      // a command is running
	TechReadPassed   // card self-test passed: masked name Args[0], masked number Args[1]
	TechScanPassed   // code self-test passed: a code of Args[0] characters
	TechUnavailable  // the runtime has no technician backend
	// Outcomes of technician commands.
	TechNoPrinter       // no printer configured
	TechTestPrinted     // the test receipt was printed
	TechTestPrintFailed // the test receipt was not printed, cause Args[0]
	TechOutboxRetried   // the outbox was retried: Args[0] pending, Args[1] needing a person
	TechPlatformHealth  // the Sichuan (Args[0]) and Chongqing (Args[1]) platforms, each a Text
	TechPlatformOK      // platform Args[0] (a Key) answers
	TechPlatformDown    // platform Args[0] (a Key) cannot be reached
	PlatformSichuan     // the Sichuan platform
	PlatformChongqing   // the Chongqing platform
	TechNoLog           // the kiosk keeps no log in memory
	TechLogEmpty        // the log is empty
	TechLogTail         // the last log lines (Args[0], masked English text)
	TechUnsupported     // this kiosk cannot do that
	TechQuitting        // the kiosk is quitting
	TechUnknown         // an unknown command

	// Spoken: the countdown, and elder mode's prompt on entering a screen.
	SpeechCountdown
	PromptIdle
	PromptIdentifying
	PromptChooseItem
	PromptItemGuide
	PromptForm
	PromptReview
	PromptSubmitting
	PromptDone
	PromptFailed
	PromptDoneNoCard // done, when no card was used: nothing to take back but the receipt

	// Where the applicant's details on a form came from, and what to take
	// back at the end: worded by how the citizen identified.
	ApplicantFromIDCard  // a resident ID card
	ApplicantFromPermit  // a residence permit or permanent residence card
	ApplicantFromApp     // a 天府通办 identity or 亮证 e-licence code
	ApplicantFromLicence // a business licence code (一照通办)
	TakeIDCardBack       // a resident ID card was read
	TakeCardBack         // another card was read

	// The card on the reader (a visit ends when it is lifted mid-form; a
	// card left behind is asked for until it is lifted).
	CardPutBackID  // an ID card left the reader mid-visit: put it back within Args[0] seconds
	CardPutBack    // another card left the reader mid-visit: put it back within Args[0] seconds
	CardPlaceAgain // 开始办理 with a card already on the reader: lift it and place it again
	CardLeftID     // the visit ended with the ID card still on the reader: take it
	CardLeft       // the visit ended with another card still on the reader: take it

	// Items the platform must take at once, and applications kept in the
	// outbox.
	ItemNeedsPlatform  // item Args[0] (its name) is not accepted while the platform cannot be reached; Args[1] what to do meanwhile
	QueuedTitle        // the done screen's title for an application kept in the outbox
	QueuedNotInEffect  // the application is saved on the kiosk, not yet at the platform, so not in effect
	QueuedMeanwhile    // what to do meanwhile: Args[0], the item's own advice
	QueuedNumber       // the label of the kiosk's own reference (Q-…) for a queued application
	QueuedNumberNote   // why the reference is not a 办件编号
	CaseNotYetReceived // a scanned offline receipt whose application has not reached the platform yet
	SubmittedTitle     // the done screen's title for an application the platform accepted
	SubmittedStatus    // … and its line

	// Who may apply for an item.
	ItemForPersons     // item Args[0] is for natural persons with their own card or code
	ItemForEnterprises // item Args[0] is for enterprises, with their business licence

	// Devices an item needs, checked again before submitting.
	DeviceDown      // device Args[0] (a device.Kind) cannot be used now
	ItemNeedsDevice // Args[0] (a Text: what is down), so the item cannot be submitted now
	ReprintReady    // the printer works again: the receipt can be printed
	// ItemOfflineShort: on an item's button, it is not accepted while the
	// platform cannot be reached.
	ItemOfflineShort
	// FaultReaderOwnCause: the card reader's own failure (Args[0], a cause
	// whose words name the reader), so no card can be read.
	FaultReaderOwnCause

	// The five 好差评 grades, GB/T 39046 A.8 order.
	GradeVerySatisfied
	GradeSatisfied
	GradeFairlySatisfied
	GradeDissatisfied
	GradeVeryDissatisfied

	numKeys
)

// Keys lists every message key but None.
func Keys() []Key {
	out := make([]Key, 0, numKeys-1)
	for k := None + 1; k < numKeys; k++ {
		out = append(out, k)
	}
	return out
}

// Text is a message with its parameters. A parameter is said in words by
// the renderer when it is a device.Kind, device.State, device.Cause, Key or
// Text; anything else (an item's name, a count) is shown as it is. The
// zero Text is no message.
type Text struct {
	Key  Key
	Args []any
}

// New returns the message k with its parameters.
func New(k Key, args ...any) Text { return Text{Key: k, Args: args} }

// IsZero reports whether t is no message.
func (t Text) IsZero() bool { return t.Key == None }
