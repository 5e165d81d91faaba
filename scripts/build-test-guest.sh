#!/usr/bin/env bash
# Builds the vmgate QEMU test guest from Debian packages (see /work/shared/protocols/qemu.md
# and docs/drivers.md): a Debian kernel plus an initramfs with busybox, qemu-ga, the virtio
# modules and the CD-ROM stack (AHCI, sr_mod, isofs: the guest mounts /dev/sr0). Output in
# the cache dir: vmlinuz (the kernel unpacked to ELF, for QEMU's PVH entry; see step 1),
# initrd.img, test-guest.iso (the same kernel as a bzImage and the initramfs on a bootable
# ISO 9660 image: isolinux boots them with the same kernel command line, so a VM with a
# CD-ROM on it and a blank disk boots the guest the way an installer boots), version.
#
#   scripts/build-test-guest.sh [cache-dir]      (default: .cache/test-guest)
#   VMGATE_GUEST_FORCE=1 scripts/build-test-guest.sh    rebuild even when up to date
#   VMGATE_GUEST_KERNEL_PKG=linux-image-6.1.0-56-amd64  pick the kernel package (it needs
#                                 virtio_console and AHCI, as a module or built in)
#
# Guest users (password "vmware" for both): root (uid 0) and user (uid 1000).
# Kernel command line the tests use (and isolinux.cfg on the ISO): "console=ttyS0 quiet".
#
# Needs apt-get (run as root, or with the package lists already present and apt-get
# download allowed), xorriso or genisoimage for the ISO (scripts/ci-system-packages.sh
# installs xorriso) and no internet beyond the Debian mirror. isolinux comes from Debian's
# isolinux and syslinux-common packages, downloaded like the rest. Idempotent: when
# vmlinuz, initrd.img and test-guest.iso exist and the version stamp matches this script,
# nothing is downloaded.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${1:-$repo/.cache/test-guest}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
helpers=$here/test-guest
password=vmware
cmdline="console=ttyS0 quiet"

log() { printf 'build-test-guest: %s\n' "$*" >&2; }

