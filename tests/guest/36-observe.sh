#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# What an operator sees of offloaded flows with standard tools (Documentation/observability.rst):
#
# - The live flow view: 16 ktls-soak flows open at once, offloaded both ways on both ends. While
#   they are open, each device's /sys/kernel/debug/tlsnic/DEV/flows lists exactly its 32 flow
#   objects (one line per flow and direction) under its header, with the right addresses, ports,
#   namespace, ciphers and state; once they are closed, only the header.
# - The tracepoints (tracefs): tlsnic_flow_add and tlsnic_flow_del for each of the 64 flow
#   objects, the del line carrying the records and bytes the device processed; for flows a port
#   policy keeps in software, tlsnic_flow_refused with reason=policy; with 2% loss on one wire and
#   engine faults on its sender, tlsnic_fallback (reason=lost), tlsnic_resync_request
#   (reason=next-hint) and tlsnic_resync_done on the receiving device, as many as its
#   rx_tls_resync_req and rx_tls_resync_ok counters rose, and tlsnic_record_drop (reason=engine)
#   and tlsnic_engine_fault on the sending device, as many as its tx_tls_drop_engine rose.
# - The samples in samples/trace/, run together as one bpftrace program (bpftrace compiles for
#   about a minute in the emulated debug guest): each prints what it is for.
# - No key material in the trace buffer or the flows files (key_leak_check).
# - An open flows file holds the module: rmmod is refused until it is closed.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

command -v bpftrace >/dev/null || fail "bpftrace missing (scripts/setup.sh installs it)"
SOAK=$SAMPLES/tests/ktls-soak
[ -x "$SOAK" ] || fail "$SOAK missing (scripts/build-samples.sh)"
P=4436
T=/sys/kernel/tracing
D=/sys/kernel/debug/tlsnic
BT=/tmp/tlsnic-samples.bt
BTLOG=/tmp/tlsnic-bpftrace.log
F0=/tmp/tlsnic-flows0
F1=/tmp/tlsnic-flows1

tls_pair
[ -d "$T/events/tlsnic" ] || fail "no tlsnic events in $T/events"
echo 0 >"$T/tracing_on"
: >"$T/trace"
echo 1 >"$T/events/tlsnic/enable"
echo 1 >"$T/tracing_on"

# The three samples as one program (their map names differ), compiling while the flows run.
for f in offloaded-flows why-fallback resyncs; do
	grep -v '^#!' "$TLSNIC_ROOT/samples/trace/$f.bt"
done >"$BT"
# Unbuffered (-B none): into a file, bpftrace would hold its prints until its buffer fills.
timeout -s INT 600 bpftrace -B none "$BT" >"$BTLOG" 2>&1 &
BTPID=$!

# --- The live flow view ---------------------------------------------------------------------
# soak N SEED PEAK: N ktls-soak flows on port P, all open at once; while they are, the client
# runs the shell command PEAK.
soak() {
	in_a "$SOAK" server -p "$P" --seed "$2" --flows "$1" >/tmp/tlsnic-soak-server.log 2>&1 &
	local spid=$!
	wait_listen "$NS_A" "$P" || fail "soak server did not start"
	in_b "$SOAK" client "$A4" -p "$P" --seed "$2" --flows "$1" --batch "$1" \
		--peak-cmd "$3" \
		>/tmp/tlsnic-soak-client.log 2>&1 ||
		{ cat /tmp/tlsnic-soak-client.log /tmp/tlsnic-soak-server.log >&2; fail "soak client failed"; }
	wait "$spid" || { cat /tmp/tlsnic-soak-server.log >&2; fail "soak server failed"; }
}

