#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The kernel's own kTLS selftest (tools/testing/selftests/net/tls.c of the guest kernel's tree,
# built by tests/selftest/) across a link: each socket pair it makes has its connecting socket
# in NS_A and its listening socket in NS_B (tests/selftest/0002-*.patch, the only change to the
# selftest's code), first over a veth pair (software kTLS: the baseline), then over a tlsnic
# pair with TX and RX offload on. Fails on any case that passes on veth and does not pass on
# tlsnic, unless tests/selftest/tlsnic.xfail lists it with its reason, and on any listed case
# that passes on tlsnic or no longer exists (the list is checked both ways). Fails unless both
# runs report every selected case. The TLS 1.2 AES-GCM cases (tls.12_aes_gcm,
# tls.12_aes_gcm_256, tls_err.12_aes_gcm) run on tlsnic as one invocation of their own, and
# the counters over it prove that they ran on the device: TlsTxDevice and TlsRxDevice rise by
# at least one per case (each case's fixture sets up TX on its connecting socket and RX on its
# accepted one), TlsTxSw and TlsRxSw not at all, and the devices encrypted and decrypted bytes.
#
# Scale: make check runs every test of every fixture with the variants of the device's ciphers
# (the tls fixture's 12_aes_gcm and 12_aes_gcm_256, tls_err's 12_aes_gcm, and the fixtures
# without variants); make check-long runs all thirteen variants of the tls fixture and both of
# tls_err. Both leave out the cases tests/selftest/not-run lists, each with its reason (cases
# that in the emulated guest only measure its speed). Both links get the same TCP buffer sizes
# (see TCP_MEM below). Documentation/testing.rst, "The kernel's kTLS selftest", has the figures.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

ST=$SAMPLES/tests/tls-selftest/tls
XFAIL=$TLSNIC_ROOT/tests/selftest/tlsnic.xfail
NOT_RUN=$TLSNIC_ROOT/tests/selftest/not-run
TIMING=$TLSNIC_ROOT/tests/selftest/timing
LOGS=$TLSNIC_ROOT/build/guest-logs/37-tls-selftest
[ -x "$ST" ] || fail "$ST missing: KDIR=TEST_KERNEL_TREE scripts/build-samples.sh builds it"
export TLS_SELFTEST_LISTEN_NETNS=/run/netns/$NS_B TLS_SELFTEST_LISTEN_ADDR=$B4
# The selftest was written for loopback, whose 64 KiB MTU lets a connection queue megabytes
# that nobody reads yet: tls.*.sendfile sends the test binary (0.7 MiB) and sendmsg_large 2 MiB
# before the peer reads. Across a 1500-byte link the default buffers (128 KiB to receive) make
# them block until the harness's 30 s limit, on veth as on tlsnic. Both namespaces of both links
# get buffers that hold them.
TCP_MEM="4096 8388608 16777216"

# --- The cases: the selftest's own list (-l), less not-run, less other variants at check scale.
# -l prints a table per fixture, its variants and its tests in two columns side by side
# ("%-20s %-25s %s"); the cases are the product of the two.
declare -a cases=() dev=() rest=()
list_cases() {
	local line f='' fc v t vs=() ts=() i j
	while IFS= read -r line; do
		case "$line" in
		'# FIXTURE'*) continue ;;
		-----*) line= ;;
		esac
		fc=${line:0:20} fc=${fc// /}
		if [ -z "$line" ] || [ -n "$fc" ]; then
			# A new fixture (or the end): the product of the last one's variants and tests.
			[ -z "$f" ] || for i in "${vs[@]:-}"; do
				for j in "${ts[@]}"; do cases+=("$f${i:+.$i}.$j"); done
			done
			f=$fc vs=() ts=()
		fi
		[ -n "$line" ] || continue
		v=${line:21:25} v=${v%% *} t=${line:47}
		[ -z "$v" ] || vs+=("$v")
		[ -z "$t" ] || ts+=("$t")
	done < <("$ST" -l 2>&1 || true; echo -----)
}
list_cases
[ "${#cases[@]}" = 845 ] || fail "the selftest lists ${#cases[@]} cases (the 6.12 tree's has 845)"

