package locale

import (
	"maps"
	"slices"
	"text/template/parse"

	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// Reads is what a text reads of the data it is executed with, found in its
// parse tree: a text executed twice with data that agree on Names (and on
// the arguments of Calls) writes the same words twice.
type Reads struct {
	// Names are the top-level names the text reads: {{.Title}} and
	// {{$.Title}} give Title, {{.To.Name}} gives To, a method called with
	// arguments ({{.T "ID"}}) gives T.
	Names map[string]bool
	// Calls are the constant string arguments of the methods called with
	// arguments: {{.T "EmailWhere"}} gives T: [EmailWhere].
	Calls map[string][]string
	// Whole says that the text reads its data as a whole, so that no set
	// of names tells two executions apart: {{.}} or {{$}} where the dot is
	// the data, {{template}}, or a method given an argument that is not a
	// constant string.
	Whole bool
}

// TreeReads is what the text whose parse tree has root reads.
func TreeReads(root parse.Node) Reads {
	r := Reads{Names: map[string]bool{}, Calls: map[string][]string{}}
	r.node(root, false)
	return r
}

// merge adds what o reads to r.
func (r *Reads) merge(o Reads) {
	maps.Copy(r.Names, o.Names)
	for name, args := range o.Calls {
		for _, a := range args {
			if !slices.Contains(r.Calls[name], a) {
				r.Calls[name] = append(r.Calls[name], a)
			}
		}
	}
	r.Whole = r.Whole || o.Whole
}

// node walks n; rebound says that the dot is not the data there (inside
// the body of a with or a range, whose value was read by its pipe).
func (r *Reads) node(n parse.Node, rebound bool) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, c := range n.Nodes {
			r.node(c, rebound)
		}
	case *parse.ActionNode:
		r.node(n.Pipe, rebound)
	case *parse.PipeNode:
		if n == nil {
			return
		}
		for _, c := range n.Cmds {
			r.command(c, rebound)
		}
	case *parse.IfNode:
		r.branch(&n.BranchNode, rebound, rebound)
	case *parse.WithNode:
		r.branch(&n.BranchNode, true, rebound)
	case *parse.RangeNode:
		r.branch(&n.BranchNode, true, rebound)
	case *parse.FieldNode:
		r.Names[n.Ident[0]] = true
	case *parse.VariableNode:
		switch {
		case n.Ident[0] != "$":
			// A variable holds what a pipe read: that pipe was walked.
		case len(n.Ident) == 1:
			r.Whole = true
		default:
			r.Names[n.Ident[1]] = true
		}
	case *parse.ChainNode:
		r.node(n.Node, rebound)
	case *parse.DotNode:
		if !rebound {
			r.Whole = true
		}
	case *parse.TemplateNode:
		r.Whole = true
	}
}

// branch walks an if, with or range: its pipe and else branch where the
// dot is what it was, its body where rebound says.
func (r *Reads) branch(b *parse.BranchNode, bodyRebound, rebound bool) {
	r.node(b.Pipe, rebound)
	r.node(b.List, bodyRebound)
	r.node(b.ElseList, rebound)
}

// command walks one command of a pipeline. A field or $-variable followed
// by arguments is a method call: its name is read, and its arguments are
// noted when they are constant strings.
func (r *Reads) command(c *parse.CommandNode, rebound bool) {
	if len(c.Args) > 1 {
		if name, ok := methodName(c.Args[0]); ok {
			r.Names[name] = true
			for _, a := range c.Args[1:] {
				s, ok := a.(*parse.StringNode)
				if !ok {
					r.Whole = true
					r.node(a, rebound)
					continue
				}
				if !slices.Contains(r.Calls[name], s.Text) {
					r.Calls[name] = append(r.Calls[name], s.Text)
				}
			}
			return
		}
	}
	for _, a := range c.Args {
		r.node(a, rebound)
	}
}

// methodName is the method a command's first word calls on the data: .T or
// $.T (not .To.Name, a field of a field).
func methodName(n parse.Node) (string, bool) {
	switch n := n.(type) {
	case *parse.FieldNode:
		if len(n.Ident) == 1 {
			return n.Ident[0], true
		}
	case *parse.VariableNode:
		if len(n.Ident) == 2 && n.Ident[0] == "$" {
			return n.Ident[1], true
		}
	}
	return "", false
}

// messageReads is what message m reads over all its plural forms.
func messageReads(m *i18n.Message) (Reads, error) {
	all := Reads{Names: map[string]bool{}, Calls: map[string][]string{}}
	for _, s := range Forms(m) {
		trees, err := parse.Parse(m.ID, s, "", "", builtins())
		if err != nil {
			return Reads{}, err
		}
		for _, t := range trees {
			all.merge(TreeReads(t.Root))
		}
	}
	return all, nil
}

// Reads is what message id reads of its data in any language of the
// catalogue, or false when that cannot be told: an unknown id, or a text
// that reads its data as a whole or calls a method on it with arguments.
// The reference's text says it for every language: a translation reads
// nothing its reference does not (Conforms; the tests check the shipped
// ones, Load the override files).
func (c *Catalogue) Reads(id string) ([]string, bool) {
	ref, ok := c.reference[id]
	if !ok {
		return nil, false
	}
	r, err := messageReads(ref)
	if err != nil || r.Whole || len(r.Calls) > 0 {
		return nil, false
	}
	return slices.Sorted(maps.Keys(r.Names)), true
}
