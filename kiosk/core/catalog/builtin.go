package catalog

import "sckiosk/devices/device"

// Builtin is the catalogue the kiosk uses until the platform's signed
// catalogue has been fetched (and what the simulator serves). The codes are
// fictitious but shaped like national 实施编码: the implementing body's
// unified social credit code, the level digit, a 12-character basic code.
func Builtin() Catalog {
	applicant := []Field{
		{Key: "name", Label: "申请人姓名", Kind: Text, Required: true, Prefill: FromName, ReadOnly: true},
		{Key: "id_number", Label: "公民身份号码", Kind: Text, Required: true, Prefill: FromNumber, ReadOnly: true},
		{Key: "phone", Label: "联系电话", Kind: Phone, Required: true},
	}
	legal := []Field{
		{Key: "name", Label: "企业名称", Kind: Text, Required: true, Prefill: FromName, ReadOnly: true, For: LegalPerson},
		{Key: "id_number", Label: "统一社会信用代码", Kind: USCC, Required: true, Prefill: FromNumber, ReadOnly: true, For: LegalPerson},
		{Key: "phone", Label: "联系电话", Kind: Phone, Required: true, For: LegalPerson},
	}
	with := func(extra ...Field) []Field { return append(append([]Field{}, applicant...), extra...) }
	// either opens a form with a person's fields and an enterprise's, each
	// asked of its own kind of applicant.
	either := func(extra ...Field) []Field {
		var out []Field
		for _, f := range applicant {
			f.For = NaturalPerson
			out = append(out, f)
		}
		return append(append(out, legal...), extra...)
	}
	return Catalog{Version: "builtin-1", Items: []Item{
		{
			Code: "11510100MB0000001K3510100001001", Name: "居住证签注", Department: "成都市公安局",
			Category: "户籍证件", Flow: "申请→核验→签注→办结", Fee: "不收费",
			Province: "51", Mode: "全程网办", Due: "即时办结",
			Conditions: "在本市居住满半年并已办理居住证的居民。",
			Materials:  []string{"居民身份证", "居民户口簿"},
			ELicences:  []string{"居民户口簿"},
			Next:       "签注结果将以短信通知，可凭回执二维码查询进度。",
			Fields:     with(Field{Key: "reason", Label: "签注事由", Kind: Choice, Required: true, Options: []string{"居住", "就业", "就读"}}),
		},
		{
			Code: "11510100MB0000002H3510100002001", Name: "社会保障卡补领", Department: "成都市人力资源和社会保障局",
			Category: "社保医保", Flow: "申请→受理→制卡→领卡", Fee: "不收费",
			Province: "51", Mode: "全程网办", Due: "5个工作日",
			Conditions: "社会保障卡遗失或损坏的参保人员。",
			Materials:  []string{"居民身份证"},
			Next:       "新卡制成后将短信通知领取地点。",
			Fields: with(Field{Key: "reason", Label: "补领原因", Kind: Choice, Required: true, Options: []string{"遗失", "损坏", "信息变更"}},
				Field{Key: "remark", Label: "备注", Kind: Text, Max: 40}),
		},
		{
			Code: "11510100MB0000003D3510100003001", Name: "个人参保证明打印", Department: "成都市社会保险事业管理局",
			Category: "社保医保", Flow: "申请→核验→打印", Fee: "不收费",
			Province: "51", Mode: "全程网办", Due: "即时办结",
			Conditions: "在本市参加社会保险的人员。",
			Materials:  []string{"居民身份证"},
			Next:       "凭办件编号可在任一服务大厅人工窗口打印证明。",
			Fields:     with(Field{Key: "period", Label: "证明期间", Kind: Choice, Required: true, Options: []string{"近6个月", "近12个月", "全部"}}),
			Needs:      []device.Kind{device.Printer},
		},
		{
			Code: "11510100MB0000004A3510100004001", Name: "不动产登记信息查询", Department: "成都市不动产登记中心",
			Category: "住房不动产", Flow: "申请→核验→推送结果", Fee: "不收费",
			Province: "51", Mode: "全程网办", Due: "1个工作日",
			Conditions: "查询本人名下不动产登记信息。",
			Materials:  []string{"居民身份证"},
			Next:       "查询结果将推送至天府通办App。",
			Fields:     with(),
		},
		{
			Code: "11500000MB0000005X3500000005001", Name: "重庆市住房公积金缴存证明", Department: "重庆市住房公积金管理中心",
			Category: "住房不动产", Flow: "申请→重庆受理→审核→推送结果", Fee: "不收费",
			Province: "50", Mode: "川渝通办·全程网办", Due: "3个工作日",
			Conditions: "在重庆市缴存住房公积金的职工。",
			Materials:  []string{"居民身份证"},
			Next:       "由重庆市办理，结果推送至渝快办App，并可凭回执查询。",
			Fields:     with(Field{Key: "purpose", Label: "用途", Kind: Choice, Required: true, Options: []string{"贷款", "落户", "其他"}}),
		},
		{
			Code: "11510100MB0000006R3510100006001", Name: "老年人优待证申领", Department: "成都市民政局",
			Category: "民政养老", Flow: "申请→受理→审核→制证→送达", Fee: "不收费",
			Province: "51", Mode: "全程网办", Due: "10个工作日",
			Conditions: "年满60周岁的本市户籍或常住老年人。",
			Materials:  []string{"居民身份证"},
			Next:       "优待证制成后邮寄或到社区领取。",
			Fields: with(Field{Key: "pickup", Label: "领取方式", Kind: Choice, Required: true, Options: []string{"社区领取", "邮寄到家"}},
				Field{Key: "mail_address", Label: "收件地址", Kind: Text, Prefill: FromAddress, Max: 60}),
		},
		{
			Code: "11510100MB0000007N3510100007001", Name: "灵活就业人员参保登记", Department: "成都市社会保险事业管理局",
			Category: "社保医保", Flow: "申请→受理→审核→办结", Fee: "不收费",
			Province: "51", Mode: "全程网办", Due: "3个工作日",
			Conditions: "在本市灵活就业的人员。",
			Materials:  []string{"居民身份证"},
			Next:       "登记结果将以短信通知。",
			Fields:     with(Field{Key: "start_date", Label: "参保起始日期", Kind: Date, Required: true}),
		},
		{
			Code: "11510100MB0000008J3510100008001", Name: "个体工商户年度报告", Department: "成都市市场监督管理局",
			Category: "市场主体", Flow: "填报→公示", Fee: "不收费",
			Province: "51", Mode: "全程网办", Due: "即时办结",
			Conditions: "在本市登记的个体工商户经营者。",
			Materials:  []string{"居民身份证", "营业执照"},
			Next:       "年报公示后可在国家企业信用信息公示系统查询。",
			Applicants: []ApplicantKind{NaturalPerson, LegalPerson},
			Fields: either(Field{Key: "uscc", Label: "统一社会信用代码", Kind: USCC, Required: true, For: NaturalPerson},
				Field{Key: "agent_id", Label: "代办人公民身份号码（可不填）", Kind: IDNo}),
		},
	}}
}