# read_list FILE ARRAY: FILE's entries (a case name or glob, then its reason; # comments) into
# the associative array ARRAY, name => reason.
read_list() {
	local -n _l=$2
	local name reason
	while read -r name reason; do
		[[ -z $name || $name == '#'* ]] || _l[$name]=$reason
	done <"$1"
}
declare -A not_run=() xfail=() timing=()
read_list "$NOT_RUN" not_run
read_list "$XFAIL" xfail
# TIMING: a case glob, " | ", the text of the expectations that only the guest's timing can
# fail, " | ", why.
while IFS='|' read -r name text _; do
	[[ -z $name || $name == '#'* ]] || { name=${name%% *} text=${text# } text=${text% }; timing[$name]=$text; }
done <"$TIMING"

declare -A selected=()
ncut=0
for c in "${cases[@]}"; do
	for p in "${!not_run[@]}"; do
		# shellcheck disable=SC2053 # p is a glob
		[[ $c == $p ]] && { ncut=$((ncut + 1)); continue 2; }
	done
	case "$c" in
	tls.12_aes_gcm.* | tls.12_aes_gcm_256.* | tls_err.12_aes_gcm.*) dev+=("$c") ;;
	global.* | tls_basic.*) rest+=("$c") ;;
	*) [ "$SCALE" = long ] || continue; rest+=("$c") ;;
	esac
	selected[$c]=1
done
note "${#cases[@]} cases in the selftest, $ncut not run (tests/selftest/not-run), ${#selected[@]} selected: ${#dev[@]} TLS 1.2 AES-GCM, ${#rest[@]} others"

# run_st OUT CASE...: the selftest in NS_A on exactly CASE... (-r FIXTURE.VARIANT.TEST), its
# output (TAP and diagnostics) appended to OUT. Its exit status tells only whether a case failed.
run_st() {
	local out=$1 c args=(); shift
	for c in "$@"; do args+=(-r "$c"); done
	in_a "$ST" "${args[@]}" >>"$out" 2>&1 || true
}

# results FILE ARRAY [DIAG]: every TAP line of FILE into ARRAY, case => ok, fail or skip; and
# into the associative array DIAG, if given, what made each case fail: the harness's
# "FILE:LINE:TEST:Expected ..." and "Test terminated by timeout" lines between the case's RUN
# line and its TAP line, one per line.
results() {
	local -n _r=$2
	[ -z "${3:-}" ] || local -n _d=$3
	local line run='' re='^(not )?ok [0-9]+ ([^ ]+)( # ([A-Z]+))?'
	while IFS= read -r line; do
		case "$line" in
		'#  RUN '*) run=${line#'#  RUN '} run=${run#"${run%%[! ]*}"} run=${run% ...}; continue ;;
		*:Expected\ * | *'terminated by timeout'*) [ -z "${3:-}" ] || _d[$run]+="$line"$'\n'; continue ;;
		esac
		[[ $line =~ $re ]] || continue
		if [ -n "${BASH_REMATCH[1]}" ]; then _r[${BASH_REMATCH[2]}]=fail
		elif [ "${BASH_REMATCH[4]}" = SKIP ]; then _r[${BASH_REMATCH[2]}]=skip
		else _r[${BASH_REMATCH[2]}]=ok
		fi
	done <"$1"
}
mkdir -p "${LOGS%/*}"
: >"$LOGS.veth.tap"
: >"$LOGS.tlsnic.tap"

set_tcp_mem() {
	in_a sysctl -q -w net.ipv4.tcp_rmem="$TCP_MEM" net.ipv4.tcp_wmem="$TCP_MEM"
	in_b sysctl -q -w net.ipv4.tcp_rmem="$TCP_MEM" net.ipv4.tcp_wmem="$TCP_MEM"
}

