// Package platform is the kiosk's client of the provincial government
// service platforms (四川 天府通办, 重庆 渝快办): the protocol (Envelope and
// the data of its answers), SM2/SM3 signing of requests and answers, the
// demo identities, a Client that talks HTTP to the platforms, and Config,
// which reads the keys a kiosk's profile names into the client's options
// and the offline code gate. The application messages it carries are in
// kiosk/core/application; the simulator that plays a platform for tests
// and `kiosk --sim` is the sibling package platformsim, which production
// code does not link.
package platform
