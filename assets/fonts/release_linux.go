package fonts

import (
	"fmt"
	"syscall"
	"unsafe"
)

// Release gives the memory pages holding NotoSansCJKSC back to the
// kernel. The 16 MB face lives in the binary's data segment, mapped from
// the executable file: parsing it touches every page, and each stays
// resident (and in the process's PSS) although Fyne's text library keeps
// its own copy of the tables it parsed. The pages were never written, so
// after madvise(MADV_DONTNEED) a later read (the printer renderer's
// parse, another text style) faults them in again from the executable,
// byte for byte the same: a running executable cannot be written
// (ETXTBSY), and an update renames a new file in, leaving this one's inode
// to the process. Only whole pages inside the slice are released, never a
// neighbouring variable's.
func Release() error {
	b := NotoSansCJKSC
	if len(b) == 0 {
		return nil
	}
	page := uintptr(syscall.Getpagesize())
	start := uintptr(unsafe.Pointer(&b[0]))
	end := start + uintptr(len(b))
	first := (start + page - 1) &^ (page - 1)
	last := end &^ (page - 1)
	if last <= first {
		return nil
	}
	pages := b[first-start : last-start]
	if err := syscall.Madvise(pages, syscall.MADV_DONTNEED); err != nil {
		return fmt.Errorf("fonts: release pages: %w", err)
	}
	return nil
}
