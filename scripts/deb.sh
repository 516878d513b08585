#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# make deb: scripts/deb.sh VERSION WORKDIR OUT.deb
#
# Builds the Debian package with debhelper (debian/) from a copy of the
# tree in WORKDIR: dpkg-buildpackage writes into debian/ and beside the
# tree, and the checkout must stay as it is.  The changelog is made here
# from VERSION (the Makefile's, the one version) so that no second copy of
# it is kept.  The build's output goes to WORKDIR/build.log.
set -euo pipefail

version=$1 work=$2 out=$3
top=$(cd "$(dirname "$0")/.." && pwd)
src=$work/nmidbg-$version
log=$work/build.log
arch=$(dpkg --print-architecture)

rm -rf "$work"
mkdir -p "$src"
# What the package is built from; contrib/ with whatever contrib/labgrid
# holds at this moment (debian/rules installs it).
(cd "$top" && tar -cf - --exclude=__pycache__ --exclude='*.pyc' \
	Makefile VERSION README.md host docs gdbscripts kernel-patches contrib debian) |
	tar -xf - -C "$src"

maintainer=$(sed -n 's/^Maintainer: //p' "$src/debian/control")
# The commit's date keeps a rebuild of the same commit the same.
date=$(git -C "$top" log -1 --format=%aD 2>/dev/null || date -R)
cat > "$src/debian/changelog" <<END
nmidbg ($version) unstable; urgency=medium

  * Built from the nmidbg source tree, version $version.

 -- $maintainer  $date
END

echo "deb: building nmidbg $version with debhelper in $src (log: $log)"
# Nothing of the calling make may reach the copy's: a BUILD=DIR given to
# it travels in MAKEFLAGS, and the copy's `make distclean` would empty DIR.
if ! (cd "$src" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u PREFIX -u DESTDIR \
	dpkg-buildpackage -b -us -uc) > "$log" 2>&1; then
	echo "deb: dpkg-buildpackage failed; the end of $log:" >&2
	tail -n 40 "$log" >&2
	exit 1
fi
mv "$work/nmidbg_${version}_$arch.deb" "$out"
