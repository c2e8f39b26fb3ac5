package idcardsim

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"go.yaml.in/yaml/v3"

	"sckiosk/devices/idcard"
)

// Fixture is the file format of simulator cards (kioskctl sim idcard
// --card FILE): YAML with the keys below, named like the CLI's JSON
// output. Dates may be written YYYYMMDD or YYYY-MM-DD (quote them); valid_to
// may be 长期. Unknown keys are an error. Example:
//
//	card_type: hmt_resident_permit   # resident (default), hmt_resident_permit,
//	                                 # foreign_permanent_2017, foreign_permanent_2023
//	name: 陈小明
//	sex: 男
//	birth: "1988-05-12"
//	address: 四川省成都市锦江区红星路三段1号
//	appended_address: 四川省成都市高新区天府大道北段1700号   # optional
//	id_number: "810000198805121238"
//	issuer: 成都市公安局锦江区分局
//	valid_from: "2021-06-01"
//	valid_to: "2031-06-01"
//	pass_number: H12345678
//	issue_count: "01"
//	photo: photo.wlt   # optional, ≤ 1024 bytes, relative to the fixture
//
// Without photo the card carries the sample's non-zero ramp.
type Fixture struct {
	CardType        string `yaml:"card_type"`
	Name            string `yaml:"name"`
	NameEN          string `yaml:"name_en"`
	Sex             string `yaml:"sex"`
	Nation          string `yaml:"nation"`
	Birth           string `yaml:"birth"`
	Address         string `yaml:"address"`
	AppendedAddress string `yaml:"appended_address"`
	Number          string `yaml:"id_number"`
	Issuer          string `yaml:"issuer"`
	ValidFrom       string `yaml:"valid_from"`
	ValidTo         string `yaml:"valid_to"`
	Nationality     string `yaml:"nationality"`
	PassNumber      string `yaml:"pass_number"`
	IssueCount      string `yaml:"issue_count"`
	RenewalCount    string `yaml:"renewal_count"`
	CardVersion     string `yaml:"card_version"`
	OldNumberRef    string `yaml:"old_number_ref"`
	Photo           string `yaml:"photo"`
}

// LoadFixture reads a card fixture file (see [Fixture]) and checks that the
// card can be encoded.
func LoadFixture(path string) (idcard.Card, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return idcard.Card{}, fmt.Errorf("idcard: card fixture: %w", err)
	}
	c, err := ParseFixture(data, filepath.Dir(path))
	if err != nil {
		return idcard.Card{}, fmt.Errorf("idcard: card fixture %s: %w", path, err)
	}
	return c, nil
}

// ParseFixture decodes fixture YAML; a photo path is taken relative to dir.
func ParseFixture(data []byte, dir string) (idcard.Card, error) {
	var f Fixture
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return idcard.Card{}, fmt.Errorf("parse: %w", err)
	}
	typ := idcard.CardResident
	if f.CardType != "" {
		var ok bool
		if typ, ok = idcard.ParseCardType(f.CardType); !ok {
			return idcard.Card{}, fmt.Errorf("%w: unknown card_type %q", idcard.ErrField, f.CardType)
		}
	}
	c := idcard.Card{
		Type: typ, Name: f.Name, NameEN: f.NameEN, Sex: f.Sex, Nation: f.Nation,
		Birth: undash(f.Birth), Address: f.Address, AppendedAddress: f.AppendedAddress,
		Number: f.Number, Authority: f.Issuer, ValidFrom: undash(f.ValidFrom), ValidTo: undash(f.ValidTo),
		Nationality: f.Nationality, PassNumber: f.PassNumber, IssueCount: f.IssueCount,
		RenewalCount: f.RenewalCount, CardVersion: f.CardVersion, OldNumberRef: f.OldNumberRef,
	}
	if c.Sex == "" {
		c.Sex = "未说明"
	}
	if typ == idcard.CardResident && c.Nation == "" {
		return idcard.Card{}, fmt.Errorf("%w: a resident card needs a nation", idcard.ErrField)
	}
	if f.Photo != "" {
		p := f.Photo
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		photo, err := os.ReadFile(p)
		if err != nil {
			return idcard.Card{}, fmt.Errorf("photo: %w", err)
		}
		if len(photo) > idcard.PhotoSize {
			return idcard.Card{}, fmt.Errorf("%w: photo of %d bytes exceeds %d", idcard.ErrField, len(photo), idcard.PhotoSize)
		}
		c.Photo = photo
	} else {
		c.Photo = idcard.SampleCard().Photo
	}
	if _, err := idcard.EncodeText(c); err != nil {
		return idcard.Card{}, err
	}
	if c.AppendedAddress != "" {
		if _, err := idcard.EncodeAddress(c.AppendedAddress); err != nil {
			return idcard.Card{}, err
		}
	}
	return c, nil
}

// undash turns YYYY-MM-DD into YYYYMMDD and leaves other values alone.
func undash(d string) string {
	if len(d) == 10 && d[4] == '-' && d[7] == '-' {
		return strings.ReplaceAll(d, "-", "")
	}
	return d
}
