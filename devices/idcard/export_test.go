package idcard

// TextOf lets the external tests (package idcard_test, which drive the
// simulator) compare cards the way this package's tests do.
var TextOf = textOf
