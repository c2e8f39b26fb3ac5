#!/usr/bin/env bash
# build-image.sh: a kiosk disk image from Debian 12 with debootstrap and the
# kiosk .deb installed, with a read-only root and a writable data partition.
# Run as root on a Debian 12 machine (not in CI); see packaging/README.md
# ("Image") for the layout and how to write the image to a kiosk's disk.
#
#   apt-get install -y debootstrap gdisk dosfstools e2fsprogs
#   packaging/image/build-image.sh --deb bin/dist/kiosk_VERSION_amd64.deb \
#       --update-key /secure/update.pub [--profile hall.yaml] [--out kiosk.img]
set -euo pipefail

suite=bookworm
arch=$(dpkg --print-architecture)
mirror=http://deb.debian.org/debian
size=8G
rootsize=4G
out=kiosk.img
deb="" sig="" key="" profile=""

usage() { sed -n '2,10p' "$0" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
	--deb) deb=$2; shift 2 ;;
	--sig) sig=$2; shift 2 ;;
	--update-key) key=$2; shift 2 ;;
	--profile) profile=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--size) size=$2; shift 2 ;;
	--root-size) rootsize=$2; shift 2 ;;
	--arch) arch=$2; shift 2 ;;
	--mirror) mirror=$2; shift 2 ;;
	--suite) suite=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$deb" ] && [ -n "$key" ] || usage
[ -z "$sig" ] && sig="$deb.sig"
[ "$(id -u)" = 0 ] || { echo "build-image: run as root" >&2; exit 1; }
for tool in debootstrap sgdisk mkfs.vfat mkfs.ext4 losetup; do
	command -v "$tool" >/dev/null || { echo "build-image: needs $tool (apt-get install -y debootstrap gdisk dosfstools e2fsprogs)" >&2; exit 1; }
done
case "$arch" in
amd64) grubpkg=grub-efi-amd64 grubtarget=x86_64-efi kernel=linux-image-amd64 ;;
arm64) grubpkg=grub-efi-arm64 grubtarget=arm64-efi kernel=linux-image-arm64 ;;
*) echo "build-image: arch $arch: amd64 or arm64" >&2; exit 2 ;;
esac

mnt=$(mktemp -d)
loop=""
cleanup() {
	set +e
	for m in data/kiosk-update data boot/efi dev/pts dev proc sys; do
		mountpoint -q "$mnt/$m" && umount -l "$mnt/$m"
	done
	mountpoint -q "$mnt" && umount -l "$mnt"
	[ -n "$loop" ] && losetup -d "$loop"
	rmdir "$mnt" 2>/dev/null
}
trap cleanup EXIT

echo "build-image: partitioning $out ($size: EFI 256M, root $rootsize read-only, data the rest)"
rm -f "$out"
truncate -s "$size" "$out"
sgdisk --zap-all \
	-n 1:0:+256M -t 1:ef00 -c 1:KIOSK-EFI \
	-n 2:0:+"$rootsize" -t 2:8300 -c 2:KIOSK-ROOT \
	-n 3:0:0 -t 3:8300 -c 3:KIOSK-DATA "$out" >/dev/null
loop=$(losetup --find --show --partscan "$out")
mkfs.vfat -F 32 -n KIOSK-EFI "${loop}p1" >/dev/null
mkfs.ext4 -q -L KIOSK-ROOT "${loop}p2"
mkfs.ext4 -q -L KIOSK-DATA "${loop}p3"

mount "${loop}p2" "$mnt"
echo "build-image: debootstrap $suite $arch from $mirror"
debootstrap --arch="$arch" --variant=minbase \
	--include="systemd-sysv,udev,dbus,libpam-systemd,$kernel,$grubpkg,ca-certificates,apt,adduser,init-system-helpers,locales" \
	"$suite" "$mnt" "$mirror"

mkdir -p "$mnt/boot/efi" "$mnt/data"
mount "${loop}p1" "$mnt/boot/efi"
mount "${loop}p3" "$mnt/data"
for m in proc sys dev dev/pts; do mount --bind "/$m" "$mnt/$m"; done

