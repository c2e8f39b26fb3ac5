package ui

import (
	"fmt"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"

	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/session"
)

// datePicker sets a date or month field by taps, not typing: the year
// with ‹ ›, the twelve months as buttons, and for a date the day with
// ‹ ›. Every tap sends the whole value (YYYYMM or YYYYMMDD), so no
// impossible month or day can be entered; an empty field starts from
// today.
func (v view) datePicker(f catalog.Field) fyne.CanvasObject {
	send := v.send
	y, m, d := pickerDate(v.s.Values[f.Key], v.s.Now)
	set := func(y, m, d int) {
		d = min(d, daysIn(y, m))
		val := fmt.Sprintf("%04d%02d", y, m)
		if f.Kind == catalog.Date {
			val += fmt.Sprintf("%02d", d)
		}
		send(session.SetField{Key: f.Key, Value: val})
	}
	stepper := func(label string, dec, inc func()) fyne.CanvasObject {
		return container.NewBorder(nil, nil, wide(v.key("‹", dec), minKeyWidth*1.5), wide(v.key("›", inc), minKeyWidth*1.5),
			tall(container.NewCenter(v.text(label, 40, true, blue)), keyHeight))
	}
	rows := container.NewVBox(stepper(fmt.Sprintf("%d 年", y),
		func() { set(max(1900, y-1), m, d) }, func() { set(min(2099, y+1), m, d) }))
	months := container.NewGridWithColumns(6)
	for i := 1; i <= 12; i++ {
		month := i
		b := bigButton(fmt.Sprintf("%d月", i), i == m && v.s.Values[f.Key] != "", func() { set(y, month, d) })
		months.Add(tall(b, keyHeight))
	}
	rows.Add(months)
	if f.Kind == catalog.Date {
		rows.Add(stepper(fmt.Sprintf("%d 日", d),
			func() { set(y, m, max(1, d-1)) }, func() { set(y, m, min(daysIn(y, m), d+1)) }))
	}
	return rows
}

// pickerDate is the year, month and day a picker shows for value (YYYYMM
// or YYYYMMDD): today's for what is empty or not a date.
func pickerDate(value string, now time.Time) (y, m, d int) {
	y, m, d = now.Year(), int(now.Month()), now.Day()
	if len(value) >= 6 {
		vy, err1 := strconv.Atoi(value[:4])
		vm, err2 := strconv.Atoi(value[4:6])
		if err1 == nil && err2 == nil && vm >= 1 && vm <= 12 {
			y, m = vy, vm
		}
	}
	if len(value) == 8 {
		if vd, err := strconv.Atoi(value[6:]); err == nil && vd >= 1 && vd <= daysIn(y, m) {
			d = vd
		}
	}
	return y, m, min(d, daysIn(y, m))
}

// daysIn is the number of days in month m of year y.
func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
