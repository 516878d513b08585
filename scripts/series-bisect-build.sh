#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Build the test kernel at every patch of a kernel series, in order, to
# prove each patch builds on its own (make check-series; KERNEL=6.1 for
# the 6.1 series, see scripts/kernel-env.sh).  Uses its own worktree and
# output directory, so the board's cached kernels stay as they are.
# Builds after the first are incremental.  The series is base..HEAD of the
# tree: what `make board` applied (or `kernel-series.sh` left checked out).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${NMIDBG_BUILD:-$root/build}
# shellcheck source-path=SCRIPTDIR/.. source=scripts/kernel-env.sh
. "$root/scripts/kernel-env.sh"
wt=$build/cache/${out_prefix}series-bisect
out=$build/kernel/${out_prefix}series-bisect
# The board's configuration without DWARF: whether a patch builds does not
# depend on it, and each build takes a fifth less.
frags=("$root/tests/board/kernel.config" "$root/tests/board/lean.config")
mk=(make -C "$wt" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- "O=$out")

[ -d "$src/.git" ] || { echo "run 'make board' first" >&2; exit 1; }
git -C "$src" worktree remove --force "$wt" 2>/dev/null || rm -rf "$wt"
git -C "$src" worktree prune
git -C "$src" worktree add -q --detach "$wt" base
mkdir -p "$out"
trap 'git -C "$src" worktree remove --force "$wt" 2>/dev/null || true' EXIT
commits=$(git -C "$src" rev-list --reverse base..HEAD)
n=0
for c in $commits; do
	n=$((n + 1))
	git -C "$wt" checkout -q "$c"
	"${mk[@]}" -s allnoconfig >/dev/null
	(cd "$wt" && ARCH=arm64 scripts/kconfig/merge_config.sh -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null)
	"${mk[@]}" -s olddefconfig >/dev/null
	start=$(date +%s)
	if "${mk[@]}" -j"$(nproc)" Image >"$out/build-$n.log" 2>&1; then
		echo "patch $n builds ($(($(date +%s) - start)) s): $(git -C "$wt" log -1 --format=%s)"
	else
		echo "patch $n FAILS to build: $(git -C "$wt" log -1 --format=%s)"
		tail -20 "$out/build-$n.log"
		exit 1
	fi
done
echo "all $n patches build on their own"
