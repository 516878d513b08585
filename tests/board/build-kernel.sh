#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Build the test board's arm64 kernel from Debian's linux-source-KERNEL
# with that kernel's series applied, out of tree, cached.
#
#   [KERNEL=6.12|6.1] build-kernel.sh [VARIANT]
#
# VARIANT: default (with DWARF and the gdb scripts), lean (no DWARF: for
# boards the tests drive through kdb only), lockdep (lean + lockdep).
#
# KERNEL picks the base (scripts/kernel-env.sh): 6.12 (the default) builds
# in build/kernel/VARIANT with kernel-patches/series, 6.1 in
# build/kernel/6.1-VARIANT with kernel-patches/linux-6.1/series.
#
# The build is keyed by a hash of (source tarball, patches, config
# fragments, nmi-tty sources, this script): a second run with the same key
# does nothing.  The source tree is a git repository with the pristine
# tarball as its base commit, so a changed series is applied by resetting
# to the base and `git am`: files the old series touched get new mtimes
# and make rebuilds exactly what changed.
set -euo pipefail

variant=${1:-default}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${NMIDBG_BUILD:-$root/build}
# shellcheck source-path=SCRIPTDIR/../.. source=scripts/kernel-env.sh
. "$root/scripts/kernel-env.sh"
out=$build/kernel/$out_prefix$variant
log=$out/build.log
start=$(date +%s)
make_args=(ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- "O=$out")

stage() { printf '[%4ds] %s\n' $(($(date +%s) - start)) "$*"; }
die() { printf 'build-kernel: %s\n' "$*" >&2; exit 1; }

fragments=("$here/kernel.config")
case $variant in
default) ;;
lean) fragments+=("$here/lean.config") ;;
lockdep) fragments+=("$here/lean.config" "$here/lockdep.config") ;;
*) die "unknown variant '$variant' (default, lean, lockdep)" ;;
esac

[ -f "$tarball" ] || die "$tarball missing: run 'make deps'"

# The series as a list of files, in order.
patches=()
if [ -f "$series_dir/series" ]; then
	while read -r p; do
		case $p in '' | '#'*) continue ;; esac
		[ -f "$series_dir/$p" ] || die "series names missing patch $p"
		patches+=("$series_dir/$p")
	done <"$series_dir/series"
fi

# Hash of files in order; nothing present hashes as empty.
hash_files() { cat -- "$@" 2>/dev/null | sha256sum | cut -c1-16 || true; }

series_key=$(hash_files "$series_dir/series" ${patches[@]+"${patches[@]}"})
nmi_tty=()
if [ -d "$root/nmi-tty" ]; then
	mapfile -t nmi_tty < <(find "$root/nmi-tty" -type f ! -name 'linux-*.diff' | LC_ALL=C sort)
	[ -z "$driver_diff" ] || nmi_tty+=("$driver_diff")
fi
mapfile -t test_module < <(find "$here/module" -type f | LC_ALL=C sort)
key=$({
	stat -c '%n %s %Y' "$tarball"
	echo "series $series_key"
	echo "nmi-tty $(hash_files ${nmi_tty[@]+"${nmi_tty[@]}"})"
	echo "module $(hash_files "${test_module[@]}")"
	cat "${fragments[@]}" "$0" "$root/scripts/kernel-env.sh" "$here/mkcpio.py"
} | sha256sum | cut -c1-16)

image=$out/arch/arm64/boot/Image
if [ -f "$image" ] && [ "$(cat "$out/.nmidbg-key" 2>/dev/null)" = "$key" ]; then
	stage "kernel '$variant' is up to date ($key)"
	exit 0
fi

mkdir -p "$out"
: >"$log"
trap 'rc=$?; if [ $rc -ne 0 ]; then echo "--- last lines of $log:"; tail -n 40 "$log"; fi' EXIT

# 1. Pristine source as a git base commit (once per tarball).
if [ "$(cat "$src/.git/nmidbg-tarball" 2>/dev/null)" != "$(stat -c '%s %Y' "$tarball")" ]; then
	stage "extracting $(basename "$tarball")"
	rm -rf "$src"
	mkdir -p "$build/cache"
	tar -C "$build/cache" -xf "$tarball"
	stage "recording pristine source"
	# Debian's .gitignore ignores the whole top level: add with -f.
	git -C "$src" init -q
	git -C "$src" -c core.compression=0 add -A -f
	git -C "$src" -c user.name=nmidbg -c user.email=nmidbg@localhost \
		commit -q -m "linux-source-$kernel as shipped by Debian"
	git -C "$src" tag base
	stat -c '%s %Y' "$tarball" >"$src/.git/nmidbg-tarball"
fi

