package main

import (
	"fmt"
	"io"

	"sckiosk/devices/serialport"
)

// announce prints where a simulator listens, linking it first if asked.
func announce(out io.Writer, p *serialport.Pty, link string) error {
	if link != "" {
		if err := p.LinkAt(link); err != nil {
			return err
		}
		fmt.Fprintf(out, "simulator on %s (linked at %s)\n", p.SlavePath, link)
		return nil
	}
	fmt.Fprintf(out, "simulator on %s\n", p.SlavePath)
	return nil
}