# The writable data partition: everything that changes at run time.
install -d -m 0755 "$mnt/data/log" "$mnt/data/systemd"
install -d -m 0700 "$mnt/data/kiosk" "$mnt/data/kiosk-update"
cat >"$mnt/etc/fstab" <<FSTAB
# Kiosk layout (packaging/README.md): root read-only, data writable.
LABEL=KIOSK-ROOT  /                     ext4   ro,noatime,errors=remount-ro  0 1
LABEL=KIOSK-EFI   /boot/efi             vfat   ro,umask=0077                 0 2
LABEL=KIOSK-DATA  /data                 ext4   rw,noatime,commit=5           0 2
/data/kiosk         /var/lib/kiosk         none  bind  0 0
/data/kiosk-update  /var/lib/kiosk-update  none  bind  0 0
/data/log           /var/log               none  bind  0 0
/data/systemd       /var/lib/systemd       none  bind  0 0
tmpfs  /tmp      tmpfs  nosuid,nodev,mode=1777  0 0
tmpfs  /var/tmp  tmpfs  nosuid,nodev,mode=1777  0 0
tmpfs  /var/cache/apt  tmpfs  nosuid,nodev  0 0
FSTAB
install -d "$mnt/var/lib/kiosk" "$mnt/var/lib/kiosk-update"
cp -a "$mnt/var/log/." "$mnt/data/log/"
cp -a "$mnt/var/lib/systemd/." "$mnt/data/systemd/" 2>/dev/null || true
mount --bind "$mnt/data/kiosk" "$mnt/var/lib/kiosk"
mount --bind "$mnt/data/kiosk-update" "$mnt/var/lib/kiosk-update"
# kiosk.service runs the app in zh_CN.UTF-8 (LANG): the C library has it too.
echo "zh_CN.UTF-8 UTF-8" >"$mnt/etc/locale.gen"
chroot "$mnt" locale-gen
echo kiosk >"$mnt/etc/hostname"
: >"$mnt/etc/machine-id" # systemd makes one at each boot (read-only root)

echo "build-image: installing $(basename "$deb") and its dependencies"
cp "$deb" "$mnt/tmp/kiosk.deb"
chroot "$mnt" apt-get update -qq
DEBIAN_FRONTEND=noninteractive chroot "$mnt" apt-get install -y -qq --no-install-recommends /tmp/kiosk.deb espeak-ng
rm -f "$mnt/tmp/kiosk.deb"
chroot "$mnt" apt-get clean

# The update key, the hall profile, and the installed package kept so that
# the first kioskctl update keeps something to roll back to.
install -m 0644 "$key" "$mnt/etc/kiosk/update.pub"
[ -n "$profile" ] && install -m 0644 "$profile" "$mnt/etc/kiosk/kiosk.yaml"
install -m 0600 "$deb" "$mnt/data/kiosk-update/current.deb"
if [ -e "$sig" ]; then
	install -m 0600 "$sig" "$mnt/data/kiosk-update/current.sig"
else
	echo "build-image: no $sig: the installed package is kept unsigned (a rollback to it is refused)" >&2
fi
chroot "$mnt" kioskctl udev-rules /etc/kiosk/kiosk.yaml >"$mnt/etc/udev/rules.d/70-kiosk.rules"

chroot "$mnt" systemctl enable kiosk.service
chroot "$mnt" systemctl set-default graphical.target
chroot "$mnt" systemctl mask apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer 2>/dev/null || true
chroot "$mnt" passwd -l root

echo "build-image: boot loader ($grubtarget)"
sed -i 's/^GRUB_CMDLINE_LINUX_DEFAULT=.*/GRUB_CMDLINE_LINUX_DEFAULT="quiet ro consoleblank=0 vt.global_cursor_default=0"/' "$mnt/etc/default/grub"
sed -i 's/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=0/' "$mnt/etc/default/grub"
chroot "$mnt" grub-install --target="$grubtarget" --efi-directory=/boot/efi --removable --no-nvram
chroot "$mnt" update-grub

echo "build-image: done: $out"
