#!/usr/bin/env bash
# Install everything the test suite uses as an oracle, on a fresh Debian 12
# machine (run as root): lintian, debhelper (for its reference build of the
# example), debootstrap, a minimal Debian root to install packages into,
# awscli (an independent S3 client) and moto (an S3/CloudFront server on
# loopback, in a venv). Idempotent: a second run installs nothing and reuses
# the cached root and venv.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
# podman and runc: the second container engine `aptkit build` drives.
# gzip and xz-utils: the real decompressors that read assembled indices back;
# with zstd, bzip2 and lz4, the real compressors whose output aptkit's one
# decompressing reader must read; curl: a real HTTP client for `aptkit serve`;
# man-db (and the groff-base it needs): `man -l` and groff render the
# generated man pages; zlib1g-dev: testdata/vecmath links libz.
packages=(lintian debhelper build-essential podman runc debootstrap dpkg-dev binutils make gcc zlib1g-dev sqv gpgv gpg apt-utils awscli python3-venv gzip xz-utils zstd bzip2 lz4 curl man-db groff-base)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || missing+=("$p")
done
if ((${#missing[@]})); then
	echo "installing: ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The e2e tests use this machine's own Debian index as a dependency base.
if ! ls /var/lib/apt/lists/*_binary-amd64_Packages* >/dev/null 2>&1; then
	apt-get update -qq
fi

# A minimal bookworm root for `dpkg -i` tests, made once and cached under
# target/ (tests copy it before changing anything).
rootfs=${APTKIT_TEST_ROOTFS:-$repo/target/test-rootfs/bookworm}
if [ ! -f "$rootfs/var/lib/dpkg/status" ]; then
	mirror=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
	mirror=${mirror:-http://deb.debian.org/debian}
	echo "debootstrap: building a minimal bookworm root in $rootfs (about a minute)" >&2
	rm -rf "$rootfs.partial"
	mkdir -p "$(dirname "$rootfs")"
	debootstrap --variant=minbase bookworm "$rootfs.partial" "$mirror" >"$repo/target/debootstrap.log" 2>&1 ||
		{ tail -20 "$repo/target/debootstrap.log" >&2; exit 1; }
	mv "$rootfs.partial" "$rootfs"
fi

# moto's S3 and CloudFront server, for the S3 backend's tests (Debian does not
# package moto). Debian's own python3, so that a pyenv or other interpreter on
# PATH cannot change what the venv is built on.
venv=$repo/target/moto-venv
if [ ! -x "$venv/bin/moto_server" ]; then
	echo "pip: installing moto[server] into $venv" >&2
	rm -rf "$venv"
	mkdir -p "$repo/target"
	/usr/bin/python3 -m venv "$venv"
	"$venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]" >"$repo/target/moto-pip.log" 2>&1 ||
		{ tail -20 "$repo/target/moto-pip.log" >&2; rm -rf "$venv"; exit 1; }
fi

# moto's server with its requests handled one at a time. On S3 a conditional
# write (If-Match, If-None-Match) is atomic; moto checks the condition and
# then writes without a lock, so two concurrent compare-and-swaps could both
# win on a loaded machine, and the tests of aptkit's CAS would test moto's
# race instead. And moto (5.2) answers ListParts with a <ListPartsResponse>
# root where S3 says <ListPartsResult>, which the AWS SDK for Rust checks
# (awscli does not): the launcher renames it. And S3 refuses a CopyObject
# with If-None-Match: * onto a key that exists (412 Precondition Failed),
# which moto 5.2 ignores and copies anyway: the launcher looks the
# destination up in moto's own store (inside the same one-at-a-time lock)
# and answers 412 as S3 does. It looks it up directly, not by sending moto a
# HEAD: S3 decides the condition inside the one request, and a HEAD through
# moto's request handling cost about 1 ms, a third of each copy, which the
# benchmarks would have charged to aptkit alone. A request it cannot place
# (not path-style, or a bucket moto does not have) is asked with the HEAD.
# Nothing else. Rewritten on every run (it is a few lines).
cat >"$venv/bin/aptkit-moto-server" <<LAUNCHER
#!$venv/bin/python
import io
import threading
from urllib.parse import unquote
import moto.server
from moto.core import DEFAULT_ACCOUNT_ID
from moto.s3.models import s3_backends
from werkzeug.serving import run_simple

lock = threading.Lock()

def serialized(app):
    def handle(environ, start_response):
        with lock:
            return list(app(environ, start_response))
    return handle

def list_parts_as_s3(app):
    def handle(environ, start_response):
        answer = {}
        def capture(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers
        body = b"".join(app(environ, capture))
        headers = answer["headers"]
        if b"<ListPartsResponse" in body[:300]:
            body = body.replace(b"<ListPartsResponse", b"<ListPartsResult", 1)
            body = body.replace(b"</ListPartsResponse>", b"</ListPartsResult>", 1)
            headers = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in headers]
        start_response(answer["status"], headers)
        return [body]
    return handle

PRECONDITION_FAILED = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code>'
    b"<Message>At least one of the pre-conditions you specified did not hold</Message>"
    b"<Condition>If-None-Match</Condition></Error>"
)

def copy_if_absent_as_s3(app):
    def handle(environ, start_response):
        is_copy_object = (
            environ["REQUEST_METHOD"] == "PUT"
            and environ.get("HTTP_X_AMZ_COPY_SOURCE")
            and "uploadId=" not in environ.get("QUERY_STRING", "")
        )
        if is_copy_object and environ.get("HTTP_IF_NONE_MATCH") == "*":
            exists = destination_exists(environ)
            if exists is None:
                exists = destination_exists_by_head(app, environ)
            if exists:
                headers = [("Content-Type", "application/xml"), ("Content-Length", str(len(PRECONDITION_FAILED)))]
                start_response("412 Precondition Failed", headers)
                return [PRECONDITION_FAILED]
        return app(environ, start_response)
    return handle

def destination_exists(environ):
    # Path-style: /bucket/key, the key percent-encoded once (as S3 reads it).
    # None when the request cannot be placed that way.
    host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0]
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if host not in ("127.0.0.1", "localhost") or not raw or not raw.startswith("/"):
        return None
    bucket, _, key = raw.split("?", 1)[0][1:].partition("/")
    backend = s3_backends[DEFAULT_ACCOUNT_ID]["aws"]
    if not key or unquote(bucket) not in backend.buckets:
        return None
    return backend.get_object(unquote(bucket), unquote(key)) is not None

def destination_exists_by_head(app, environ):
    probe = {k: v for k, v in environ.items() if not k.startswith("HTTP_X_AMZ_COPY")}
    probe.update(REQUEST_METHOD="HEAD", QUERY_STRING="", CONTENT_LENGTH="0")
    probe["wsgi.input"] = io.BytesIO(b"")
    probe.pop("HTTP_IF_NONE_MATCH")
    answer = {}
    def capture(status, headers, exc_info=None):
        answer["status"] = status
    b"".join(app(probe, capture))
    return answer["status"].startswith("200")

moto.server.run_simple = lambda host, port, app, **options: run_simple(
    host, port, serialized(list_parts_as_s3(copy_if_absent_as_s3(app))), **options
)
moto.server.main()
LAUNCHER
chmod +x "$venv/bin/aptkit-moto-server"

# The compile stage's container image: no registry is reachable, so the
# minimal root above is imported as a local image (about 25 s), once per
# machine. `aptkit build --engine docker` tests compile the example in it,
# installing its Build-Depends with the image's own apt.
image=${APTKIT_TEST_IMAGE:-localhost/aptkit-test/debian:bookworm}
if ! docker image inspect "$image" >/dev/null 2>&1; then
	echo "docker import: making the image $image from $rootfs" >&2
	tar -C "$rootfs" -c . | docker import - "$image" >/dev/null
fi

# podman, set up as on these machines it runs (cgroupfs, runc, no default
# ulimits), with the same image in its own store.
if [ ! -f /etc/containers/containers.conf ]; then
	mkdir -p /etc/containers
	cat >/etc/containers/containers.conf <<'CONF'
[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"

[containers]
default_ulimits = []
CONF
fi
if ! podman image exists "$image"; then
	echo "podman import: making the image $image from $rootfs" >&2
	tar -C "$rootfs" -c . | podman import --quiet - "$image" >/dev/null
fi
