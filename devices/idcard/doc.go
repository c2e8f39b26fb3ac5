// Package idcard drives second-generation Chinese resident ID-card readers
// that speak the GA 467 "SAM" serial protocol. Package idcardsim simulates
// one.
//
// The package has four layers:
//
//   - frames: [EncodeCommand], [EncodeResponse] and [FrameReader], which
//     resynchronises on line noise and checks length and XOR checksum;
//   - reader status words: [StatusError], with an English Error for the log
//     and a typed device.Cause for the citizen;
//   - card data: [Card], [DecodeText] and [EncodeText] for the 256-byte
//     UTF-16LE text block of all four card types (resident ID card, Hong
//     Kong/Macau/Taiwan residence permit, foreign permanent residence ID
//     card 2017 and 2023), [DecodeAddress] for the appended address, and
//     [PhotoDecoder], which this package does not implement (WLT needs a
//     proprietary library);
//   - the [Driver], which polls the reader inside a [supervise.Session] and
//     emits [Event]s.
//
// Personal data never reaches the log unmasked: [Card] implements
// slog.LogValuer and prints only a masked name and number.
package idcard
