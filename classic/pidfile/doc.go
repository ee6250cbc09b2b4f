// Package pidfile is the classic daemon's pidfile and the proof that the
// process it names is that daemon: what `svc status|stop|reload --classic`
// believe before they answer or signal, in one place, which the C fast
// path (package classic/prestart, stop_linux.c) mirrors line for line.
//
// # The proof
//
// A pidfile is believed only when all of these hold, each checked in O(1)
// (a handful of system calls; no scan of /proc/locks or of processes):
//
//  1. Its directory is not writable by group or others and belongs to us
//     or to root, and the file itself belongs to us or to root, is a
//     regular file and is not reached through a symbolic link (O_NOFOLLOW).
//     Nobody else can then create, replace or rewrite it: an attacker's
//     pidfile in /tmp, or one in a directory they can write, is refused,
//     for root too (start-stop-daemon refuses a pidfile not owned by root
//     for the same reason).
//  2. A process holds a POSIX write lock (fcntl F_SETLK, F_WRLCK) on the
//     whole file, and F_GETLK names that process. A write lock can only be
//     taken through a descriptor opened for writing, so only a process
//     that could write the file (root, or its owner) can take it: unlike
//     flock(2), which any reader may take, it cannot be faked by a user
//     who can only read the pidfile. A POSIX lock belongs to the process,
//     is not inherited by fork and dies with the process, so the holder
//     F_GETLK names is alive and is the process that locked it, never a
//     child handed the descriptor nor a later owner of its pid.
//  3. The pid written in the file is that holder.
//  4. The holder runs the expected executable: the same file as ours (or,
//     after a package upgrade replaced it, the same path), or the program
//     named when wrapping. A wrapped script is run by the kernel as its
//     interpreter (and a shim may exec yet another program), so for one
//     the caller passes AnyExe and 1–3 stand alone, as they do on the
//     BSDs. Where /proc/PID/exe cannot be read (an
//     unprivileged status of root's daemon), 1–3 stand alone: such a
//     caller can signal nothing anyway.
//
// To act on the process (stop, reload), Find pins it with a pidfd, then
// proves 1–4 again and checks the pidfd has not exited: the pinned
// process was alive while the lock named its pid, so it is the holder,
// and a signal through the pidfd reaches it or nobody.
//
// A POSIX lock has one trap: closing any descriptor of the file releases
// the process's locks on it. This package keeps a registry of the files
// this process holds and never closes a descriptor of one of them; a
// program that holds one must not open and close it by other means.
//
// # Life of a pidfile
//
// Create writes the pid to a fresh temporary file, locks it, and links it
// to the name only if the name is free, so a reader sees no file or a
// complete, locked one, and of two concurrent starts one wins. A stale
// file (nobody holds its write lock) is unlinked and the link retried;
// a read lock or flock a stranger holds on it does not stop that.
// Remove unlinks the file before its lock goes, so the next holder finds
// the name free. A daemon that dropped privileges cannot unlink a file in
// root's directory: it empties the file instead, through the descriptor
// the lock needs anyway, and an empty, unlocked pidfile reads as Stopped
// (LSB 3), not Dead (LSB 1), which is kept for a daemon that died.
//
// The daemon keeps its read-write descriptor for its whole life: the
// write lock, the proof, lasts only as long as it. It can rewrite its own
// pidfile, but the proof never trusts the content alone (3 checks it
// against the lock holder).
package pidfile
