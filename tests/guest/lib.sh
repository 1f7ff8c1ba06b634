# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
# Helpers for the in-guest tests. Sourced by each tests/guest/*.sh.
# Test hosts use documentation addresses only (192.0.2.0/24, 2001:db8::/32).

set -euo pipefail

# The repository (this file is tests/guest/lib.sh in it).
TLSNIC_ROOT=$(cd "${BASH_SOURCE[0]%/*}/../.." && pwd)

KO=${TLSNIC_KO:?TLSNIC_KO must point at tlsnic.ko}
NS_A=tlsnic-a
NS_B=tlsnic-b
A4=192.0.2.1
B4=192.0.2.2
A6=2001:db8::1
B6=2001:db8::2
PORT=5201

# The scale of the run: check (make check) or long (make check-long, the scale tests at full
# size). scaled CHECK LONG prints the value for this run; each test's header says what it
# scales and why the check value still proves its property.
SCALE=${TLSNIC_SCALE:-check}
scaled() { if [ "$SCALE" = long ]; then echo "$2"; else echo "$1"; fi; }

fail() { echo "# FAIL: $*" >&2; exit 1; }
note() { echo "# $*" >&2; }

# load [PARAM=VALUE...]: insmod; TLSNIC_ENGINE (if set) is the engine parameter unless given.
load() {
	if [ -n "${TLSNIC_ENGINE:-}" ] && [[ " $* " != *" engine="* ]]; then
		insmod "$KO" "engine=\"$TLSNIC_ENGINE\"" "$@"
	else
		insmod "$KO" "$@"
	fi
}
loaded() { [ -d /sys/module/tlsnic ]; }
unload() { rmmod tlsnic; }

# in_a CMD...: CMD in namespace A (in_b: B) with /sys as the namespace sees it. Commands run in a
# namespace through `nsprobe exec NS` (tests/tools/nsprobe.c), which does what `ip netns exec`
# does in one static process, 0.3 s cheaper to start in the emulated debug guest.
in_a() { "$NSPROBE" exec "$NS_A" "$@"; }
in_b() { "$NSPROBE" exec "$NS_B" "$@"; }

# nap SECS: sleep without starting a process (every process costs the emulated guest a few
# hundred milliseconds): a read that times out on a pipe nobody writes to.
exec {NAP_FD}<> <(:)
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }

# wait_until N 'SHELL CONDITION': evaluate the condition (afresh each time) until it holds, at
# most N times, 0.2 s apart.
wait_until() {
	local n=$1; shift
	until eval "$*" 2>/dev/null; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || return 1
		nap 0.2
	done
}

# retry N CMD...: run CMD until it succeeds, at most N times, 0.2 s apart.
retry() {
	local n=$1; shift
	wait_until "$n" "$(printf '%q ' "$@")"
}

# Reading files and matching text in the shell itself: each process costs the emulated guest
# 0.1 to 0.6 s, and `cat`, `grep`, `wc` and `ls` are processes.
# attr_is FILE VALUE: FILE's first line (a sysfs or debugfs attribute) is VALUE.
attr_is() { local v=; read -r v <"$1" || true; [ "$v" = "$2" ]; }
# attrs_equal FILE1 FILE2: the two files' first lines are equal.
attrs_equal() { local a= b=; read -r a <"$1" || true; read -r b <"$2" || true; [ "$a" = "$b" ]; }
# ndevs_is N: /sys/class/net (this namespace) lists exactly N tlsnic* devices.
ndevs_is() {
	local d=(/sys/class/net/tlsnic*)
	[ -e "${d[0]}" ] || d=()
	[ "${#d[@]}" = "$1" ]
}
# has TEXT WORDS: TEXT (a command's captured output) contains WORDS.
has() { [[ $1 == *"$2"* ]]; }
# has_line TEXT LINE: one of TEXT's lines is exactly LINE.
has_line() { [[ $'\n'$1$'\n' == *$'\n'"$2"$'\n'* ]]; }
# file_has FILE WORDS: FILE contains WORDS.
file_has() { local t; t=$(<"$1") && [[ $t == *"$2"* ]]; }

