package profile

import "io"

// errEOF is what the YAML decoder returns for an empty document.
var errEOF = io.EOF
