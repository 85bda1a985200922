#!/usr/bin/env bash
# Builds a tiny Linux guest for QEMU: OUTDIR/vmlinux and OUTDIR/initrd.gz.
#
#   tools/guest/build-guest.sh [OUTDIR]
#
# Without OUTDIR the guest goes to a cache directory keyed by the kernel package version and by
# this script's contents:  ${JN_GUEST_CACHE:-~/.cache/junction-guest}/<kernel-pkg>_<version>-<hash>
# The last line on stdout is always the directory holding the guest. Idempotent: a directory whose
# stamp matches is left alone (a second run takes well under a second).
#
# - vmlinux: the uncompressed kernel, taken from the XZ payload of Debian's vmlinuz (an
#   uncompressed kernel boots in a few seconds under QEMU TCG; decompressing bzImage takes 10-20 s).
# - initrd.gz: busybox (static), the virtio-net/virtio-pci modules from the same kernel package
#   (dependencies resolved from each module's own `depends=`), and /init (see GUEST_INIT below).
#
# Needs dpkg-deb and apt-get (Debian). Installs xz-utils, cpio, gzip when missing (root, through
# tools/packages.sh). The kernel and busybox packages are fetched with `apt-get download` into the
# cache, never installed.
# Environment: JN_GUEST_KERNEL_PKG (default: what linux-image-amd64 depends on), JN_GUEST_CACHE.
set -euo pipefail

die() { echo "build-guest: $*" >&2; exit 1; }
log() { echo "build-guest: $*" >&2; }

SELF=$(realpath "${BASH_SOURCE[0]}")
CACHE=${JN_GUEST_CACHE:-${HOME:-/root}/.cache/junction-guest}
# Modules the guest loads (their dependencies are added); built-in ones are skipped.
MODULES="virtio_pci virtio_net"

APT_UPDATED=0
apt_update_once() {
    if [ $APT_UPDATED = 0 ]; then
        [ "$(id -u)" = 0 ] || return 0
        log "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 || log "apt-get update failed"
        APT_UPDATED=1
    fi
}
command -v dpkg-deb >/dev/null || die "dpkg-deb not found: this script needs a Debian system"
command -v apt-get >/dev/null || die "apt-get not found: this script needs a Debian system"
# xz, cpio and gzip, installed from tools/packages.list when missing (root).
"$(dirname "$SELF")/../packages.sh" need guest || die "xz, cpio or gzip is missing (see the line above)"

# Which kernel package: the one the linux-image-amd64 meta package points at, unless told.
kernel_pkg() {
    if [ -n "${JN_GUEST_KERNEL_PKG:-}" ]; then echo "$JN_GUEST_KERNEL_PKG"; return; fi
    local p
    p=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
    if [ -z "$p" ]; then
        apt_update_once
        p=$(apt-cache depends linux-image-amd64 2>/dev/null | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -1)
    fi
    echo "$p"
}
pkg_version() { apt-cache show --no-all-versions "$1" 2>/dev/null | sed -n 's/^Version: //p' | head -1; }

KPKG=$(kernel_pkg)
KVER=""
[ -n "$KPKG" ] && KVER=$(pkg_version "$KPKG")
SCRIPT_HASH=$(sha256sum "$SELF" | cut -c1-12)