# probe KEY...: values of counters, carrier or listeners (tests/tools/nsprobe.c has the key
# syntax: NS:TlsStatName, NS:DEV:ethtool_stat, NS:DEV:carrier, NS:listen:PORT), one per line.
# wait_for [-t SECS] [-p PID] COND...: wait until every COND (KEY OP NUMBER) holds; on timeout
# print the values and fail. Both are one process whatever the number of keys or polls.
NSPROBE=${TLSNIC_SAMPLES:-$TLSNIC_ROOT/build/samples}/tests/nsprobe
probe() { "$NSPROBE" get "$@"; }
# probes ARRAY KEY...: the values of KEY... into the indexed array ARRAY.
probes() { local -n _v=$1; shift; mapfile -t _v < <(probe "$@"); }
wait_for() { "$NSPROBE" wait "$@"; }

# carrier DEV [NS]: prints 1 or 0
carrier() {
	local v
	v=$(probe "${2:-}:$1:carrier")
	[ "$v" = 1 ] && echo 1 || echo 0
}

# netns_pair DEV_A DEV_B: move the two ends into their own namespaces, address and bring them up
# (one `ip -batch` per namespace: each process costs the emulated guest a few hundred ms).
netns_pair() {
	local da=$1 db=$2
	printf '%s\n' "netns add $NS_A" "netns add $NS_B" "link set $da netns $NS_A" \
		"link set $db netns $NS_B" | ip -batch - || fail "cannot move $da and $db"
	printf '%s\n' "addr add $A4/24 dev $da" "addr add $A6/64 dev $da nodad" "link set lo up" \
		"link set $da up" | ip -n "$NS_A" -batch - || fail "cannot set up $da"
	printf '%s\n' "addr add $B4/24 dev $db" "addr add $B6/64 dev $db nodad" "link set lo up" \
		"link set $db up" | ip -n "$NS_B" -batch - || fail "cannot set up $db"
	wait_for -t 10 "$NS_A:$da:carrier=1" || fail "no carrier on $da"
}

# start_traffic: an endless TCP stream and a ping flood from A to B, in the background.
start_traffic() {
	in_b socat -u TCP-LISTEN:$PORT,reuseaddr - >/dev/null 2>&1 &
	wait_listen "$NS_B" "$PORT" || fail "listener did not start"
	in_a socat -u GOPEN:/dev/zero "TCP:$B4:$PORT" >/dev/null 2>&1 &
	in_a ping -f -q "$B4" >/dev/null 2>&1 &
}

# stop_traffic: end every process the test started (load generators, kTLS tools, servers) and
# wait until they are gone. The runner runs each test in a cgroup (TLSNIC_TEST_CG), which every
# process of the test inherits: all of them but this shell and the shells that ran it
# (26-tls-engines-soft runs other tests) are signalled, without searching /proc for names.
stop_traffic() {
	local keep=" $BASHPID " pid=$BASHPID ppid pids p i left
	# /proc/PID/stat: "PID (COMM) STATE PPID ...": the shells' names have no spaces.
	while read -r _ _ _ ppid _ <"/proc/$pid/stat" && [ "$ppid" -gt 1 ]; do
		keep+="$ppid " pid=$ppid
	done
	for ((i = 0; i < 100; i++)); do
		mapfile -t pids <"${TLSNIC_TEST_CG:?the runner sets TLSNIC_TEST_CG}/cgroup.procs"
		left=0
		for p in "${pids[@]}"; do
			[[ $keep == *" $p "* ]] && continue
			left=1
			kill "$p" 2>/dev/null || true
		done
		[ "$left" = 0 ] && break
		nap 0.1
	done
	wait 2>/dev/null || true
}

