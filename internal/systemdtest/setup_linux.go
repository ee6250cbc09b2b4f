package systemdtest

// capDrop is the bounding-set change (setpriv syntax) for systemd and every
// command run inside: nothing in the instance may touch host-global state
// (kernel modules, the clock, raw I/O, the LSM, the kernel log, audit).
const capDrop = "-sys_module,-sys_time,-sys_rawio,-mac_admin,-mac_override,-wake_alarm,-syslog,-audit_control"

// notifyInside is where the instance sees the harness's notify socket.
const notifyInside = "/run/host/notify"

// setupScript runs as PID 1 of the new namespaces (after `unshare --cgroup`
// made the cgroup namespace, rooted at the instance's cgroup), builds the
// instance's root and execs systemd in place, so systemd is PID 1.
//
// Arguments: $1 scratch dir (holds notify, the socket, and m, the mount
// point), $2 systemd binary, $3 capDrop, $4 the number N of paths to hide,
// N paths, then pairs "rw|ro DIR" to bind. Hiding happens right after the
// overlay is mounted, before anything else is mounted on it: rm there
// only writes whiteouts to the upper layer.
// mount -n throughout: never write the host's /run/mount/utab.
const setupScript = `
set -eu
S=$1 SYSTEMD=$2 CAPDROP=$3 N=$4; shift 4
m() { mount -n "$@"; }
m --make-rprivate /
m -t tmpfs -o mode=700 systemdtest "$S/m"
mkdir "$S/m/upper" "$S/m/work" "$S/m/root"
R=$S/m/root
m -t overlay overlay -o "lowerdir=/,upperdir=$S/m/upper,workdir=$S/m/work" "$R"
while [ "$N" -gt 0 ]; do rm -rf -- "$R$1"; shift; N=$((N - 1)); done
m -t proc proc "$R/proc"
m --bind -o ro "$R/proc/sys" "$R/proc/sys"
[ ! -e "$R/proc/sysrq-trigger" ] || m --bind -o ro "$R/proc/sysrq-trigger" "$R/proc/sysrq-trigger"
m -t sysfs -o ro sysfs "$R/sys"
m -t cgroup2 cgroup2 "$R/sys/fs/cgroup"
m -t tmpfs -o mode=755 dev "$R/dev"
for d in null zero full random urandom tty; do : > "$R/dev/$d"; m --bind "/dev/$d" "$R/dev/$d"; done
mkdir "$R/dev/pts" "$R/dev/shm"
m -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$R/dev/pts"
ln -s pts/ptmx "$R/dev/ptmx"
m -t tmpfs -o mode=1777 shm "$R/dev/shm"
ln -s /proc/self/fd "$R/dev/fd"
ln -s /proc/self/fd/0 "$R/dev/stdin"
ln -s /proc/self/fd/1 "$R/dev/stdout"
ln -s /proc/self/fd/2 "$R/dev/stderr"
m -t tmpfs -o mode=755 run "$R/run"
mkdir "$R/run/host"
: > "$R/run/host/notify"
m --bind "$S/notify" "$R/run/host/notify"
m -t tmpfs -o mode=1777 tmp "$R/tmp"
while [ $# -ge 2 ]; do
  mkdir -p "$R$2"
  m --bind "$2" "$R$2"
  [ "$1" = rw ] || m -o remount,bind,ro "$R$2"
  shift 2
done
rm -rf "$R"/etc/systemd/system/*.wants "$R"/etc/systemd/system/*.requires
for u in console-getty.service container-getty@.service getty@.service \
         systemd-networkd.service networking.service; do
  ln -sf /dev/null "$R/etc/systemd/system/$u"
done
[ -e "$R/usr/lib/systemd/system/dbus.service" ] || ln -sf /dev/null "$R/etc/systemd/system/systemd-logind.service"
cd "$R"
mkdir .oldroot
pivot_root . .oldroot
umount -n -l /.oldroot
rmdir /.oldroot
exec setpriv --bounding-set "$CAPDROP" env -i container=systemdtest \
  NOTIFY_SOCKET=` + notifyInside + ` PATH=` + insidePATH + ` "$SYSTEMD" --system
`