# While they are open, both devices' flows files are read (from the initial mount namespace,
# where debugfs is).
soak 16 36 "nsenter --mount=/proc/1/ns/mnt sh -c 'cat $D/tlsnic0/flows >$F0; cat $D/tlsnic1/flows >$F1'"
HEADER="dir local remote netns engine cipher records bytes resyncs state age_ms"
# check_view FILE LOCAL REMOTE: FILE lists 16 TX and 16 RX flows of one namespace between LOCAL
# (address:port or address:) and REMOTE, half AES-128 and half AES-256, receive ones in sync.
check_view() {
	local out
	out=$(awk -v hdr="$HEADER" -v l="$2" -v r="$3" '
		NR == 1 { if ($0 != hdr) { print "bad header: " $0; exit } next }
		index($2, l) != 1 || index($3, r) != 1 { print "bad ends: " $0; exit }
		$5 != "kcrypto" && $5 != "soft" { print "bad engine: " $0; exit }
		$1 == "rx" && $10 != "in-sync" { print "rx not in sync: " $0; exit }
		$1 == "tx" && $10 != "in-sync" { print "tx state: " $0; exit }
		{ n[$1]++; c[$6]++; ns[$4] = 1 }
		END { k = 0; for (x in ns) k++
		      printf "tx=%d rx=%d aes128=%d aes256=%d netns=%d\n", n["tx"], n["rx"],
		             c["aes-gcm-128"], c["aes-gcm-256"], k }' "$1")
	[ "$out" = "tx=16 rx=16 aes128=16 aes256=16 netns=1" ] || { cat "$1" >&2; fail "$1: $out"; }
}
check_view "$F0" "$A4:$P" "$B4:"
check_view "$F1" "$B4:" "$A4:$P"
# The same connections at both ends (client ports), in two different namespaces.
[ "$(awk 'NR > 1 { print $3 }' "$F0" | sort -u)" = "$(awk 'NR > 1 { print $2 }' "$F1" | sort -u)" ] ||
	fail "the two views do not show the same connections"
[ "$(awk 'NR == 2 { print $4 }' "$F0")" != "$(awk 'NR == 2 { print $4 }' "$F1")" ] ||
	fail "both ends show the same namespace cookie"
note "flows view while 16 flows were open (first lines of each end):"
sed "s/^/#   /; 3q" "$F0" >&2
sed "s/^/#   /; 3q" "$F1" >&2
wait_until 50 '[ "$(<$D/tlsnic0/flows)" = "$HEADER" ] && [ "$(<$D/tlsnic1/flows)" = "$HEADER" ]' ||
	fail "flows still listed after they closed: $(cat $D/tlsnic0/flows $D/tlsnic1/flows)"

# --- Flow tracepoints ---------------------------------------------------------------------
TR=/tmp/tlsnic-trace
cp "$T/trace" "$TR"
count() { grep -cE "$1" "$TR" || true; }
expect_eq "tlsnic_flow_add events" "$(count "tlsnic_flow_add: .*:$P .*policy=none")" 64
expect_eq "tlsnic_flow_del events" "$(count "tlsnic_flow_del: .*:$P ")" 64
# What each flow did: the client's 1 KiB message (one record) through tlsnic1's TX, the server's
# 4 KiB reply (one record) through tlsnic0's TX (sealed again if TCP retransmitted it) and
# decrypted by tlsnic1's RX once (4,125 bytes: header, explicit nonce and tag included).
done_tx=" records=[1-9][0-9]* bytes=[1-9][0-9]* resyncs=0"
expect_eq "tlsnic1 tx flows done" "$(count "tlsnic_flow_del: dev=tlsnic1 dir=tx .*$done_tx")" 16
expect_eq "tlsnic0 tx flows done" "$(count "tlsnic_flow_del: dev=tlsnic0 dir=tx .*$done_tx")" 16
expect_eq "tlsnic1 rx flows done" \
	"$(count "tlsnic_flow_del: dev=tlsnic1 dir=rx .* records=1 bytes=4125 resyncs=0")" 16
grep -m 2 "tlsnic_flow_del: dev=tlsnic1" "$TR" | sed 's/^ */#   /' >&2

# The samples must be running before the events they report happen. bpftrace prints
# "Attaching N probes" before it attaches them one by one, in the program's order (tracepoints
# and intervals alike), and each probe's program goes through the verifier then, so on a busy
# host the refusals below could come before why-fallback.bt's tracepoints are attached (a CI
# run ended, most likely for that, without the refusals' lines). The program's last probe is
# resyncs.bt's interval; its first print says every probe is attached.
wait_until 1500 'file_has "$BTLOG" "resyncs (dir: "' || { cat "$BTLOG" >&2; fail "bpftrace did not attach"; }

# A policy keeps the server's flows on port P in software (it offloads port 4433 only).
bpf_load port
"$POLICY_MAP" port "$BPFFS/port/tlsnic_ports" 4433 || fail "cannot fill tlsnic_ports"
policy_set "$NS_A" tlsnic0 "$BPFFS/port/port_policy" || fail "cannot attach port_policy"
: >"$T/trace"
# Open until offloaded-flows.bt has printed a live flow (it prints every 5 s).
soak 4 37 "for i in \$(seq 100); do grep -q '^@live' $BTLOG && break; sleep 0.2; done"
policy_set "$NS_A" tlsnic0 none
cp "$T/trace" "$TR"
expect_eq "refused by policy" \
	"$(count "tlsnic_flow_refused: dev=tlsnic0 dir=[rt]x local=::ffff:$A4:$P .* policy=software reason=policy err=-95")" 8
expect_eq "client flows added" "$(count "tlsnic_flow_add: dev=tlsnic1 .*policy=none")" 8
grep -m 1 tlsnic_flow_refused "$TR" | sed 's/^ */#   /' >&2

# --- Loss and engine faults ------------------------------------------------------------------
: >"$T/trace"
req0=$(ethstat "$NS_B" tlsnic1 rx_tls_resync_req)
ok0=$(ethstat "$NS_B" tlsnic1 rx_tls_resync_ok)
drop0=$(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine)
wire_fault "$NS_A" tlsnic0 seed 36
wire_fault "$NS_A" tlsnic0 drop_ppm 20000
wire_fault "$NS_A" tlsnic0 engine_fault_ppm 50000
tls_server "$NS_A" --bytes 2000000
tls_client "$NS_B" "$A4" --bytes 2000000
wire_fault "$NS_A" tlsnic0 drop_ppm 0
wire_fault "$NS_A" tlsnic0 engine_fault_ppm 0
echo 0 >"$T/tracing_on"
cp "$T/trace" "$TR"
req=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_resync_req) - req0 ))
ok=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_resync_ok) - ok0 ))
drop=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine) - drop0 ))
grep -q "entries-in-buffer/entries-written: \([0-9]*\)/\1 " "$TR" || fail "the trace buffer overflowed"
expect_ge "rx_tls_resync_req delta" "$req" 1
expect_ge "tx_tls_drop_engine delta" "$drop" 1
expect_eq "tlsnic_resync_request events" "$(count "tlsnic_resync_request: dev=tlsnic1 dir=rx .* reason=next-hint")" "$req"
expect_eq "tlsnic_resync_done events" "$(count "tlsnic_resync_done: dev=tlsnic1 dir=rx ")" "$ok"
expect_ge "tlsnic_fallback reason=lost events" "$(count "tlsnic_fallback: dev=tlsnic1 dir=rx .* reason=lost")" 1
expect_eq "tlsnic_record_drop reason=engine events" "$(count "tlsnic_record_drop: dev=tlsnic0 dir=tx .* reason=engine")" "$drop"
expect_eq "tlsnic_engine_fault events on tlsnic0" "$(count "tlsnic_engine_fault: dev=tlsnic0 dir=tx .* count=1")" "$drop"
note "2 MB with 2% loss and 5% engine faults: $req resync requests, $ok resumed, $drop records dropped by engine faults; trace and counters agree"
grep -m 1 tlsnic_resync_request "$TR" | sed 's/^ */#   /' >&2