# --- Both links, each in namespaces of its own: the veth pair in VA and VB, tlsnic in NS_A and
# NS_B, whose counters only tlsnic's run moves. The runs go one after the other: run at once,
# they took 203 s where one after the other took 162 (two CPUs, each run keeps one busy, the
# host's two CPUs emulate both).
VA=tlsnic-st-va VB=tlsnic-st-vb
ip link add st-veth0 type veth peer name st-veth1
(NS_A=$VA NS_B=$VB; netns_pair st-veth0 st-veth1; set_tcp_mem)
load
netns_pair tlsnic0 tlsnic1
for k in "$(in_a ethtool -k tlsnic0)" "$(in_b ethtool -k tlsnic1)"; do
	has "$k" $'\ntls-hw-tx-offload: on' && has "$k" $'\ntls-hw-rx-offload: on' ||
		fail "TLS offload not on: $k"
done
set_tcp_mem

# Baseline: veth, software kTLS.
t0=$SECONDS
(NS_A=$VA TLS_SELFTEST_LISTEN_NETNS=/run/netns/$VB; run_st "$LOGS.veth.tap" "${dev[@]}" "${rest[@]}")
tveth=$((SECONDS - t0))
t0=$SECONDS

# tlsnic, TX and RX offload on: the TLS 1.2 AES-GCM cases, then the others.
KEYS=("$NS_A:TlsTxDevice" "$NS_B:TlsTxDevice" "$NS_A:TlsRxDevice" "$NS_B:TlsRxDevice"
	"$NS_A:TlsTxSw" "$NS_B:TlsTxSw" "$NS_A:TlsRxSw" "$NS_B:TlsRxSw"
	"$NS_A:tlsnic0:tx_tls_encrypted_bytes" "$NS_B:tlsnic1:tx_tls_encrypted_bytes"
	"$NS_A:tlsnic0:rx_tls_decrypted_bytes" "$NS_B:tlsnic1:rx_tls_decrypted_bytes")
declare -a c0=() c1=() c2=() d=() r=()
probes c0 "${KEYS[@]}"
run_st "$LOGS.tlsnic.tap" "${dev[@]}"
probes c1 "${KEYS[@]}"
run_st "$LOGS.tlsnic.tap" "${rest[@]}"
probes c2 "${KEYS[@]}"
ttlsnic=$((SECONDS - t0))
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
printf 'netns del %s\n' "$VA" "$VB" "$NS_A" "$NS_B" | ip -force -batch - 2>/dev/null || true

# --- Per case: veth against tlsnic.
declare -A rv=() rt=() why=()
results "$LOGS.veth.tap" rv
results "$LOGS.tlsnic.tap" rt why
# timed CASE: CASE is in tests/selftest/timing and failed on tlsnic only at the expectations the
# list names (at least one, no timeout, nothing else).
timed() {
	local p l n=0
	for p in "${!timing[@]}"; do
		# shellcheck disable=SC2053 # p is a glob
		[[ $1 == $p ]] || continue
		while IFS= read -r l; do
			[ -n "$l" ] || continue
			[[ $l == *"${timing[$p]}" ]] || return 1
			n=$((n + 1))
		done <<<"${why[$1]:-}"
		[ "$n" -gt 0 ]
		return
	done
	return 1
}
bad=0
count() { local -n _c=$1; local k n=0 m=0 s=0; for k in "${!_c[@]}"; do
	case ${_c[$k]} in ok) n=$((n + 1)) ;; fail) m=$((m + 1)) ;; skip) s=$((s + 1)) ;; esac
	done; echo "$n passed, $m failed, $s skipped"; }
note "veth: $(count rv) in $tveth s; tlsnic: $(count rt) in $ttlsnic s"
for c in "${!selected[@]}"; do
	[ -n "${rv[$c]:-}" ] || { note "veth: no result for $c"; bad=1; }
	[ -n "${rt[$c]:-}" ] || { note "tlsnic: no result for $c"; bad=1; }
