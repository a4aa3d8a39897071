//! The shell scripts a build runs, in the container or on the host. They are
//! written into the build's control directory (mounted read-only at
//! `/aptkit/ctl`) rather than passed on a command line, so that `docker
//! inspect` and a user reading the log see short commands.

/// Runs the compile commands from the root of the source tree, then (in a
/// container) hands the target system's dpkg database and library names
/// out through the output mount, for `${shlibs:Depends}`, and gives the
/// files it made back to the user who started the build.
///
/// Environment: `DESTDIR`, `SOURCE_DATE_EPOCH`, `DEB_HOST_MULTIARCH`,
/// `APTKIT_DISTRO` and `APTKIT_DISTRO_DIR` for the compile commands;
/// `APTKIT_BUILD_COMMAND` (the distro's `build`, or empty for the default
/// steps); `APTKIT_EXPORT_ROOT` and `APTKIT_OWNER` (container only).
pub const COMPILE: &str = r#"#!/bin/sh
# Written by aptkit for one build.
status=0
mkdir -p "$DESTDIR"
if [ -n "$APTKIT_BUILD_COMMAND" ]; then
	echo "==> $APTKIT_BUILD_COMMAND"
	"$APTKIT_BUILD_COMMAND" || status=$?
else
	# Its own shell, so that `set -e` holds inside it.
	sh -e "$(dirname "$0")/default-compile.sh" || status=$?
fi
if [ "$status" = 0 ] && [ -n "${APTKIT_EXPORT_ROOT:-}" ]; then
	sh -e "$(dirname "$0")/export-root.sh" || status=$?
	[ "$status" = 0 ] || echo "aptkit: exporting the target's dpkg database failed" >&2
fi
if [ -n "${APTKIT_OWNER:-}" ]; then
	chown -R "$APTKIT_OWNER" /aptkit/src /aptkit/out 2>/dev/null || true
fi
exit "$status"
"#;

/// The compile steps without a `build` script: what a debhelper user
/// expects of `debian/rules` up to its binary step (which aptkit replaces):
/// configure, build, test and install into `debian/tmp`, each through the
/// rules file's `override_dh_auto_*` target when it has one. Without
/// debhelper in the image: `./configure` (if there is one), `make`,
/// `make install DESTDIR=…`.
pub const DEFAULT_COMPILE: &str = r#"# Written by aptkit: the default compile steps.
if [ -f debian/rules ] && command -v dh_auto_build >/dev/null 2>&1; then
	for step in configure build test install; do
		if grep -q "^override_dh_auto_$step:" debian/rules; then
			echo "==> debian/rules override_dh_auto_$step"
			make -f debian/rules "override_dh_auto_$step"
		elif [ "$step" = install ]; then
			echo "==> dh_auto_install --destdir=$DESTDIR"
			dh_auto_install --destdir="$DESTDIR"
		else
			echo "==> dh_auto_$step"
			"dh_auto_$step"
		fi
	done
else
	echo "==> no debhelper here: ./configure, make, make install"
	if [ -x ./configure ]; then ./configure --prefix=/usr; fi
	make
	make install DESTDIR="$DESTDIR"
fi
"#;

/// Copies what `${shlibs:Depends}` needs of the target system into
/// `$APTKIT_EXPORT_ROOT`, laid out as a root directory: the dpkg status
/// file, every package's file list, shlibs and symbols files, the linker's
/// configuration, and the shared libraries of every library directory as
/// empty files and symlinks (their names and links are what is looked up;
/// their bytes would be hundreds of megabytes).
pub const EXPORT_ROOT: &str = r#"# Written by aptkit: the target's dpkg database, for shlibs.
r=$APTKIT_EXPORT_ROOT
mkdir -p "$r/var/lib/dpkg/info" "$r/etc"
cp /var/lib/dpkg/status "$r/var/lib/dpkg/status"
find /var/lib/dpkg/info -maxdepth 1 \( -name '*.list' -o -name '*.shlibs' -o -name '*.symbols' \) \
	-exec cp -t "$r/var/lib/dpkg/info" {} +
[ -e /etc/ld.so.conf ] && cp /etc/ld.so.conf "$r/etc/"
[ -d /etc/ld.so.conf.d ] && cp -r /etc/ld.so.conf.d "$r/etc/"
# Top-level links first, so that a merged-/usr root (/lib -> usr/lib) is
# copied as links and each real directory once.
dirs="/lib /lib64 /usr/lib /usr/lib64 /lib/$DEB_HOST_MULTIARCH /usr/lib/$DEB_HOST_MULTIARCH /usr/local/lib"
extra=$(cat /etc/ld.so.conf.d/*.conf 2>/dev/null | sed -n 's,^\(/[^ #]*\).*,\1,p')
seen=" "
for d in $dirs $extra; do
	[ -d "$d" ] || continue
	if [ -L "$d" ] && [ ! -e "$r$d" ]; then
		mkdir -p "$r$(dirname "$d")"
		cp -a "$d" "$r$d"
	fi
	real=$(readlink -f "$d")
	case "$seen" in *" $real "*) continue ;; esac
	seen="$seen$real "
	mkdir -p "$r$real"
	find "$real" -maxdepth 1 \( -type f -o -type l \) -name '*.so*' \
		-exec cp -a --attributes-only -t "$r$real" {} +
done
"#;

/// Installs the Build-Depends (and build-essential, which Debian's build
/// tools imply) with the image's own apt, in the container whose result is
/// kept as the build's base image.
pub const BUILD_DEPENDS: &str = r#"# Written by aptkit: install the Build-Depends.
set -e
export DEBIAN_FRONTEND=noninteractive
echo "==> apt-get update"
apt-get update -q
echo "==> apt-get satisfy $APTKIT_BUILD_DEPENDS"
apt-get satisfy -y -q --no-install-recommends "$APTKIT_BUILD_DEPENDS"
apt-get clean
rm -rf /var/lib/apt/lists/*
"#;