# ns_kill NS: end (SIGKILL) every process of the test that runs in network namespace NS, so that
# NS can go, and wait until none is left in it (processes that come meanwhile are ended too). A
# namespace file compares equal (`-ef`) to its bind mount under /run/netns: no process is needed
# to find them.
ns_kill() {
	local pids p i left
	for ((i = 0; i < 100; i++)); do
		mapfile -t pids <"${TLSNIC_TEST_CG:?the runner sets TLSNIC_TEST_CG}/cgroup.procs"
		left=0
		for p in "${pids[@]}"; do
			if [ "/proc/$p/ns/net" -ef "/run/netns/$1" ]; then
				left=1
				kill -9 "$p" 2>/dev/null || true
			fi
		done
		[ "$left" = 0 ] && return 0
		nap 0.1
	done
	fail "processes still in $1"
}

# cleanup_netns: delete the test namespaces (one process).
cleanup_netns() {
	printf 'netns del %s\n' "$NS_A" "$NS_B" | ip -force -batch - 2>/dev/null || true
}

# listening NS PORT: true if a TCP listener is up on PORT in NS
listening() { [ "$(probe "$1:listen:$2")" = 1 ]; }
# wait_listen NS PORT: wait (10 s at most) until a TCP listener is up on PORT in NS.
wait_listen() { wait_for -t 10 "$1:listen:$2=1"; }

# tcp_transfer FILE [DST]: send FILE from A to B over TCP (IPv4 unless DST says otherwise) and
# check that B received exactly its bytes.
tcp_transfer() {
	local file=$1 dst=${2:-$B4} got=/tmp/tlsnic-recv.dat
	in_b socat -u "TCP6-LISTEN:$PORT,reuseaddr,ipv6only=0" "CREATE:$got" &
	local rpid=$!
	wait_listen "$NS_B" "$PORT" || fail "listener did not start"
	in_a socat -u "FILE:$file" "TCP:$dst:$PORT" || fail "sender failed"
	wait "$rpid" || fail "receiver failed"
	"$NSPROBE" cmp "$got" 0 "$file" >&2 || fail "received data differs from $file"
	: >"$got"
	note "$file received intact"
}

# mkdata FILE MIB: deterministic pseudo-random test data
mkdata() {
	[ -f "$1" ] && [ "$(stat -c %s "$1")" = $(( $2 * 1048576 )) ] && return 0
	# The generator is cut off by head (SIGPIPE): its status does not matter.
	{ openssl enc -aes-128-ctr -nosalt -pass pass:tlsnic -pbkdf2 </dev/zero 2>/dev/null || true; } |
		head -c $(( $2 * 1048576 )) >"$1"
}

# --- kTLS helpers ---------------------------------------------------------------------------
SAMPLES=${TLSNIC_SAMPLES:-$TLSNIC_ROOT/build/samples}
TLSTOOL=$SAMPLES/tlsnic-tls
KTLS_CNF=$TLSNIC_ROOT/samples/ktls/openssl-ktls.cnf
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
tls_stat() { probe "$1:$2"; }

# ethstat NS DEV NAME: an `ethtool -S` counter ("missing" if DEV has none of that name).
ethstat() { probe "$1:$2:$3"; }

# www_setup: test data served by `openssl s_server -WWW` from $WWW: /data ($WWW_MIB MiB: 8, 64 at
# long scale, TLSNIC_WWW_MIB to choose; 8 MiB is 512 full records) and /small (2 MiB, 8 long).
WWW=/tmp/tlsnic-www
if [ "$SCALE" = long ]; then WWW_MIB=64 SMALL_MIB=8; else WWW_MIB=8 SMALL_MIB=2; fi
WWW_MIB=${TLSNIC_WWW_MIB:-$WWW_MIB}
www_setup() {
	mkdata "/tmp/tlsnic-data-$WWW_MIB" "$WWW_MIB"
	mkdata "/tmp/tlsnic-data-$SMALL_MIB" "$SMALL_MIB"
	mkdir -p "$WWW"
	ln -sf "/tmp/tlsnic-data-$WWW_MIB" "$WWW/data"
	ln -sf "/tmp/tlsnic-data-$SMALL_MIB" "$WWW/small"
}