done
[ "${#rv[@]}" = "${#selected[@]}" ] || { note "veth reported ${#rv[@]} cases, ${#selected[@]} selected"; bad=1; }
[ "${#rt[@]}" = "${#selected[@]}" ] || { note "tlsnic reported ${#rt[@]} cases, ${#selected[@]} selected"; bad=1; }
both=() better=()
for c in $(printf '%s\n' "${!selected[@]}" | sort); do
	v=${rv[$c]:-none} t=${rt[$c]:-none}
	if [ -n "${xfail[$c]:-}" ]; then
		if [ "$v" != ok ]; then
			note "listed in tlsnic.xfail but $v on veth: $c"; bad=1
		elif [ "$t" = ok ]; then
			note "listed in tlsnic.xfail but passes on tlsnic (remove it from the list): $c"; bad=1
		else
			note "expected failure on tlsnic ($t): $c: ${xfail[$c]}"
		fi
	elif [ "$v" = ok ] && [ "$t" = fail ] && timed "$c"; then
		note "passes on veth, fails on tlsnic at a timing expectation only (tests/selftest/timing): $c"
	elif [ "$v" = ok ] && [ "$t" != ok ]; then
		note "REGRESSION: passes on veth, $t on tlsnic: $c"
		printf '%s' "${why[$c]:-}" >&2
		bad=1
	elif [ "$v" != ok ] && [ "$t" != ok ]; then
		both+=("$c ($v/$t)")
	elif [ "$v" != ok ]; then
		better+=("$c ($v on veth)")
	fi
done
for c in "${!xfail[@]}"; do
	[ -n "${selected[$c]:-}" ] || [ "$SCALE" != long ] || { note "tlsnic.xfail lists $c, which is not run"; bad=1; }
	[[ " ${cases[*]} " == *" $c "* ]] || { note "tlsnic.xfail lists $c, which the selftest does not have"; bad=1; }
done
[ "${#both[@]}" = 0 ] || note "not passing on either link (${#both[@]}, not counted): ${both[*]}"
[ "${#better[@]}" = 0 ] || note "passing on tlsnic only: ${better[*]}"

# --- The TLS 1.2 AES-GCM cases ran on the device.
names=(TlsTxDevice TlsRxDevice TlsTxSw TlsRxSw tx_tls_encrypted_bytes rx_tls_decrypted_bytes)
for i in 0 2 4 6 8 10; do
	d[i / 2]=$(( c1[i] + c1[i + 1] - c0[i] - c0[i + 1] ))
	r[i / 2]=$(( c2[i] + c2[i + 1] - c1[i] - c1[i + 1] ))
done
note "TLS 1.2 AES-GCM run (${#dev[@]} cases), both namespaces: $(for i in 0 1 2 3 4 5; do printf '%s +%s ' "${names[i]}" "${d[i]}"; done)"
note "the other cases (${#rest[@]}): $(for i in 0 1 2 3 4 5; do printf '%s +%s ' "${names[i]}" "${r[i]}"; done)"
expect_ge "TlsTxDevice delta over ${#dev[@]} cases" "${d[0]}" "${#dev[@]}"
expect_ge "TlsRxDevice delta over ${#dev[@]} cases" "${d[1]}" "${#dev[@]}"
expect_eq "TlsTxSw delta over the TLS 1.2 AES-GCM cases" "${d[2]}" 0
expect_eq "TlsRxSw delta over the TLS 1.2 AES-GCM cases" "${d[3]}" 0
# sendmsg_large alone sends 2 MiB per variant.
expect_ge "tx_tls_encrypted_bytes delta" "${d[4]}" $((4 * 1048576))
expect_ge "rx_tls_decrypted_bytes delta" "${d[5]}" $((4 * 1048576))
[ "$bad" = 0 ] || {
	note "full output: build/guest-logs/${LOGS##*/}.veth.tap and .tlsnic.tap"
	fail "the selftest over tlsnic differs from veth (see above)"
}
unload
