package main

import "github.com/reocell/celltherapy/procedure"

// docProcedure prints the procedure's stage table as Markdown with a
// Mermaid state diagram (docs/procedure.md).
func (c *cli) docProcedure() int {
	if err := procedure.WriteDoc(c.stdout); err != nil {
		c.errorf("doc procedure: %v", err)
		return exitFailed
	}
	return exitOK
}
