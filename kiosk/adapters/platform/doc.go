// Package platform is the kiosk's client of the provincial government
// service platform (四川 天府通办, 重庆 渝快办): the protocol (Envelope and
// its data), SM2/SM3 signing of requests and answers, a Client that talks
// HTTP to the platforms, and the handler of the simulator that plays them
// on loopback. The application messages it carries are in
// kiosk/core/application.
package platform
