// Package idcard drives second-generation Chinese resident ID-card readers
// that speak the GA 467 "SAM" serial protocol, and simulates one.
//
// The package has four layers:
//
//   - frames: [EncodeCommand], [EncodeResponse] and [FrameReader], which
//     resynchronises on line noise and checks length and XOR checksum;
//   - reader status words: [StatusError], with an English Error for the log
//     and a plain-Chinese Notice for the citizen;
//   - card data: [Card], [DecodeText] and [EncodeText] for the 256-byte
//     UTF-16LE text block of the ordinary resident card;
//   - the [Driver], which polls the reader inside a [device.Session] and
//     emits [Event]s, and the [Sim], which plays the reader byte for byte on
//     the master side of a pseudo-terminal.
//
// Personal data never reaches the log unmasked: [Card] implements
// slog.LogValuer and prints only a masked name and number.
package idcard
