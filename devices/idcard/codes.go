package idcard

import (
	"fmt"
	"strings"
)

// sexName decodes a GB/T 2261.1 code.
func sexName(code string) (string, bool) {
	switch code {
	case "0":
		return "未知", true
	case "1":
		return "男", true
	case "2":
		return "女", true
	case "9":
		return "未说明", true
	}
	return "", false
}

// sexCode encodes a sex name, or passes a known code through.
func sexCode(s string) (string, bool) {
	for _, code := range []string{"0", "1", "2", "9"} {
		if name, _ := sexName(code); s == name || s == code {
			return code, true
		}
	}
	return "", false
}

// nations is GB/T 3304 by code; index = code for 1..56.
var nations = [...]string{
	"", "汉", "蒙古", "回", "藏", "维吾尔", "苗", "彝", "壮", "布依", "朝鲜",
	"满", "侗", "瑶", "白", "土家", "哈尼", "哈萨克", "傣", "黎", "傈僳",
	"佤", "畲", "高山", "拉祜", "水", "东乡", "纳西", "景颇", "柯尔克孜", "土",
	"达斡尔", "仫佬", "羌", "布朗", "撒拉", "毛南", "仡佬", "锡伯", "阿昌", "普米",
	"塔吉克", "怒", "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固", "京", "塔塔尔",
	"独龙", "鄂伦春", "赫哲", "门巴", "珞巴", "基诺",
}

const (
	nationOther   = "其他"
	nationForeign = "外国血统中国籍人士"
)

// NationName returns the name (without 族) of a two-digit GB/T 3304
// nation code, e.g. "01" → "汉".
func NationName(code string) (string, bool) {
	if len(code) != 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' {
		return "", false
	}
	n := int(code[0]-'0')*10 + int(code[1]-'0')
	switch {
	case n >= 1 && n < len(nations):
		return nations[n], true
	case n == 97:
		return nationOther, true
	case n == 98:
		return nationForeign, true
	}
	return "", false
}

// NationCode returns the two-digit GB/T 3304 code of a nation name (with
// or without 族), or passes a known code through.
func NationCode(name string) (string, bool) {
	if _, ok := NationName(name); ok {
		return name, true
	}
	for _, s := range []string{name, strings.TrimSuffix(name, "族")} {
		for i := 1; i < len(nations); i++ {
			if nations[i] == s {
				return fmt.Sprintf("%02d", i), true
			}
		}
		switch s {
		case nationOther:
			return "97", true
		case nationForeign:
			return "98", true
		}
	}
	return "", false
}
