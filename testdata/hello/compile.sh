#!/bin/sh
# compile.sh - the "compile stage" aptkit runs for this fixture.
#
# Builds and installs into debian/tmp (as dh_auto_build/dh_auto_install
# would). ${shlibs:Depends} is aptkit's job (`aptkit package` computes it as
# dh_shlibdeps does: hello's need of libgreet.so.1 resolves to the libgreet1
# package built alongside it, through the shlibs file aptkit gives it).
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