if [ $# -ge 1 ]; then
    OUT=$1
elif [ -n "$KPKG" ] && [ -n "$KVER" ]; then
    OUT=$CACHE/${KPKG}_${KVER//[:~]/_}-$SCRIPT_HASH
else
    # No package information (offline, no apt lists): use the newest guest built by this script.
    OUT=$(ls -dt "$CACHE"/*-"$SCRIPT_HASH" 2>/dev/null | head -1 || true)
    [ -n "$OUT" ] && [ -f "$OUT/stamp" ] || die "cannot find the kernel package (apt-cache depends linux-image-amd64 gave nothing) and no guest is cached in $CACHE"
    log "no kernel package information; using the cached guest $OUT"
    echo "$OUT"
    exit 0
fi
[ -n "$KPKG" ] && [ -n "$KVER" ] || die "cannot find a kernel package (set JN_GUEST_KERNEL_PKG, or apt-get update)"
STAMP="$KPKG $KVER script $SCRIPT_HASH"

mkdir -p "$(dirname "$OUT")"
OUT=$(realpath -m "$OUT")
# Several test JVMs may build at once: one builds, the others wait and find it done.
exec 9>"$OUT.lock"
flock 9
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ] && [ -s "$OUT/vmlinux" ] && [ -s "$OUT/initrd.gz" ]; then
    echo "$OUT"
    exit 0
fi

log "building the guest in $OUT ($KPKG $KVER)"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/jn-guest-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# Packages: fetched with apt-get download into the cache (kept for the next build).
DEBS=$CACHE/debs
mkdir -p "$DEBS"
fetch_deb() { # package [version] -> path of the .deb
    local pkg=$1 ver=${2:-} f
    [ -n "$ver" ] || ver=$(pkg_version "$pkg")
    [ -n "$ver" ] || { apt_update_once; ver=$(pkg_version "$pkg"); }
    [ -n "$ver" ] || die "apt knows no package $pkg"
    f=$(ls "$DEBS/${pkg}_"*"_amd64.deb" 2>/dev/null | while read -r d; do
        [ "$(dpkg-deb -f "$d" Version)" = "$ver" ] && echo "$d"; done | head -1 || true)
    if [ -z "$f" ]; then
        log "apt-get download $pkg=$ver"
        # apt's sandbox user cannot write into root's home: download in a world-writable temp dir.
        local dl; dl=$(mktemp -d "${TMPDIR:-/tmp}/jn-guest-dl.XXXXXX"); chmod 777 "$dl"
        (cd "$dl" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1) ||
            { apt_update_once; (cd "$dl" && apt-get download -q "$pkg=$ver" >/dev/null 2>&1); } ||
            { rm -rf "$dl"; die "apt-get download $pkg=$ver failed"; }
        f=$(ls "$dl"/*.deb | head -1)
        mv "$f" "$DEBS/"
        rm -rf "$dl"
        f=$DEBS/$(basename "$f")
    fi
    echo "$f"
}
KDEB=$(fetch_deb "$KPKG" "$KVER")
BDEB=$(fetch_deb busybox-static)

# The kernel: the XZ stream inside the bzImage, decompressed, must be an ELF image.
mkdir -p "$WORK/k"
# One pass over the package (each pass decompresses 70 MB): the kernel, the list of built-in modules
# and the modules the guest is likely to need; any other dependency is fetched on its own below.
dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$WORK/k" --wildcards './boot/vmlinuz-*' \
    './lib/modules/*/modules.builtin' './lib/modules/*/kernel/drivers/virtio/*' \
    './lib/modules/*/kernel/drivers/net/virtio_net.ko*' './lib/modules/*/kernel/drivers/net/net_failover.ko*' \
    './lib/modules/*/kernel/net/core/failover.ko*'
VMLINUZ=$(ls "$WORK"/k/boot/vmlinuz-* | head -1)
KREL=${VMLINUZ##*/vmlinuz-}
found=0
for off in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$VMLINUZ" | cut -d: -f1); do
    # xz stops at the end of the stream (tail then gets SIGPIPE): judge by the result, not the status.
    (tail -c +$((off + 1)) "$VMLINUZ" | xz -dc --single-stream >"$WORK/vmlinux" 2>/dev/null) || true
    if [ "$(head -c 4 "$WORK/vmlinux" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ]; then
        found=1; break
    fi
done
[ $found = 1 ] || die "no XZ-compressed ELF kernel found in $VMLINUZ (is it not XZ-compressed?)"

# The modules: paths from the package listing, dependencies from each module's modinfo.
dpkg-deb -c "$KDEB" | awk '{print $NF}' | grep -E '/lib/modules/[^/]+/kernel/.*\.ko(\.xz)?$' >"$WORK/ko-list"
mod_path() { grep -E "/$1\.ko(\.xz)?\$" "$WORK/ko-list" | head -1; }
is_builtin() { [ -f "$WORK/k/lib/modules/$KREL/modules.builtin" ] && grep -qE "/$1\.ko\$" "$WORK/k/lib/modules/$KREL/modules.builtin"; }
ORDER=()
declare -A SEEN=()
add_module() {
    local m=${1//-/_} p ko deps d
    [ -n "${SEEN[$m]:-}" ] && return 0
    SEEN[$m]=1
    if is_builtin "$m"; then return 0; fi
    p=$(mod_path "$m")
    if [ -z "$p" ]; then p=$(mod_path "${m//_/-}"); fi
    [ -n "$p" ] || die "module $m is neither built in nor in $KPKG"
    ko=$WORK/k/${p#./}
    [ -f "$ko" ] || dpkg-deb --fsys-tarfile "$KDEB" | tar -x -C "$WORK/k" "$p"
    if [[ $ko == *.xz ]]; then xz -d "$ko"; ko=${ko%.xz}; fi
    deps=$(tr '\0' '\n' <"$ko" | sed -n 's/^depends=//p' | head -1 | tr ',' ' ')
    for d in $deps; do add_module "$d"; done
    mkdir -p "$WORK/root/lib/modules"
    cp "$ko" "$WORK/root/lib/modules/$m.ko"
    ORDER+=("$m")
}
for m in $MODULES; do add_module "$m"; done

# The root file system.
R=$WORK/root
mkdir -p "$R"/{bin,sbin,dev,proc,sys,tmp,etc,root,lib/modules}
dpkg-deb --fsys-tarfile "$BDEB" | tar -x -C "$WORK/k" ./bin/busybox
cp "$WORK/k/bin/busybox" "$R/bin/busybox"
for app in $("$R/bin/busybox" --list); do
    [ "$app" = busybox ] || ln -sf busybox "$R/bin/$app"
done
printf '%s\n' "${ORDER[@]}" >"$R/lib/modules/order"
echo "$KREL" >"$R/etc/kernel-release"
if [ "$(id -u)" = 0 ]; then mknod -m 600 "$R/dev/console" c 5 1; mknod -m 666 "$R/dev/null" c 1 3; fi

cat >"$R/init" <<'GUEST_INIT'
#!/bin/sh
# Junction's test guest. Kernel command-line words:
#   jn.ip=A/LEN jn.gw=A jn.ip6=A/LEN jn.gw6=A jn.mac=MAC jn.mtu=N   eth0 configuration
#   jn.run=CMD,WITH,COMMAS   run one command (commas become spaces), print JN-EXIT run RC, power off
# Without jn.run: a command loop on the console. Each input line is "ID BASE64(command)"; the reply is
#   JN-BEGIN ID / the command's output (stdout and stderr) / JN-EXIT ID RC
# An input line "quit" powers the guest off. Markers: JN-BOOT, JN-READY <uptime>, JN-ERROR <what>.
export PATH=/bin:/sbin
mount -t devtmpfs dev /dev 2>/dev/null
exec </dev/console >/dev/console 2>&1
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t tmpfs tmp /tmp
echo "JN-BOOT $(cut -d' ' -f1 /proc/uptime)"
dmesg -n 1
for m in $(cat /lib/modules/order); do
    insmod "/lib/modules/$m.ko" || echo "JN-ERROR insmod $m"
done
IP= GW= IP6= GW6= MAC= MTU= RUN=
for w in $(cat /proc/cmdline); do
    case "$w" in
        jn.ip=*) IP=${w#jn.ip=} ;;
        jn.gw=*) GW=${w#jn.gw=} ;;
        jn.ip6=*) IP6=${w#jn.ip6=} ;;
        jn.gw6=*) GW6=${w#jn.gw6=} ;;
        jn.mac=*) MAC=${w#jn.mac=} ;;
        jn.mtu=*) MTU=${w#jn.mtu=} ;;
        jn.run=*) RUN=$(echo "${w#jn.run=}" | tr ',' ' ') ;;
    esac
done
ip link set lo up
n=0
while [ ! -e /sys/class/net/eth0 ] && [ $n -lt 500 ]; do usleep 10000; n=$((n + 1)); done
if [ -e /sys/class/net/eth0 ]; then
    # No router solicitations, no autoconfiguration, no DAD: only what the command line says.
    for k in accept_dad; do echo 0 >"/proc/sys/net/ipv6/conf/default/$k"; done
    for k in accept_ra autoconf accept_dad; do echo 0 >"/proc/sys/net/ipv6/conf/eth0/$k"; done
    [ -n "$MAC" ] && { ip link set eth0 address "$MAC" || echo "JN-ERROR mac $MAC"; }
    [ -n "$MTU" ] && { ip link set eth0 mtu "$MTU" || echo "JN-ERROR mtu $MTU"; }
    ip link set eth0 up || echo "JN-ERROR eth0 up"
    [ -n "$IP" ] && { ip addr add "$IP" dev eth0 || echo "JN-ERROR ip $IP"; }
    [ -n "$GW" ] && { ip route add default via "$GW" dev eth0 || echo "JN-ERROR gw $GW"; }
    # busybox ip knows no "nodad": accept_dad=0 above does the same.
    [ -n "$IP6" ] && { ip -6 addr add "$IP6" dev eth0 || echo "JN-ERROR ip6 $IP6"; }
    [ -n "$GW6" ] && { ip -6 route add default via "$GW6" dev eth0 || echo "JN-ERROR gw6 $GW6"; }
else
    echo "JN-ERROR no eth0"
fi
stty -echo 2>/dev/null
echo "JN-READY $(cut -d' ' -f1 /proc/uptime)"
if [ -n "$RUN" ]; then
    echo "JN-BEGIN run"
    sh -c "$RUN" </dev/null 2>&1
    echo "JN-EXIT run $?"
    poweroff -f
fi
while read -r id b64; do
    [ -n "$id" ] || continue
    [ "$id" = quit ] && break
    cmd=$(echo "$b64" | base64 -d 2>/dev/null)
    echo "JN-BEGIN $id"
    sh -c "$cmd" </dev/null >/tmp/.out 2>&1
    rc=$?
    cat /tmp/.out
    # The output may end without a newline: the marker must start a line.
    [ -n "$(tail -c 1 /tmp/.out)" ] && echo
    echo "JN-EXIT $id $rc"
done
echo "JN-POWEROFF"
poweroff -f
GUEST_INIT
chmod 755 "$R/init"

(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$WORK/initrd.gz"

# Into place: the stamp last, so an interrupted build is never taken for a finished one.
mkdir -p "$OUT"
rm -f "$OUT/stamp"
mv "$WORK/vmlinux" "$OUT/vmlinux"
mv "$WORK/initrd.gz" "$OUT/initrd.gz"
echo "$KREL" >"$OUT/kernel-release"
echo "$STAMP" >"$OUT/stamp"
# Guests built by other versions of this script (or for older kernels) are of no further use.
if [ $# -eq 0 ]; then
    for d in "$CACHE"/*; do
        [ -d "$d" ] && [ "$d" != "$OUT" ] && [ -f "$d/stamp" ] && { rm -rf "$d"; rm -f "$d.lock"; }
    done
fi
log "built $OUT: vmlinux ($(du -h "$OUT/vmlinux" | cut -f1)), initrd.gz ($(du -h "$OUT/initrd.gz" | cut -f1)), modules: ${ORDER[*]}"
echo "$OUT"
