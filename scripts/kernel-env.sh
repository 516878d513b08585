# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sourced by the kernel scripts: where the series, the source tree and the
# builds of one base kernel live.  KERNEL selects it (default 6.12):
#
#   KERNEL   tarball                           series                     tree                          builds
#   6.12     /usr/src/linux-source-6.12.tar.xz kernel-patches/            build/cache/linux-source-6.12 build/kernel/VARIANT
#   6.1      /usr/src/linux-source-6.1.tar.xz  kernel-patches/linux-6.1/  build/cache/linux-source-6.1  build/kernel/6.1-VARIANT
#
# nmi-tty/ holds the driver for 6.12.  For an older kernel the driver is
# nmi-tty/ with nmi-tty/linux-KERNEL.diff applied (kernel_driver below):
# a driver change made in nmi-tty/ reaches every series, and a change that
# the adaptation no longer fits is an error, not a silent drift.
# Needs $root (the checkout); sets kernel, tarball, series_dir, src,
# out_prefix, driver_diff.

kernel=${KERNEL:-6.12}
case $kernel in
6.12)
	series_dir=$root/kernel-patches
	out_prefix=
	driver_diff=
	;;
6.1)
	series_dir=$root/kernel-patches/linux-6.1
	out_prefix=6.1-
	driver_diff=$root/nmi-tty/linux-6.1.diff
	;;
*)
	echo "unknown KERNEL '$kernel' (6.12, 6.1)" >&2
	exit 1
	;;
esac
tarball=${LINUX_TARBALL:-/usr/src/linux-source-$kernel.tar.xz}
src=${NMIDBG_BUILD:-$root/build}/cache/linux-source-$kernel
# nmi-tty/ file -> path in the kernel tree
driver_files=(
	"nmi_tty.c:drivers/tty/serial/nmi_tty.c"
	"nmi_tty.h:include/linux/nmi_tty.h"
)

# kernel_driver DIR: write the driver files for this kernel into DIR
# (nmi_tty.c, nmi_tty.h); fails when the adaptation does not apply.
kernel_driver() {
	local f
	for f in "${driver_files[@]}"; do
		cp "$root/nmi-tty/${f%%:*}" "$1/"
	done
	[ -z "$driver_diff" ] && return 0
	patch -s -p1 -d "$1" --no-backup-if-mismatch -r - <"$driver_diff" >&2 || {
		echo "nmi-tty/${driver_diff##*/} no longer applies to nmi-tty/: adapt it" >&2
		return 1
	}
}
