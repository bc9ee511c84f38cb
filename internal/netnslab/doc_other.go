//go:build !linux

// Package netnslab gives tests a peer on a network of its own; it needs
// Linux network namespaces and is empty elsewhere.
package netnslab
