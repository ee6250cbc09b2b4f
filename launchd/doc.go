// Package launchd models launchd jobs (launchd.plist(5)) and the modern
// launchctl(1) subcommands that load and control them (bootstrap, bootout,
// enable, kickstart, kill, print).
//
// A Job encodes to an XML property list through howett.net/plist; Encode
// refuses what XML cannot carry (control characters, invalid UTF-8)
// instead of letting the encoder replace it. The launchctl functions only
// build argv: running them is the caller's business (and only makes sense
// on darwin), so everything here builds and is tested on every GOOS.
//
// launchd starts jobs in the foreground and forbids daemonizing: a job must
// not fork and exit (launchd.plist(5), "EXPECTATIONS").
package launchd