# --- The bpftrace samples ----------------------------------------------------------------------
# Every flow above ended (their flows files say so; a transmit flow's tls_dev_del comes from a
# work item after its socket is gone): offloaded-flows.bt prints once more (every 5 s), and
# shows none.
wait_until 50 '[ "$(<$D/tlsnic0/flows)" = "$HEADER" ] && [ "$(<$D/tlsnic1/flows)" = "$HEADER" ]' ||
	fail "flows still listed after the lossy transfer: $(cat $D/tlsnic0/flows $D/tlsnic1/flows)"
# printed: PRINTED = how many times offloaded-flows.bt has printed (shell builtins only: a grep
# per poll would cost the emulated guest more than the 5 s between prints).
printed() {
	local l
	PRINTED=0
	while IFS= read -r l; do
		if [[ $l == *"offloaded flows"* ]]; then PRINTED=$((PRINTED + 1)); fi
	done <"$BTLOG"
}
printed
n=$PRINTED
wait_until 100 'printed; [ "$PRINTED" -gt "$n" ]' || fail "offloaded-flows.bt stopped printing"
# SIGINT ends it (it prints its maps first). BTPID is the timeout wrapper, which passes the signal
# on. If bpftrace has not ended 60 s later, say where it is in the kernel, end it, and fail.
if ! kill -INT "$BTPID" 2>/dev/null; then
	wait "$BTPID" && rc=0 || rc=$?
	tail -n 20 "$BTLOG" | sed 's/^/#   bpftrace: /' >&2
	fail "bpftrace ended before SIGINT (exit status $rc)"