# www_serve PORT CIPHER SERVER_CONF [S_SERVER_OPTION...]: `openssl s_server -WWW` for one
# connection on PORT in NS_A, TLS 1.2 with CIPHER and the given OpenSSL config, in the
# background (pid in WWW_PID, log in /tmp/tlsnic-server-PORT.log). $WWW_WRAP, if set, is a
# command prefix for the server (run inside the namespace), $WWW_OPENSSL the openssl binary.
www_serve() {
	local port=$1 cipher=$2 sconf=$3; shift 3
	# shellcheck disable=SC2086
	(cd "$WWW" && OPENSSL_CONF=$sconf "$NSPROBE" exec "$NS_A" ${WWW_WRAP:-} "${WWW_OPENSSL:-openssl}" s_server \
		-quiet -accept "$port" -cert "$CERT" -key "$KEY" -tls1_2 -cipher "$cipher" -WWW "$@" \
		-naccept 1 >"/tmp/tlsnic-server-$port.log" 2>&1) &
	WWW_PID=$!
	wait_listen "$NS_A" "$port" || fail "s_server did not start on $port"
}

# www_fetch PORT FILE CLIENT_CONF OUT [SERVERNAME]: GET /FILE from the server on PORT with
# `openssl s_client` in NS_B into OUT (headers included).
www_fetch() {
	printf 'GET /%s HTTP/1.0\r\n\r\n' "$2" |
		OPENSSL_CONF=$3 "$NSPROBE" exec "$NS_B" openssl s_client -quiet -ign_eof \
			-connect "$A4:$1" -servername "${5:-tlsnic.test}" >"$4" 2>"$4.log" || true
}

# www_check OUT FILE WHAT: OUT holds the HTTP response carrying $WWW/FILE intact: the header
# s_server -WWW sends, then exactly the file's bytes (one process: nsprobe cmp).
www_check() {
	local hdr
	printf -v hdr 'HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n'
	if ! "$NSPROBE" cmp "$1" "${#hdr}" "$WWW/$2" >&2; then
		cat "$1.log" /tmp/tlsnic-server-*.log >&2
		ethtool_all >&2
		fail "$3: the response does not carry $2 intact"
	fi
	# Emptied, not removed (that would take a process): the guest's /tmp is memory.
	: >"$1"
	: >"$1.log"
}

# www_get CIPHER SERVER_CONF CLIENT_CONF [S_SERVER_OPTION...]: one GET of /data ($WWW_MIB MiB)
# from s_server in NS_A by s_client in NS_B, TLS 1.2 with CIPHER, each side with its OpenSSL
# config (the kTLS one or /dev/null). Fails unless all of it arrives intact.
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
# SERVER_CPU and CLIENT_CPU, when set, pin tls_server and tls_client to that CPU (the benchmark
# measures each end's CPU time on its own CPU).
tls_server() {
	local ns=$1; shift
	${SERVER_CPU:+taskset -c "$SERVER_CPU"} "$NSPROBE" exec "$ns" "$TLSTOOL" server -p "$TLSPORT" --cert "$CERT" --key "$KEY" "$@" \
		>/tmp/tlsnic-server.log 2>&1 &
	SERVER_PID=$!
	wait_listen "$ns" "$TLSPORT" || fail "tls server did not start"
}

# tls_client NS HOST ARGS...: run tlsnic-tls client; fails the test on any error.
tls_client() {
	local ns=$1 host=$2; shift 2
	timeout 300 ${CLIENT_CPU:+taskset -c "$CLIENT_CPU"} "$NSPROBE" exec "$ns" "$TLSTOOL" client "$host" -p "$TLSPORT" "$@" \
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
			echo "# $ns $dev: $("$NSPROBE" exec "$ns" ethtool -S "${dev%@*}" | awk '$2 != 0 && NR > 1' | tr -s ' \n' ' ')"
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
	wait_for -t 20 "$1:$2:tx_tls_ctx_live=0" "$1:$2:rx_tls_ctx_live=0" ||
		fail "$2 still has live TX or RX contexts"
}

