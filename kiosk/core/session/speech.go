package session

// SpeechCountdown is spoken when the countdown to the idle screen starts.
const SpeechCountdown = "即将返回首页。如需继续办理，请点击屏幕下方的继续办理。"

// prompt is what elder mode says on entering a screen. Prompts never
// carry personal data.
func prompt(sc Screen) string {
	switch sc {
	case Idle:
		return "欢迎使用政务服务自助终端。请点击开始办理。"
	case Identifying:
		return "请将身份证平放在读卡区，或出示天府通办二维码。"
	case ChooseItem:
		return "请选择您要办理的事项。"
	case ItemGuide:
		return "请阅读办理须知，然后点击开始填写。"
	case Form:
		return "请填写信息。联系电话请用屏幕下方的数字键输入。"
	case Review:
		return "请核对信息，勾选同意后点击确认提交。"
	case Submitting:
		return "正在提交，请稍候。"
	case Done:
		return "办理完成。请取走回执和您的身份证。"
	case Failed:
		return "办理没有完成，请按屏幕提示操作，或联系工作人员。"
	}
	return ""
}