# The stamp names the recipe (this script and its helper files); package versions follow.
recipe=$(cat "$0" "$helpers"/* | sha256sum | cut -d' ' -f1)
if [[ -z ${VMGATE_GUEST_FORCE:-} && -s $cache/vmlinuz && -s $cache/initrd.img && -s $cache/test-guest.iso && -f $cache/version ]] &&
  [[ $(head -n1 "$cache/version") == "recipe $recipe" ]]; then
  log "up to date in $cache ($(sed -n 2p "$cache/version"))"
  exit 0
fi

for tool in apt-get apt-cache dpkg sha256sum gzip; do
  command -v "$tool" >/dev/null || { log "missing $tool (a Debian/Ubuntu host is needed)"; exit 1; }
done
# The ISO maker: xorriso in its mkisofs mode, or genisoimage (same options).
if command -v xorriso >/dev/null; then
  mkiso=(xorriso -as mkisofs)
elif command -v genisoimage >/dev/null; then
  mkiso=(genisoimage)
else
  log "missing xorriso or genisoimage for test-guest.iso (apt-get install xorriso, or run scripts/ci-system-packages.sh)"
  exit 1
fi

candidate() { apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'; }
if [[ -z $(candidate busybox-static) || $(candidate busybox-static) == "(none)" ]]; then
  log "apt-get update (no package lists)"
  apt-get update -qq
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/vmgate-test-guest.XXXXXX")
trap 'rm -rf "$work"' EXIT
debs=$work/debs stage=$work/stage rootfs=$work/rootfs
mkdir -p "$debs" "$stage" "$rootfs"

# 1. Kernel: the generic flavour. The cloud flavour has no AHCI driver, and
#    vmgate's q35 VMs put their CD-ROM drives (and IDE disks) on the ICH9 AHCI controller,
#    so a cloud-kernel guest cannot see its CD-ROM (docs/drivers.md, "The test guest").
kernel_pkg=${VMGATE_GUEST_KERNEL_PKG:-}
if [[ -z $kernel_pkg ]]; then
  kernel_pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
fi
[[ -n $kernel_pkg ]] || { log "cannot resolve linux-image-amd64"; exit 1; }

# qemu-ga and the libraries it links against (the loader in the guest is Debian's too);
# isolinux (isolinux.bin) and syslinux-common (ldlinux.c32): the ISO's boot loader.
user_pkgs=(busybox-static qemu-guest-agent isolinux syslinux-common)
mapfile -t lib_pkgs < <(apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances --no-pre-depends qemu-guest-agent |
  grep -v '^[ <]' | grep -v '^qemu-guest-agent$' | sort -u)

fetch() {
  (cd "$debs" && apt-get download -o APT::Sandbox::User=root -qq "$@" >/dev/null)
}
log "downloading $kernel_pkg ${user_pkgs[*]} ${lib_pkgs[*]}"
fetch "$kernel_pkg" "${user_pkgs[@]}" "${lib_pkgs[@]}"
for deb in "$debs"/*.deb; do dpkg -x "$deb" "$stage"; done

kver=$(ls "$stage/lib/modules" | head -n1)
kconfig=$stage/boot/config-$kver
for option in VIRTIO_CONSOLE SATA_AHCI; do
  grep -Eq "^CONFIG_$option=(y|m)" "$kconfig" || { log "$kernel_pkg has no CONFIG_$option (pick another with VMGATE_GUEST_KERNEL_PKG)"; exit 1; }
done
# The ISO's isolinux boots the bzImage. For direct kernel boot (-kernel) the cache holds, as
# `vmlinuz`, the bzImage's payload unpacked to its ELF image: QEMU starts it at its PVH entry
# point, skipping the kernel's own XZ unpacking (about 5 s under TCG). When the payload is
# not XZ or does not unpack to an ELF file, `vmlinuz` is the bzImage itself.
cp "$stage/boot/vmlinuz-$kver" "$work/bzImage"
xz_at=$(LC_ALL=C grep -obUaP '\xfd\x37\x7a\x58\x5a\x00' "$work/bzImage" | head -n1 | cut -d: -f1 || true)
if [[ -n $xz_at ]] && command -v xz >/dev/null; then
  tail -c +$((xz_at + 1)) "$work/bzImage" | xz -dc >"$work/vmlinux" 2>/dev/null || true
fi
if [[ -s $work/vmlinux && $(head -c 4 "$work/vmlinux" | od -An -c | tr -d ' ') == '177ELF' ]]; then
  mv "$work/vmlinux" "$work/vmlinuz"
else
  log "kernel payload not unpacked (no XZ payload or no xz); vmlinuz is the bzImage"
  cp "$work/bzImage" "$work/vmlinuz"
fi

# 2. Root file system.
bb=$stage/bin/busybox
mkdir -p "$rootfs"/{bin,sbin,usr/bin,usr/sbin,etc/init.d,etc/acpi/PWRF,lib/modules,lib64,proc,sys,dev,run,tmp,var/log,root,home/user}
cp "$bb" "$rootfs/bin/busybox"
for applet in $("$bb" --list-full); do
  [[ -e $rootfs/$applet ]] || ln -s /bin/busybox "$rootfs/$applet"
done

# qemu-ga and exactly the shared objects its loader resolves.
cp "$stage/usr/sbin/qemu-ga" "$rootfs/usr/sbin/qemu-ga"
libpath=$stage/lib/x86_64-linux-gnu:$stage/usr/lib/x86_64-linux-gnu
loader=$stage/lib64/ld-linux-x86-64.so.2
[[ -e $loader ]] || loader=$stage/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2
mkdir -p "$rootfs/lib/x86_64-linux-gnu"
"$loader" --library-path "$libpath" --list "$stage/usr/sbin/qemu-ga" >"$work/ldd.txt"
if grep -q 'not found' "$work/ldd.txt"; then
  log "qemu-ga has unresolved libraries:"; cat "$work/ldd.txt" >&2; exit 1
fi
awk '$1 !~ /^\// && /=> \// { print $1, $3 }' "$work/ldd.txt" | while read -r soname path; do
  cp -L "$path" "$rootfs/lib/x86_64-linux-gnu/$soname"
done
cp -L "$loader" "$rootfs/lib64/ld-linux-x86-64.so.2"
ln -s /lib64/ld-linux-x86-64.so.2 "$rootfs/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"

# Modules with their dependencies, in load order (each needs the ones before it).
modroot=$stage/lib/modules/$kver
declare -A modfile=() loaded=()
while IFS= read -r -d '' ko; do
  name=$(basename "$ko" .ko); modfile[${name//-/_}]=$ko
done < <(find "$modroot" -name '*.ko' -print0)
order=()
add_module() {
  local name=${1//-/_} deps dep
  [[ -n ${loaded[$name]:-} ]] && return 0
  if [[ -z ${modfile[$name]:-} ]]; then
    grep -q "/${name}.ko\$" "$modroot/modules.builtin" 2>/dev/null && return 0
    log "module $name not found in $kernel_pkg"; return 1
  fi
  loaded[$name]=1
  deps=$(tr '\0' '\n' <"${modfile[$name]}" | sed -n 's/^depends=//p' | head -n1)
  for dep in ${deps//,/ }; do add_module "$dep"; done
  cp "${modfile[$name]}" "$rootfs/lib/modules/$name.ko"
  order+=("$name")
}
# ahci, sr_mod, isofs: the CD-ROM drive of a q35 VM (AHCI) as /dev/sr0, and its ISO 9660
# file system (a medium swapped in while the VM runs is mounted and read by the tests).
for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci virtio_console \
  virtio_blk virtio_net virtio_rng button evdev ahci sr_mod isofs; do
  add_module "$m"
done
printf '%s\n' "${order[@]}" >"$rootfs/lib/modules/load.order"

# Configuration and helper scripts.
install -m 0755 "$helpers/init" "$rootfs/init"
install -m 0755 "$helpers/rcS" "$rootfs/etc/init.d/rcS"
install -m 0644 "$helpers/inittab" "$rootfs/etc/inittab"
install -m 0755 "$helpers/vmgate-qga" "$rootfs/usr/sbin/vmgate-qga"
rm -f "$rootfs/sbin/shutdown"
install -m 0755 "$helpers/shutdown" "$rootfs/sbin/shutdown"
install -m 0755 "$helpers/acpi-power-button" "$rootfs/etc/acpi/PWRF/00000080"
install -m 0755 "$helpers/udhcpc.script" "$rootfs/etc/udhcpc.script"
salt_root=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 8)
salt_user=$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 8)
hash_root=$("$bb" mkpasswd -m sha512 -S "$salt_root" "$password")
hash_user=$("$bb" mkpasswd -m sha512 -S "$salt_user" "$password")
cat >"$rootfs/etc/passwd" <<EOF
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:Test User:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$rootfs/etc/group" <<EOF
root:x:0:
user:x:1000:
nogroup:x:65534:
EOF
cat >"$rootfs/etc/shadow" <<EOF
root:$hash_root:19000:0:99999:7:::
user:$hash_user:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
chmod 0600 "$rootfs/etc/shadow"
echo vmgate-test-guest >"$rootfs/etc/hostname"
printf '/bin/sh\n' >"$rootfs/etc/shells"
cat >"$rootfs/etc/os-release" <<EOF
NAME="vmgate test guest"
ID=vmgate-test-guest
ID_LIKE=debian
VERSION_ID="1"
PRETTY_NAME="vmgate test guest (Debian $kver, busybox)"
EOF
chmod 0700 "$rootfs/root"

# 3. initramfs (newc, owned by root) and the version stamp.
(cd "$rootfs" && find . -mindepth 1 | sed 's|^\./||' | sort |
  "$bb" cpio -o -H newc -R 0:0 2>/dev/null | gzip -9 >"$work/initrd.img")

# 4. The bootable ISO: isolinux (El Torito, no emulation) boots the same kernel and
#    initramfs with the same command line, at once (no prompt).
iso=$work/iso
mkdir -p "$iso/isolinux"
cp "$stage/usr/lib/ISOLINUX/isolinux.bin" "$iso/isolinux/isolinux.bin"
cp "$stage/usr/lib/syslinux/modules/bios/ldlinux.c32" "$iso/isolinux/ldlinux.c32"
cp "$work/bzImage" "$iso/vmlinuz"
cp "$work/initrd.img" "$iso/initrd.img"
cat >"$iso/isolinux/isolinux.cfg" <<CFG
DEFAULT vmgate
PROMPT 0
TIMEOUT 1
LABEL vmgate
  KERNEL /vmlinuz
  INITRD /initrd.img
  APPEND $cmdline
CFG
if ! "${mkiso[@]}" -quiet -o "$work/test-guest.iso" -V VMGATE_TEST_GUEST -J -R \
  -b isolinux/isolinux.bin -c isolinux/boot.cat -no-emul-boot -boot-load-size 4 -boot-info-table \
  "$iso" 2>"$work/mkiso.log"; then
  log "${mkiso[0]} failed:"; cat "$work/mkiso.log" >&2; exit 1
fi

versions=$(for deb in "$debs"/*.deb; do dpkg-deb -W --showformat='${Package}=${Version}\n' "$deb"; done | sort)
mv "$work/vmlinuz" "$cache/vmlinuz"
mv "$work/initrd.img" "$cache/initrd.img"
mv "$work/test-guest.iso" "$cache/test-guest.iso"
{
  echo "recipe $recipe"
  echo "kernel $kver"
  echo "users root:$password user:$password"
  echo "cmdline $cmdline"
  echo "$versions"
} >"$cache/version"
log "built $cache/vmlinuz ($kver), $cache/initrd.img ($(du -h "$cache/initrd.img" | cut -f1)) and $cache/test-guest.iso ($(du -h "$cache/test-guest.iso" | cut -f1))"
