package session

import (
	"maps"
	"slices"

	"sckiosk/devices/device"
	"sckiosk/kiosk/core/catalog"
	"sckiosk/kiosk/core/msg"
)

// deviceEvent handles what the kiosk reports about itself: a device's new
// status, the platform's reachability and a new catalogue.
func deviceEvent(s State, ev Event) (State, []Effect, origin) {
	switch e := ev.(type) {
	case DeviceChanged:
		s = s.withDevice(e.Status)
	case PlatformChanged:
		s.Platform, s.PendingUploads, s.PlatformError = e.State, e.Pending, e.LastError
	case CatalogLoaded:
		s.Catalog, s.Index = e.Catalog, catalog.NewIndex(e.Catalog)
	}
	return s, nil, fromKiosk
}

// withDevice records a device's status (on a copy of the map), counts it
// when it newly faults, and tells a citizen who is identifying that the
// card reader went away.
func (s State) withDevice(st device.Status) State {
	s.Devices = maps.Clone(s.Devices)
	if s.Devices == nil {
		s.Devices = map[device.Kind]device.Status{}
	}
	k := st.Kind
	if prev, ok := s.Devices[k]; (st.State == device.Fault || st.State == device.Offline) && (!ok || prev.State != st.State) {
		s = s.countFor(k, "faults")
	}
	s.Devices[k] = st
	if s.Screen == Identifying && k == device.IDCard && !st.State.Usable() && st.State != device.Starting {
		s.Notice = msg.New(msg.ReaderUnusable)
	}
	// The printer back after the receipt failed to print: it can be
	// printed again.
	if k == device.Printer && st.State.Usable() && s.Screen == Done && !s.Result.PrintNotice.IsZero() && !s.Result.Printing {
		s.Result.PrinterBack = true
	}
	// A device the item needs going down, or coming back, while the form is
	// filled in: warn before the citizen tries to submit.
	if (s.Screen == Form || s.Screen == Review) && s.Item != nil && slices.Contains(s.Item.Needs, k) &&
		(s.Notice.IsZero() || s.Notice.Key == msg.ItemNeedsDevice) {
		s.Notice = s.deviceRefusal()
	}
	return s
}
