#!/bin/sh
# compile.sh - the "compile stage" aptkit runs for this fixture.
#
# Builds and installs into debian/tmp (as dh_auto_build/dh_auto_install
# would), then writes debian/<pkg>.substvars with shlibs:Depends via
# dpkg-shlibdeps when it is available.
#
# dpkg-shlibdeps needs debian/shlibs.local for libgreet1: the library is not
# installed on the system, and because hello and libgreet.so.1 both sit under
# debian/tmp it treats them as one package and silently drops the dependency.
set -eu

cd "$(dirname "$0")"

# Library directory: usr/lib/<multiarch> as under dpkg-buildpackage.
if [ -z "${DEB_HOST_MULTIARCH:-}" ]; then
	DEB_HOST_MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null ||
		${CC:-cc} -print-multiarch 2>/dev/null || true)
fi
export DEB_HOST_MULTIARCH

# Same compiler/linker flags as debian/rules gets from dh, if available.
if command -v dpkg-buildflags >/dev/null 2>&1; then
	DEB_BUILD_MAINT_OPTIONS=${DEB_BUILD_MAINT_OPTIONS:-hardening=+all}
	export DEB_BUILD_MAINT_OPTIONS
	eval "$(dpkg-buildflags --export=sh)"
fi

make
make install DESTDIR="$PWD/debian/tmp"

if command -v dpkg-shlibdeps >/dev/null 2>&1; then
	libdir=debian/tmp/usr/lib${DEB_HOST_MULTIARCH:+/$DEB_HOST_MULTIARCH}
	dpkg-shlibdeps -Tdebian/hello.substvars debian/tmp/usr/bin/hello
	dpkg-shlibdeps -Tdebian/libgreet1.substvars "$libdir/libgreet.so.1.0.0"
fi