# 2. The patch series.
if [ "$(cat "$src/.git/nmidbg-series" 2>/dev/null)" != "$series_key" ]; then
	stage "applying ${series_dir#"$root"/}/series (${#patches[@]} patches)"
	rm -f "$src/.git/nmidbg-series"
	git -C "$src" am --abort >/dev/null 2>&1 || true
	git -C "$src" reset -q --hard base
	git -C "$src" clean -q -fdx
	if [ ${#patches[@]} -gt 0 ]; then
		git -C "$src" -c user.name=nmidbg -c user.email=nmidbg@localhost \
			am -q --whitespace=error-all "${patches[@]}" >>"$log" 2>&1 ||
			die "${series_dir#"$root"/}/series does not apply to $(basename "$tarball")"
	fi
	echo "$series_key" >"$src/.git/nmidbg-series"
fi

# nmi-tty/ is the one home of the driver: the series must carry it as
# nmi-tty/ has it (adapted by nmi-tty/linux-KERNEL.diff for an older base).
if [ -f "$root/nmi-tty/nmi_tty.c" ]; then
	drv=$(mktemp -d)
	kernel_driver "$drv" || { rm -rf "$drv"; die "the driver for $kernel cannot be made from nmi-tty/"; }
	for f in "${driver_files[@]}"; do
		if ! cmp -s "$drv/${f%%:*}" "$src/${f#*:}"; then
			rm -rf "$drv"
			die "${series_dir#"$root"/} carries a ${f#*:} that differs from nmi-tty/${f%%:*}${driver_diff:+ + ${driver_diff#"$root"/}}: run KERNEL=$kernel scripts/kernel-series.sh sync"
		fi
	done
	rm -rf "$drv"
fi

# 3. Configuration: allnoconfig + fragments, every requested option checked.
stage "configuring '$variant' from allnoconfig + ${fragments[*]##*/}"
make -C "$src" "${make_args[@]}" allnoconfig >>"$log" 2>&1
ARCH=arm64 "$src/scripts/kconfig/merge_config.sh" -m -O "$out" \
	"$out/.config" "${fragments[@]}" >>"$log" 2>&1
make -C "$src" "${make_args[@]}" olddefconfig >>"$log" 2>&1
# A later fragment overrides an earlier one, as in merge_config: check
# each option's last requested value.
declare -A want=()
order=()
while IFS= read -r line; do
	case $line in CONFIG_*) ;; *) continue ;; esac
	name=${line%%=*}
	[ -n "${want[$name]+x}" ] || order+=("$name")
	want[$name]=$line
done < <(cat "${fragments[@]}")
dropped=0
for name in "${order[@]}"; do
	line=${want[$name]} val=${want[$name]#*=}
	if [ "$val" = n ]; then
		if grep -q "^$name=" "$out/.config"; then
			echo "build-kernel: $name=n requested but set: $(grep "^$name=" "$out/.config")" >&2
			dropped=1
		fi
	elif ! grep -qxF "$line" "$out/.config"; then
		echo "build-kernel: $line was dropped by kconfig (now: $(grep -E "^(# )?$name[= ]" "$out/.config" || echo unset))" >&2
		dropped=1
	fi
done
[ $dropped -eq 0 ] || die "requested options were dropped (unmet dependencies)"

# 4. Build, with a progress line every 20 s.
targets=(Image)
grep -q '^CONFIG_GDB_SCRIPTS=y' "$out/.config" && targets+=(scripts_gdb)
# modules: no module of the kernel's own, but modpost's Module.symvers,
# which the test module is built against.
grep -q '^CONFIG_MODULES=y' "$out/.config" && targets+=(modules)
stage "building ${targets[*]} and vmlinux (log: ${log#"$root"/})"
# One job more than CPUs: a compile waiting on the disk leaves no core idle.
make -C "$src" "${make_args[@]}" -j"$(($(nproc) + 1))" "${targets[@]}" >>"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null' INT TERM
while kill -0 $pid 2>/dev/null; do
	for _ in $(seq 20); do
		sleep 1
		kill -0 $pid 2>/dev/null || break
	done
	kill -0 $pid 2>/dev/null || break
	stage "  building: $(grep -c '^  CC' "$log") files compiled, now: $(tail -n1 "$log" | cut -c1-60)"
done
wait $pid || die "kernel build failed"
[[ " ${targets[*]} " != *" scripts_gdb "* ]] || [ -f "$out/vmlinux-gdb.py" ] ||
	die "vmlinux-gdb.py missing (CONFIG_GDB_SCRIPTS)"

# 5. The test module (tests/board/module), built in the output tree so the
# source tree stays clean, and an archive the board appends to its
# initramfs.  The .ko stays beside the vmlinux: where nmidbg looks for it.
rm -f "$out/modules.cpio"
if [[ " ${targets[*]} " == *" modules "* ]]; then
	stage "building the test module"
	rm -rf "$out/nmidbg-module"
	cp -r "$here/module" "$out/nmidbg-module"
	make -C "$src" "${make_args[@]}" M="$out/nmidbg-module" modules >>"$log" 2>&1 ||
		die "the test module did not build"
	/usr/bin/python3 "$here/mkcpio.py" --files "$out/modules.cpio" \
		"nmidbg_test.ko=$out/nmidbg-module/nmidbg_test.ko"
fi

echo "$key" >"$out/.nmidbg-key"
stage "kernel '$variant' ready: ${image#"$root"/} ($(du -h "$image" | cut -f1))"
