package privacy

import "io"

func ioLimit(r io.Reader) io.Reader { return io.LimitReader(r, maxFile) }
