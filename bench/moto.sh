# Shared by the bench/*.sh scripts that publish to S3 (sourced, after they
# set repo and work, and source common.sh): one moto server on a free
# loopback port for the whole run, the AWS environment aptkit and awscli
# use with it (`aws` below), and `tq`, the timer of timer.sh that also
# counts the S3 requests a command sent (from moto's request log).

moto_server=${APTKIT_MOTO_SERVER:-$repo/target/moto-venv/bin/aptkit-moto-server}
[ -x "$moto_server" ] || { echo "moto is not installed ($moto_server): run scripts/install-test-tools.sh" >&2; exit 1; }
# awscli, as the tests use it (Debian's, not whatever a pyenv shim offers).
awscli=$(command -v /usr/bin/aws || command -v aws) || { echo "awscli is missing: run scripts/install-test-tools.sh" >&2; exit 1; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

# One moto server for the whole run, on a free loopback port. Credentials
# as the tests use them (tests/src/moto.rs: moto checks none).
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
endpoint=http://127.0.0.1:$port
motolog=$work/moto.log
"$moto_server" -H 127.0.0.1 -p "$port" </dev/null >"$motolog" 2>&1 &
moto_pid=$!
trap 'kill "$moto_pid" 2>/dev/null || true' EXIT
for _ in $(seq 600); do
	curl -s -o /dev/null "$endpoint/" && break
	kill -0 "$moto_pid" 2>/dev/null || { cat "$motolog" >&2; exit 1; }
	sleep 0.1
done
# LATENCY_MS=N: every request goes through bench/latency-proxy.py, which
# delays each byte N ms each way (a round trip of 2N ms, as from a CI
# runner to S3), concurrent connections independently; moto still answers
# one request at a time behind it.
if [ -n "${LATENCY_MS:-}" ]; then
	moto_port=$port
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	python3 "$repo/bench/latency-proxy.py" "$port" "$moto_port" "$LATENCY_MS" </dev/null >"$work/latency-proxy.log" 2>&1 &
	proxy_pid=$!
	trap 'kill "$moto_pid" "$proxy_pid" 2>/dev/null || true' EXIT
	endpoint=http://127.0.0.1:$port
	for _ in $(seq 100); do
		curl -s -o /dev/null "$endpoint/" && break
		sleep 0.1
	done
fi
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
# aptkit's endpoint (docs/repositories.md); aptly's is in its aptly.conf.
export AWS_ENDPOINT_URL_S3=$endpoint APTKIT_S3_FORCE_PATH_STYLE=1
aws() { "$awscli" --endpoint-url "$endpoint" "$@"; }
# Requests moto has answered so far, one werkzeug log line each. It logs a
# request after answering it: wait until the count stops moving. werkzeug
# colours the lines of non-2xx answers (a HEAD's 404) with ANSI escapes
# inside the quoted request line: tq strips them before reading the method.
requests() {
	local before now
	before=$(grep -c ' HTTP/1\.' "$motolog" || true)
	while sleep 0.3; do
		now=$(grep -c ' HTTP/1\.' "$motolog" || true)
		[ "$now" = "$before" ] && break
		before=$now
	done
	echo "$now"
}
tq() { # label, command...: t, plus the S3 requests it sent (to $work/last-requests) by method
	local label=$1 from to
	shift
	from=$(requests)
	t "$label" "$@"
	to=$(requests)
	echo $((to - from)) >"$work/last-requests"
	((to > from)) || { echo "    no S3 requests"; return; }
	printf '    %d S3 requests (%s)\n' $((to - from)) \
		"$(grep ' HTTP/1\.' "$motolog" | sed -n "$((from + 1)),${to}p" | sed 's/\x1b\[[0-9;]*m//g' |
			awk -F'"' '{ split($2, r, " "); c[r[1]]++ }
			END { s = ""; for (m in c) s = s (s ? ", " : "") m " " c[m]; print s }')"
}
reqs() { cat "$work/last-requests"; }