fi
if ! wait_until 300 '! kill -0 "$BTPID"'; then
	btchild=
	for f in /proc/[0-9]*/stat; do
		read -r p _ _ ppid _ 2>/dev/null <"$f" && [ "$ppid" = "$BTPID" ] && btchild+=" $p"
	done
	for p in $BTPID $btchild; do
		note "still running after SIGINT: $(tr '\0' ' ' <"/proc/$p/cmdline") ($(<"/proc/$p/wchan"))"
		sed 's/^/#   /' "/proc/$p/stack" >&2 || true
	done
	tail -n 5 "$BTLOG" | sed 's/^/#   bpftrace: /' >&2
	kill -KILL "$BTPID" $btchild 2>/dev/null || true
	fail "bpftrace did not end within 60 s of SIGINT"
fi
wait "$BTPID" || true
# What it printed: the refusals, then the maps (the last of each key).
{ grep -m 2 refused "$BTLOG" || true; grep '^@' "$BTLOG" | tail -12 || true; } | sed 's/^/#   bpftrace: /' >&2
file_has "$BTLOG" "offloaded flows" || fail "offloaded-flows.bt printed nothing"
grep -qE "^@live\[tlsnic1, [0-9]+, $P, [0-9]+, [01]\]: " "$BTLOG" || fail "offloaded-flows.bt showed no flow"
! awk '/offloaded flows/ { last = "" } /^@live\[/ { last = last $0 "\n" } END { printf "%s", last }' "$BTLOG" |
	grep -q . || fail "offloaded-flows.bt still shows flows that ended"
grep -q "tlsnic0 [rt]x ::ffff:$A4:$P -> ::ffff:$B4:[0-9]* refused: reason=policy policy=software" "$BTLOG" ||
	fail "why-fallback.bt did not show the refused flows"
grep -qE "^@software\[tlsnic1, lost\]: [1-9]" "$BTLOG" || fail "why-fallback.bt did not count the fallbacks"
grep -qE "^@dropped\[tlsnic0, engine\]: [1-9]" "$BTLOG" || fail "why-fallback.bt did not count the drops"
grep -qE "^@requests\[tlsnic1, [0-9]+, 4433, 1, next-hint\]: [1-9]" "$BTLOG" || fail "resyncs.bt counted no resync"

key_leak_check "trace buffer and flows files"
echo 0 >"$T/events/tlsnic/enable"
: >"$T/trace"
echo 1 >"$T/tracing_on"

# An open flows file holds the module: rmmod is refused (EBUSY) until it is closed.
exec {fd}<"$D/tlsnic0/flows"
! rmmod tlsnic 2>/dev/null || fail "rmmod went ahead with a flows file open"
loaded || fail "the module is gone with a flows file open"
exec {fd}<&-
cleanup_netns
rm -rf "${BPFFS:?}/port"
unload
