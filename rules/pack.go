package rules

// pack lays out what Evaluate reads of each rule (the rule, its condition,
// the nodes and native atoms of its condition) one after the other in
// memory, in rule order. Compiling leaves them scattered among the garbage
// of parsing and type-checking; with thousands of rules each evaluation then
// waited on memory at every step from one rule to the next, and the cost
// per rule grew with the ruleset (45 ns at 1,000 rules, 197 ns at 10,000).
// Laid out in order, the processor's prefetcher keeps up.
func (rs *Ruleset) pack() {
	nodes, atoms := 0, 0
	for _, r := range rs.rules {
		n, a := r.when.tree.size()
		nodes, atoms = nodes+n, atoms+a
	}
	p := &packer{
		rules: make([]Rule, len(rs.rules)),
		progs: make([]program, len(rs.rules)),
		nodes: make([]knode, 0, nodes),
		atoms: make([]nativeAtom, 0, atoms),
	}
	for i, r := range rs.rules {
		p.rules[i] = *r
		p.progs[i] = *r.when
		old, when := r.when, &p.progs[i]
		p.rules[i].when = when
		when.tree = p.tree(when.tree, old, when)
		rs.rules[i] = &p.rules[i]
	}
}

type packer struct {
	rules []Rule
	progs []program
	// nodes and atoms are allocated with their final length as capacity,
	// so that appending never moves what earlier pointers point to.
	nodes []knode
	atoms []nativeAtom
}

// tree copies the tree n into the packer's arrays, depth first, pointing
// an atom that is the whole condition old at its copy when.
func (p *packer) tree(n *knode, old, when *program) *knode {
	if n == nil {
		return nil
	}
	p.nodes = append(p.nodes, *n)
	c := &p.nodes[len(p.nodes)-1]
	if c.native != nil {
		p.atoms = append(p.atoms, *c.native)
		c.native = &p.atoms[len(p.atoms)-1]
	}
	if c.atom == old {
		c.atom = when
	}
	c.a, c.b, c.c = p.tree(n.a, old, when), p.tree(n.b, old, when), p.tree(n.c, old, when)
	return c
}

// size counts the nodes and native atoms of the tree n.
func (n *knode) size() (nodes, atoms int) {
	if n == nil {
		return 0, 0
	}
	nodes = 1
	if n.native != nil {
		atoms = 1
	}
	for _, k := range []*knode{n.a, n.b, n.c} {
		kn, ka := k.size()
		nodes, atoms = nodes+kn, atoms+ka
	}
	return nodes, atoms
}
