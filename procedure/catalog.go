package procedure

// CommandInfo describes one command of the procedure for a user
// interface: its type, what it does, who may give it and in which stages.
type CommandInfo struct {
	Type   CommandType
	Title  string
	Roles  []Role
	Stages []Stage // nil: any stage but closed
	// New returns a zero command of the type, for a form generated from
	// its fields.
	New func() Command
}

// Commands returns the command table in the order of the procedure.
func Commands() []CommandInfo {
	list := commandList()
	out := make([]CommandInfo, len(list))
	for i, c := range list {
		out[i] = CommandInfo{Type: c.Type, Title: c.Title, Roles: append([]Role(nil), c.Roles...),
			Stages: append([]Stage(nil), c.Stages...), New: c.new}
		if c.Stages == nil {
			out[i].Stages = nil
		}
	}
	return out
}

// Allows reports whether role may give the command in stage s, as the
// command table says; the command's own rules may still refuse it.
func (c CommandInfo) Allows(role Role, s Stage) bool {
	return commandSpec{Roles: c.Roles, Stages: c.Stages}.permits(role) && commandSpec{Roles: c.Roles, Stages: c.Stages}.allows(s)
}
