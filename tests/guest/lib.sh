# SPDX-License-Identifier: GPL-2.0
# Helpers for the in-guest tests. Sourced by each tests/guest/*.sh.
# Test hosts use documentation addresses only (192.0.2.0/24, 2001:db8::/32).

set -euo pipefail

KO=${TLSNIC_KO:?TLSNIC_KO must point at tlsnic.ko}
NS_A=tlsnic-a
NS_B=tlsnic-b
A4=192.0.2.1
B4=192.0.2.2
A6=2001:db8::1
B6=2001:db8::2
PORT=5201

fail() { echo "# FAIL: $*" >&2; exit 1; }
note() { echo "# $*" >&2; }

# load [PARAM=VALUE...]: insmod; TLSNIC_ENGINE (if set) is the engine parameter unless given.
load() {
	if [ -n "${TLSNIC_ENGINE:-}" ] && ! printf '%s\n' "$@" | grep -q '^engine='; then
		insmod "$KO" "engine=\"$TLSNIC_ENGINE\"" "$@"
	else
		insmod "$KO" "$@"
	fi
}
loaded() { [ -d /sys/module/tlsnic ]; }
unload() { rmmod tlsnic; }

in_a() { ip netns exec "$NS_A" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# wait_until N 'SHELL CONDITION': evaluate the condition (afresh each time) until it holds, at
# most N times, 0.2 s apart.
wait_until() {
	local n=$1; shift
	until eval "$*" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		sleep 0.2
	done
}

# retry N CMD...: run CMD until it succeeds, at most N times, 0.2 s apart.
retry() {
	local n=$1; shift
	wait_until "$n" "$(printf '%q ' "$@")"
}

# carrier DEV [NS]: prints 1 or 0
carrier() {
	local dev=$1 ns=${2:-}
	${ns:+ip netns exec "$ns"} cat "/sys/class/net/$dev/carrier" 2>/dev/null || echo 0
}

# netns_pair DEV_A DEV_B: move the two ends into their own namespaces, address and bring them up.
netns_pair() {
	local da=$1 db=$2
	ip netns add "$NS_A"
	ip netns add "$NS_B"
	ip link set "$da" netns "$NS_A"
	ip link set "$db" netns "$NS_B"
	ip -n "$NS_A" addr add "$A4/24" dev "$da"
	ip -n "$NS_B" addr add "$B4/24" dev "$db"
	ip -n "$NS_A" addr add "$A6/64" dev "$da" nodad
	ip -n "$NS_B" addr add "$B6/64" dev "$db" nodad
	ip -n "$NS_A" link set lo up
	ip -n "$NS_B" link set lo up
	ip -n "$NS_A" link set "$da" up
	ip -n "$NS_B" link set "$db" up
	wait_until 50 '[ "$(carrier "$da" "$NS_A")" = 1 ]' || fail "no carrier on $da"
}

# start_traffic: an endless TCP stream and a ping flood from A to B, in the background.
start_traffic() {
	in_b socat -u TCP-LISTEN:$PORT,reuseaddr - >/dev/null 2>&1 &
	retry 50 listening "$NS_B" "$PORT" || fail "listener did not start"
	in_a sh -c "cat /dev/zero | socat -u - TCP:$B4:$PORT" >/dev/null 2>&1 &
	in_a ping -f -q "$B4" >/dev/null 2>&1 &
}

# stop_traffic: end the load generators the tests start in the background.
stop_traffic() {
	pkill -x socat 2>/dev/null || true
	pkill -x ping 2>/dev/null || true
	pkill -x iperf3 2>/dev/null || true
	pkill -x tlsnic-tls 2>/dev/null || true
	pkill -f '^cat /dev/zero' 2>/dev/null || true
	wait 2>/dev/null || true
}

cleanup_netns() {
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
}

# listening NS PORT: true once a TCP listener is up on PORT in NS
listening() { ip netns exec "$1" ss -Htln "sport = :$2" | grep -q .; }

# tcp_transfer FILE: send FILE from A to B over TCP (IPv4), check sha256 equality.
tcp_transfer() {
	local file=$1 dst=${2:-$B4} want got
	want=$(sha256sum <"$file" | cut -d' ' -f1)
	rm -f /tmp/tlsnic-recv.sha
	in_b sh -c "socat -u TCP6-LISTEN:$PORT,reuseaddr,ipv6only=0 - | sha256sum | cut -d' ' -f1 >/tmp/tlsnic-recv.sha" &
	local rpid=$!
	retry 50 listening "$NS_B" "$PORT" || fail "listener did not start"
	in_a socat -u "FILE:$file" "TCP:$dst:$PORT" || fail "sender failed"
	wait "$rpid" || fail "receiver failed"
	got=$(cat /tmp/tlsnic-recv.sha)
	[ "$want" = "$got" ] || fail "sha256 mismatch: sent $want received $got"
	note "sha256 $want ok"
}

# mkdata FILE MIB: deterministic pseudo-random test data
mkdata() {
	[ -f "$1" ] && [ "$(stat -c %s "$1")" = $(( $2 * 1048576 )) ] && return 0
	# The generator is cut off by head (SIGPIPE): its status does not matter.
	{ openssl enc -aes-128-ctr -nosalt -pass pass:tlsnic -pbkdf2 </dev/zero 2>/dev/null || true; } |
		head -c $(( $2 * 1048576 )) >"$1"
}

# --- kTLS helpers ---------------------------------------------------------------------------
SAMPLES=${TLSNIC_SAMPLES:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/samples}
TLSTOOL=$SAMPLES/tlsnic-tls
KTLS_CNF=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/samples/ktls/openssl-ktls.cnf
CERT=/tmp/tlsnic-cert.pem
KEY=/tmp/tlsnic-key.pem
TLSPORT=4433

# mkcert: a self-signed ECDSA P-256 certificate for the test servers (made once per boot).
mkcert() {
	[ -s "$CERT" ] && return 0
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj /CN=tlsnic.test -addext subjectAltName=DNS:tlsnic.test \
		-keyout "$KEY" -out "$CERT" 2>/dev/null || fail "openssl req"
}

# tls_stat NS NAME: a counter of /proc/net/tls_stat in namespace NS.
tls_stat() { ip netns exec "$1" awk -v n="$2" '$1 == n { print $2 }' /proc/net/tls_stat; }

# ethstat NS DEV NAME: an `ethtool -S` counter.
ethstat() {
	ip netns exec "$1" ethtool -S "$2" | awk -v n="$3:" '$1 == n { print $2; f = 1 } END { if (!f) print "missing" }'
}

# www_setup: test data served by `openssl s_server -WWW` from $WWW: /data (64 MiB, its sha256 in
# $WWW_SHA) and /small (8 MiB).
WWW=/tmp/tlsnic-www
www_setup() {
	mkdata /tmp/tlsnic-64m 64
	mkdata /tmp/tlsnic-8m 8
	mkdir -p "$WWW"
	ln -sf /tmp/tlsnic-64m "$WWW/data"
	ln -sf /tmp/tlsnic-8m "$WWW/small"
	WWW_SHA=$(sha256sum </tmp/tlsnic-64m | cut -d' ' -f1)
}

# www_serve PORT CIPHER SERVER_CONF [S_SERVER_OPTION...]: `openssl s_server -WWW` for one
# connection on PORT in NS_A, TLS 1.2 with CIPHER and the given OpenSSL config, in the
# background (pid in WWW_PID, log in /tmp/tlsnic-server-PORT.log). $WWW_WRAP, if set, is a
# command prefix for the server (run inside the namespace), $WWW_OPENSSL the openssl binary.
www_serve() {
	local port=$1 cipher=$2 sconf=$3; shift 3
	# shellcheck disable=SC2086
	(cd "$WWW" && OPENSSL_CONF=$sconf ip netns exec "$NS_A" ${WWW_WRAP:-} "${WWW_OPENSSL:-openssl}" s_server \
		-quiet -accept "$port" -cert "$CERT" -key "$KEY" -tls1_2 -cipher "$cipher" -WWW "$@" \
		-naccept 1 >"/tmp/tlsnic-server-$port.log" 2>&1) &
	WWW_PID=$!
	retry 50 listening "$NS_A" "$port" || fail "s_server did not start on $port"
}

# www_fetch PORT FILE CLIENT_CONF OUT [SERVERNAME]: GET /FILE from the server on PORT with
# `openssl s_client` in NS_B into OUT (headers included).
www_fetch() {
	printf 'GET /%s HTTP/1.0\r\n\r\n' "$2" |
		OPENSSL_CONF=$3 ip netns exec "$NS_B" openssl s_client -quiet -ign_eof \
			-connect "$A4:$1" -servername "${5:-tlsnic.test}" >"$4" 2>"$4.log" || true
}

# www_check OUT FILE WHAT: OUT holds the HTTP response carrying $WWW/FILE intact.
www_check() {
	local hdr want size got
	hdr=$(printf 'HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n' | wc -c)
	want=$(stat -L -c %s "$WWW/$2")
	size=$(stat -c %s "$1")
	[ "$size" = $((want + hdr)) ] ||
		{ cat "$1.log" /tmp/tlsnic-server-*.log >&2; ethtool_all >&2
		  fail "$3: received $size bytes, expected $((want + hdr))"; }
	got=$(tail -c +$((hdr + 1)) "$1" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$(sha256sum <"$WWW/$2" | cut -d' ' -f1)" ] || fail "$3: sha256 mismatch"
	rm -f "$1" "$1.log"
}

# www_get CIPHER SERVER_CONF CLIENT_CONF [S_SERVER_OPTION...]: one GET of /data (64 MiB) from
# s_server in NS_A by s_client in NS_B, TLS 1.2 with CIPHER, each side with its OpenSSL config
# (the kTLS one or /dev/null). Fails unless all 64 MiB arrive intact.
www_get() {
	local cipher=$1 sconf=$2 cconf=$3; shift 3
	www_serve "$TLSPORT" "$cipher" "$sconf" "$@"
	www_fetch "$TLSPORT" data "$cconf" /tmp/tlsnic-get.out
	wait "$WWW_PID" || true
	www_check /tmp/tlsnic-get.out data "$cipher"
}

# tls_pair: load, put tlsnic0 (sender, A) and tlsnic1 (B) in their namespaces, make a cert.
tls_pair() {
	load
	netns_pair tlsnic0 tlsnic1
	mkcert
}

# tls_server NS ARGS...: start tlsnic-tls server in NS in the background (its log in
# /tmp/tlsnic-server.log) and wait until it listens.
tls_server() {
	local ns=$1; shift
	ip netns exec "$ns" "$TLSTOOL" server -p "$TLSPORT" --cert "$CERT" --key "$KEY" "$@" \
		>/tmp/tlsnic-server.log 2>&1 &
	SERVER_PID=$!
	retry 50 listening "$ns" "$TLSPORT" || fail "tls server did not start"
}

# tls_client NS HOST ARGS...: run tlsnic-tls client; fails the test on any error.
tls_client() {
	local ns=$1 host=$2; shift 2
	timeout 300 ip netns exec "$ns" "$TLSTOOL" client "$host" -p "$TLSPORT" "$@" \
		>/tmp/tlsnic-client.log 2>&1 ||
		{ cat /tmp/tlsnic-client.log /tmp/tlsnic-server.log >&2; ethtool_all >&2; fail "tls client failed"; }
	wait "$SERVER_PID" || { cat /tmp/tlsnic-server.log >&2; fail "tls server failed"; }
}

# ethtool_all: non-zero tlsnic counters of every tlsnic device in the test namespaces.
ethtool_all() {
	local ns dev
	for ns in "$NS_A" "$NS_B" "${NS_R:-}"; do
		[ -n "$ns" ] || continue
		for dev in $(ip -n "$ns" -br link show type tlsnic 2>/dev/null | awk '{print $1}'); do
			echo "# $ns $dev: $(ip netns exec "$ns" ethtool -S "${dev%@*}" | awk '$2 != 0 && NR > 1' | tr -s ' \n' ' ')"
		done
	done
}

# expect_ge WHAT VALUE MIN
expect_ge() {
	[ "$2" != missing ] && [ "$2" -ge "$3" ] || fail "$1 = $2, expected >= $3"
}

# expect_eq WHAT VALUE WANT
expect_eq() { [ "$2" = "$3" ] || fail "$1 = $2, expected $3"; }

# live_ctx_zero NS DEV: wait until no offload context (TX or RX) is alive on DEV (flows are
# released from a workqueue after their sockets are gone).
live_ctx_zero() {
	local tx rx
	for _ in $(seq 100); do
		tx=$(ethstat "$1" "$2" tx_tls_ctx_live)
		rx=$(ethstat "$1" "$2" rx_tls_ctx_live)
		[ "$tx" = 0 ] && [ "$rx" = 0 ] && return 0
		sleep 0.2
	done
	fail "$2 still has $tx live TX and $rx live RX contexts"
}

# flows_live_zero WHAT: wait until the module holds no flow object at all (debugfs flows_live:
# TX and RX contexts of every device, also of devices already deleted).
flows_live_zero() {
	local n
	for _ in $(seq 100); do
		n=$(cat /sys/kernel/debug/tlsnic/flows_live) || fail "$1: no flows_live in debugfs"
		[ "$n" = 0 ] && return 0
		sleep 0.2
	done
	fail "$1: $n flow objects still alive"
}

# engines_set TEXT: write TEXT to the engine attribute of tlsnic0 (in NS_A) and tlsnic1 (NS_B).
engines_set() {
	in_a sh -c "echo '$1' >/sys/class/net/tlsnic0/tlsnic/engine"
	in_b sh -c "echo '$1' >/sys/class/net/tlsnic1/tlsnic/engine"
}

# wire_fault NS DEV KNOB VALUE: set a fault-injection knob of DEV's wire (debugfs).
wire_fault() {
	echo "$4" >"/sys/kernel/debug/tlsnic/$2/$3" || fail "cannot set $2 $3"
}

# --- BPF flow policy ---------------------------------------------------------------------
# Programs and maps are pinned in a BPF filesystem outside /sys, so that `ip netns exec` (which
# mounts a fresh /sys) still sees them.
BPFFS=/run/tlsnic-bpf
BPF_OBJ=$SAMPLES/bpf
POLICY_MAP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/samples/bpf/tlsnic-policy-map

# bpf_load NAME: load samples/bpf/policy_NAME.bpf.o, programs and maps pinned in $BPFFS/NAME/.
bpf_load() {
	mkdir -p "$BPFFS"
	mountpoint -q "$BPFFS" || mount -t bpf bpf "$BPFFS"
	rm -rf "${BPFFS:?}/$1"
	bpftool prog loadall "$BPF_OBJ/policy_$1.bpf.o" "$BPFFS/$1" pinmaps "$BPFFS/$1" ||
		fail "bpftool cannot load policy_$1"
}

# policy_set NS DEV TEXT: write TEXT to DEV's policy attribute (status of the write). NS may be
# empty (the initial namespace).
policy_set() {
	${1:+ip netns exec "$1"} bash -c 'echo "$1" >"/sys/class/net/$2/tlsnic/policy"' bash "$3" "$2"
}

# policy_show NS DEV: the attribute's text.
policy_show() { ${1:+ip netns exec "$1"} cat "/sys/class/net/$2/tlsnic/policy"; }

# prog_id PATH: id of the pinned program at PATH.
prog_id() { bpftool prog show pinned "$1" | sed -n 's/^\([0-9]*\):.*/\1/p'; }

# --- Key hygiene --------------------------------------------------------------------------
# key_leak_check WHAT: every test key of tests/ktls begins with the bytes 7e 15 5a 1c c0 de
# (ktls-test.h KT_KEY_MARK). Fails if they appear, as raw bytes or in hex (any case, with or
# without separators, or as a little-endian 32-bit word), in the kernel log, in tlsnic's
# debugfs files, in the sysfs attributes or in the `ethtool -S` output of any tlsnic device.
key_leak_check() {
	local out=/tmp/tlsnic-keyscan ns dev
	{
		dmesg
		find /sys/kernel/debug/tlsnic -type f -perm -0400 -exec cat {} + 2>/dev/null || true
		for ns in "" "$NS_A" "$NS_B"; do
			[ -z "$ns" ] || ip netns list | grep -qw "$ns" || continue
			for dev in $(${ns:+ip netns exec "$ns"} ip -br link show type tlsnic 2>/dev/null | awk '{print $1}'); do
				dev=${dev%@*}
				${ns:+ip netns exec "$ns"} ethtool -S "$dev" || true
				${ns:+ip netns exec "$ns"} sh -c "cat /sys/class/net/$dev/tlsnic/*" || true
			done
		done
	} >"$out" 2>/dev/null
	[ -s "$out" ] || fail "$1: nothing to scan"
	local hex='7e[^0-9a-z]?15[^0-9a-z]?5a[^0-9a-z]?1c[^0-9a-z]?c0[^0-9a-z]?de|1c5a157e'
	if LC_ALL=C grep -aqF "$(printf '\176\025\132\034\300\336')" "$out" ||
		grep -aqiE "$hex" "$out"; then
		grep -aniE "$hex" "$out" | head -5 >&2
		fail "$1: key material found in the log, debugfs, sysfs or counters"
	fi
	note "$1: no key material in $(wc -c <"$out") bytes of log, debugfs, sysfs and counters"
	rm -f "$out"
}
