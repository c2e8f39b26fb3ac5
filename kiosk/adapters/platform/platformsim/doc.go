// Package platformsim plays a provincial government service platform
// (四川 天府通办, 重庆 渝快办) on HTTP with the protocol of
// kiosk/adapters/platform, the way net/http/httptest sits beside net/http.
// `kiosk --sim` (through simrig), cmd/platformsim, kioskctl and the tests
// run it.
//
// A Sim accepts applications and answers case, health, catalogue,
// e-licence, code and 好差评 requests; keeps its cases in memory or in a
// SQLite Store; issues the codes the 天府通办 app, the e-licence app and
// the business registry would, for demo identities only; and fails on
// demand (SetDown, SetDelay, FailNext, Faults). By default it trusts the
// demo kiosk and signs with the demo platform key: it is for simulation
// and tests, and code that talks to a real platform does not link it.
package platformsim
