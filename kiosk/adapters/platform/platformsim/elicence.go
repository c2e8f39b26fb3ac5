package platformsim

import (
	"encoding/json"
	"net/http"
	"strings"

	"sckiosk/kiosk/adapters/platform"
	"sckiosk/kiosk/core/application"
	"sckiosk/kiosk/core/identity"
	"sckiosk/kiosk/core/qrpayload"
)

// licenceID builds an identifier with its check character.
func licenceID(typeCode, issuer, serial, version string) string {
	c, ok := qrpayload.Mod3736Check(typeCode + issuer + serial + version)
	if !ok {
		panic("platform: licence id of constant parts: bad character") // constant input only
	}
	return strings.Join([]string{platform.LicenceRootOID, typeCode, issuer, serial, version, string(c)}, ".")
}

// ELicence is an e-licence the simulator holds: the reference it gives.
type ELicence = application.LicenceRef

// Licence type codes of the demo licences: a fictitious definer USCC and
// a 3-digit sequence, as GB/T 36904 shapes them.
const (
	typeHukou    = "11100000MB0A00114L001" // 居民户口簿
	typeMarriage = "11100000MB0B001310001" // 结婚证
	typeBusiness = "11100000MB0C00159D001" // 营业执照
	typeProperty = "11100000MB0D00176Q001" // 不动产权证书
	typeBirth    = "11100000MB0E001934001" // 出生医学证明
)

// DemoLicences returns the e-licences the simulator holds, by holder's id
// number: for 张三 (the sample ID card, devices/idcard.SampleCard) and 李四
// (the sample app-code identity, simrig.SampleAppIdentity). Each call
// returns a fresh map.
func DemoLicences() map[string][]ELicence {
	withCheck := func(first17 string) string {
		c, err := identity.CheckDigit(first17)
		if err != nil {
			panic("platform: demo id number: " + err.Error()) // constant input
		}
		return first17 + string(c)
	}
	const (
		gaWuhou   = "11510100MB1E00021B" // 成都市公安局 (issuer codes as in the sample catalogue)
		mzChengd  = "11510100MB1K00035M"
		sjChengd  = "11510100MB1H00083F"
		bdcChengd = "12510100MB2J0001XE"
		wjChengd  = "11510100MB1L000521"
	)
	zhang := withCheck("51010719900307" + "123")
	li := withCheck("51010419850615" + "204")
	return map[string][]ELicence{
		zhang: {
			{Type: "居民户口簿", ID: licenceID(typeHukou, gaWuhou, "2020000317", "001"), Name: "居民户口簿", Issuer: "成都市公安局武侯区分局"},
			{Type: "结婚证", ID: licenceID(typeMarriage, mzChengd, "2019001208", "001"), Name: "结婚证", Issuer: "成都市武侯区民政局"},
			{Type: "不动产权证书", ID: licenceID(typeProperty, bdcChengd, "2021045566", "001"), Name: "不动产权证书", Issuer: "成都市不动产登记中心"},
			{Type: "营业执照", ID: licenceID(typeBusiness, sjChengd, "2022103344", "002"), Name: "营业执照（个体工商户）", Issuer: "成都市武侯区市场监督管理局"},
		},
		li: {
			{Type: "居民户口簿", ID: licenceID(typeHukou, gaWuhou, "2018000921", "001"), Name: "居民户口簿", Issuer: "成都市公安局锦江区分局"},
			{Type: "结婚证", ID: licenceID(typeMarriage, mzChengd, "2012000457", "001"), Name: "结婚证", Issuer: "成都市锦江区民政局"},
			{Type: "出生医学证明", ID: licenceID(typeBirth, wjChengd, "2025078812", "001"), Name: "出生医学证明", Issuer: "成都市卫生健康委员会"},
		},
	}
}

// queryLicence answers POST /api/v1/elicences/query.
func (s *Sim) queryLicence(r *http.Request) simAnswer {
	var q application.LicenceQuery
	if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 8<<10)).Decode(&q); err != nil {
		return simFail(http.StatusBadRequest, platform.CodeBadRequest, "请求格式错误 / malformed request")
	}
	switch {
	case !q.Consent:
		return simFail(http.StatusBadRequest, platform.CodeNoConsent, "未取得持证人授权 / the holder's consent is missing")
	case len(q.IDNumber) != 18 || strings.TrimSpace(q.LicenceType) == "":
		return simFail(http.StatusBadRequest, platform.CodeMissingField, "缺少证件号码或证照类型 / missing id_number or licence_type")
	}
	for _, l := range s.licences[q.IDNumber] {
		if l.Type == q.LicenceType {
			s.log.Info("sim e-licence given", "type", l.Type, "holder", identity.MaskNumber(q.IDNumber))
			return simOK(http.StatusOK, l)
		}
	}
	return simFail(http.StatusNotFound, platform.CodeNoLicence, "未查询到该电子证照 / no such e-licence for the holder")
}

// checkLicences reports the first licence reference of app that is not one
// of the applicant's licences, or "".
func (s *Sim) checkLicences(app application.Application) string {
	held := s.licences[app.Applicant.Number]
next:
	for _, ref := range app.Licences {
		for _, l := range held {
			if l.ID == ref.ID {
				continue next
			}
		}
		return ref.Type
	}
	return ""
}
