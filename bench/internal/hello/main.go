// Command hello is the floor for a Go process start: it does nothing.
package main

func main() {}
