#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Install every Debian package nmidbg needs to build, test and demo.
# Idempotent: when all are present it only asks dpkg and returns.
set -euo pipefail

packages=(
	# host tool
	gcc make pkg-config libserialport-dev libreadline-dev libelf-dev libdw-dev
	# unit tests, sanitizers and fuzzing
	libcmocka-dev clang libclang-rt-14-dev
	# test board: arm64 kernel and PID 1
	gcc-aarch64-linux-gnu libc6-dev-arm64-cross linux-source-6.12 linux-source-6.1
	flex bison bc libssl-dev libelf-dev xz-utils git
	qemu-system-arm
	# debugger side and e2e helpers
	gdb-multiarch python3 ser2net tmux
	# the labgrid driver and its pytest hook (tests: contrib/labgrid)
	python3-labgrid python3-pytest python3-pytest-timeout
	# nmidbg drgn
	python3-drgn
	# JTAG fallback (remote_bitbang against the tests' JTAG-DP model)
	openocd
	# checkpatch.pl: Perl's core modules, and its SPDX check
	perl python3-ply python3-git
	# make deb and its test (no fakeroot: debian/control says
	# Rules-Requires-Root: no, and dpkg-deb sets root as the owner)
	debhelper dh-python dpkg-dev lintian
)

missing=()
for p in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
	[ "$status" = installed ] || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages present"
	exit 0
fi

echo "deps: installing ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || {
		echo "deps: not root and no sudo; run as root: apt-get install ${missing[*]}" >&2
		exit 1
	}
	sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