# flows_live_zero WHAT: wait until the module holds no flow object at all (debugfs flows_live:
# TX and RX contexts of every device, also of devices already deleted).
flows_live_zero() {
	local n i
	for ((i = 0; i < 100; i++)); do
		read -r n </sys/kernel/debug/tlsnic/flows_live || fail "$1: no flows_live in debugfs"
		[ "$n" = 0 ] && return 0
		nap 0.2
	done
	fail "$1: $n flow objects still alive"
}

# sysfs_write NS PATH TEXT: one write(2) of TEXT to PATH as NS sees /sys (NS may be empty: the
# initial namespace); on failure prints strerror and returns 1.
sysfs_write() { "$NSPROBE" write -n "$1" "$2" "$3"; }

# engine_used NS DEV DIR N: at least N flows of direction DIR (tx or rx) were set up on DEV's
# engine of this run (the first word of TLSNIC_ENGINE, default kcrypto), and none on another.
engine_used() {
	local e=${TLSNIC_ENGINE:-kcrypto} other
	e=${e%% *}
	expect_ge "$2 ${3}_tls_engine_$e" "$(ethstat "$1" "$2" "${3}_tls_engine_$e")" "$4"
	for other in soft kcrypto; do
		[ "$other" = "$e" ] ||
			expect_eq "$2 ${3}_tls_engine_$other" "$(ethstat "$1" "$2" "${3}_tls_engine_$other")" 0
	done
}

# engines_set TEXT: write TEXT to the engine attribute of tlsnic0 (in NS_A) and tlsnic1 (NS_B).
engines_set() {
	sysfs_write "$NS_A" /sys/class/net/tlsnic0/tlsnic/engine "$1" >&2
	sysfs_write "$NS_B" /sys/class/net/tlsnic1/tlsnic/engine "$1" >&2
}

# wire_fault NS DEV KNOB VALUE: set a fault-injection knob of DEV's wire (debugfs).
wire_fault() {
	echo "$4" >"/sys/kernel/debug/tlsnic/$2/$3" || fail "cannot set $2 $3"
}

# --- BPF flow policy ---------------------------------------------------------------------
# Programs and maps are pinned in a BPF filesystem outside /sys, so that `nsprobe exec` (which
# mounts a fresh /sys) still sees them.
BPFFS=/run/tlsnic-bpf
BPF_OBJ=$SAMPLES/bpf
POLICY_MAP=$TLSNIC_ROOT/samples/bpf/tlsnic-policy-map

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
policy_set() { sysfs_write "$1" "/sys/class/net/$2/tlsnic/policy" "$3"$'\n' >&2; }

# policy_show NS DEV: the attribute's text.
policy_show() { ${1:+"$NSPROBE" exec "$1"} cat "/sys/class/net/$2/tlsnic/policy"; }

# prog_id PATH: id of the pinned program at PATH.
prog_id() { bpftool prog show pinned "$1" | sed -n 's/^\([0-9]*\):.*/\1/p'; }

# --- Key hygiene --------------------------------------------------------------------------
# key_leak_check WHAT: every test key of tests/ktls begins with the bytes 7e 15 5a 1c c0 de
# (ktls-test.h KT_KEY_MARK). Fails if they appear, as raw bytes or in hex (any case, with or
# without separators, or as a little-endian 32-bit word), in the kernel log, in tlsnic's
# debugfs files (the flows views included), in the trace buffer (tlsnic's tracepoints), in the
# sysfs attributes or in the `ethtool -S` output of any tlsnic device, here or in NS_A or
# NS_B: `nsprobe keyscan` reads and searches them all in one process (the dmesg, find, cat, ip,
# ethtool and grep processes it replaces took the emulated guest 9 s).
key_leak_check() {
	local out
	out=$("$NSPROBE" keyscan "$NS_A" "$NS_B") ||
		{ printf '%s\n' "$out" >&2; fail "$1: key material found in the log, debugfs, trace, sysfs or counters"; }
	note "$1: no key material in $out bytes of log, debugfs, trace, sysfs and counters"
}
