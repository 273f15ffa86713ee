// Package repotest holds tests over the repository as a whole: the doc
// comments and package-level variables of the library packages, and the Go
// names the docs mention. It has no code of its own.
package repotest
