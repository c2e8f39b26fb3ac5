// Package qrpayload classifies and verifies what a citizen shows the
// kiosk's scanner or camera, and says in plain Chinese why a code is
// refused. It knows five kinds:
//
//   - KindReceipt: our own receipt/tracking code, signed by the kiosk
//     ("SCR:1:kid:province:case:iat:sig"), or a platform track URL
//     (http(s)://HOST/track/CASE) from a configured host;
//   - KindApp: a 天府通办 app identity (or health) code, either the online
//     MAC'd form "TFTB:1:token:mac" or the compact signed token
//     "TFTB:2:typ:kid:sub:iat:exp:sig" (SM2 by the platform, lifetime at
//     most 300 s) verified offline with the platform's public keys;
//   - KindELicence: an e-licence 亮证 code "ELIC:1:<GB/T 36904 id>:<token>";
//   - KindBusiness: a business-licence QR, an opaque URL on gsxt.gov.cn or
//     a provincial subdomain, resolved online;
//   - KindUnknown: anything else, never opened, executed or logged
//     unmasked.
//
// Signatures are SM2 over SM3 (default user id), ASN.1 DER, base64url
// without padding, over the text before the last ':'.
package qrpayload
