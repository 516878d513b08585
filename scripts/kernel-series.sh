#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Maintain a kernel series from the kernel git tree that `make board`
# keeps in build/cache/linux-source-KERNEL (its base commit is Debian's
# pristine source).  KERNEL=6.12 (default: kernel-patches/) or KERNEL=6.1
# (kernel-patches/linux-6.1/); see scripts/kernel-env.sh.
#
#   kernel-series.sh export   write base..HEAD of the tree as the series
#   kernel-series.sh sync     copy nmi-tty/ (adapted by its linux-KERNEL.diff
#                             for an older kernel) into the commit that adds
#                             the driver, rebase the rest on it, and export
#   kernel-series.sh check    checkpatch --strict every patch and the driver
#
# nmi-tty/ is the one home of the driver: the patch that adds it is
# generated from there (sync), and build-kernel.sh refuses a series whose
# driver differs from nmi-tty/ (plus the adaptation).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source-path=SCRIPTDIR/.. source=scripts/kernel-env.sh
. "$root/scripts/kernel-env.sh"
out=$series_dir

die() { echo "kernel-series: $*" >&2; exit 1; }
[ -d "$src/.git" ] || die "no kernel tree at $src: run 'make board' first"
g() { git -C "$src" "$@"; }

# 0000-cover-letter.patch: kernel-patches/cover-letter.txt (subject line,
# blank line, body) with the real shortlog and diffstat of the series.
write_cover_letter() {
	local n subject
	n=$(g rev-list --count base..HEAD)
	subject=$(head -n1 "$out/cover-letter.txt")
	{
		echo "From 0000000000000000000000000000000000000000 Mon Sep 17 00:00:00 2001"
		echo "From: $(g config user.name) <$(g config user.email)>"
		echo "Subject: [PATCH 0/$n] $subject"
		echo
		tail -n +3 "$out/cover-letter.txt"
		echo
		g shortlog base..HEAD
		g diff --stat=72 base..HEAD
		echo "-- "
	} >"$out/0000-cover-letter.patch"
}

export_series() {
	# Every NNNN-*.patch but the cover letter (0000), 0010 and 0100 included.
	find "$out" -maxdepth 1 -name '[0-9][0-9][0-9][0-9]-*.patch' \
		! -name '0000-*' -delete
	g format-patch -q --no-signature --zero-commit -o "$out" base..HEAD
	{
		echo "# ${out#"$root"/}/series: applied in order by tests/board/build-kernel.sh"
		(cd "$out" && ls [0-9][0-9][0-9][0-9]-*.patch | grep -v '^0000-')
	} >"$out/series"
	write_cover_letter
	echo "kernel-series: exported $(g rev-list --count base..HEAD) patches"
}

sync_driver() {
	local adder tip
	adder=$(g log --format=%H --diff-filter=A base..HEAD -- drivers/tty/serial/nmi_tty.c)
	[ -n "$adder" ] || die "no commit adds drivers/tty/serial/nmi_tty.c"
	tip=$(g rev-parse HEAD)
	drv=$(mktemp -d)
	kernel_driver "$drv" || die "the driver for $kernel cannot be made from nmi-tty/"
	g checkout -q --detach "$adder"
	for f in "${driver_files[@]}"; do
		cp "$drv/${f%%:*}" "$src/${f#*:}"
		g add -f "${f#*:}"
	done
	rm -rf "$drv"
	g commit -q --amend --no-edit --allow-empty
	g rebase -q --onto HEAD "$adder" "$tip" ||
		die "rebase after the driver commit failed: resolve in $src"
	g branch -f nmidbg HEAD
	g checkout -q nmidbg
	export_series
}

check_series() {
	# checkpatch runs scripts/spdxcheck.py: it needs Debian's python3-ply.
	local PATH=/usr/bin:$PATH
	local rc=0 p
	for p in $(grep -v '^#' "$out/series"); do
		(cd "$src" && ./scripts/checkpatch.pl --strict -q "$out/$p") ||
			{ echo "checkpatch: $p is not clean"; rc=1; }
	done
	(cd "$src" && ./scripts/checkpatch.pl --strict -q --no-tree -f \
		"$root/nmi-tty/nmi_tty.c" "$root/nmi-tty/nmi_tty.h") || {
		echo "checkpatch: nmi-tty/ is not clean"
		rc=1
	}
	[ $rc -eq 0 ] && echo "kernel-series: checkpatch --strict clean"
	return $rc
}

case ${1:-} in
export) export_series ;;
sync) sync_driver ;;
check) check_series ;;
*) die "usage: kernel-series.sh export|sync|check" ;;
esac
