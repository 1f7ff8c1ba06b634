#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Hostile input: tests/ktls/ktls-hostile hammers kTLS sockets routed over the pair (malformed
# crypto_info of every size, unknown versions and ciphers, TLS_TX/TLS_RX twice, setsockopt
# before connect and after shutdown, transfers closed or reset under sendfile and splice,
# MSG_MORE, three threads sending on one socket, garbage records to offloaded receivers, record
# types and flags) and checks every errno against a model of the kernel's kTLS code, while this
# script flips TLS offload features with ethtool, takes links down and up, changes the MTU,
# attaches and detaches BPF policies, switches engines (soft, kcrypto, asynchronous cryptd, and
# kcrypto and soft with the crypto block on a CPU set, inline again at the next switch),
# switches the receive and transmit resync modes of new flows (next-hint, driver-req,
# driver-req-async; rebuild, request) and steers the receive interrupt (none, CPU 0, 1, 0-1), sets engine faults and wire drop, reorder and duplication
# at random. Each epoch ends destructively under live flows: the receiver's namespace is
# deleted, or the module is removed. Meanwhile
# tlsnic's tracepoints are on and an operator's loop reads every device's flows file (debugfs)
# through the churn and the namespace's deletion (it stops before rmmod, which an open flows
# file would refuse). No mismatch, no data loss on verified flows, no live
# context left, no key bytes in the log, debugfs, trace, sysfs or counters, and (checked by the
# runner) no kernel report.
#
# Scale: make check runs 2 epochs of 20 s on a fixed seed (one ends with the namespace deleted,
# the other with rmmod; each makes hundreds of checked calls under a few chaos actions, and runs
# on past its 20 s until it has made at least 10 verified flows, 6 times its length at most, so
# a slow or busy machine makes them too); make check-long runs 4 epochs of 60 s on a random seed.
# TLSNIC_HOSTILE_SEED (a number, or "random"), TLSNIC_HOSTILE_SECS (per epoch) and
# TLSNIC_HOSTILE_EPOCHS override both:
#   TLSNIC_HOSTILE_SECS=600 TLSNIC_HOSTILE_EPOCHS=6 scripts/check.sh '^29'
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

HOSTILE=$SAMPLES/tests/ktls-hostile
seed=${TLSNIC_HOSTILE_SEED:-$(scaled 20261130 random)}
[ "$seed" = random ] && seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
secs=${TLSNIC_HOSTILE_SECS:-$(scaled 20 60)}
epochs=${TLSNIC_HOSTILE_EPOCHS:-$(scaled 2 4)}
note "seed $seed, $epochs epochs of $secs s (TLSNIC_HOSTILE_SEED=$seed reproduces the choices)"
RANDOM=$seed
# The wire faults chaos sets (debugfs knobs of each device).
WIRE_KNOBS=(drop_ppm reorder_ppm duplicate_ppm)

# chaos LOGFILE SEED: random control-plane changes until killed; one line per action in LOGFILE.
# A background subshell gets a fresh $RANDOM: SEED makes its choices repeat with the seed.
chaos() {
	local log=$1 ns dev act v msg
	RANDOM=$2
	local mtus=(576 1280 1500 1500 4000 9000 65535)
	local policies=("$BPFFS/port/port_policy" none)
	local engines=(soft kcrypto "kcrypto cryptd(gcm_base(ctr(aes-generic),ghash-generic))"
		"kcrypto cpus=1" "soft cpus=0-1")
	local resyncs=(next-hint driver-req driver-req-async) tx_resyncs=(rebuild request) w
	local irqs=(none 0 1 0-1) i
	local ppm
	set +e
	: >"$log"
	while :; do
		if [ $((RANDOM % 2)) = 0 ]; then ns=$NS_A dev=tlsnic0; else ns=$NS_B dev=tlsnic1; fi
		act=$((RANDOM % 10))
		case $act in
		0|1) if [ "$act" = 0 ]; then v=tx; else v=rx; fi
		   "$NSPROBE" exec "$ns" ethtool -K "$dev" "tls-hw-$v-offload" off
		   nap "0.$((1 + RANDOM % 9))"
		   "$NSPROBE" exec "$ns" ethtool -K "$dev" "tls-hw-$v-offload" on
		   msg="ethtool $dev $v off-on" ;;
		2) ip -n "$ns" link set "$dev" down
		   nap "0.$((1 + RANDOM % 4))"
		   ip -n "$ns" link set "$dev" up
		   msg="link $dev down-up" ;;
		3) # The link's MTU, at both ends: a device drops frames above its own MTU (as veth
		   # does), so ends that differ are a black hole for the larger segments of flows
		   # that started before.
		   v=${mtus[$((RANDOM % 7))]}
		   ip -n "$NS_A" link set tlsnic0 mtu "$v"
		   ip -n "$NS_B" link set tlsnic1 mtu "$v"
		   msg="mtu both $v" ;;
		4) # Either of the offloading choices, or the refusing program for a moment.
		   policy_set "$ns" "$dev" "$BPFFS/reject/port_policy"
		   nap "0.$((1 + RANDOM % 5))"
		   v=${policies[$((RANDOM % 2))]}
		   policy_set "$ns" "$dev" "$v"
		   msg="policy $dev reject, then ${v#"$BPFFS/"}" ;;
		5) v=${engines[$((RANDOM % ${#engines[@]}))]}
		   sysfs_write "$ns" "/sys/class/net/$dev/tlsnic/engine" "$v"
		   msg="engine $dev ${v/#*cryptd*/cryptd}" ;;
		6|7) v=$((RANDOM % 5000))
		   echo "$v" >"/sys/kernel/debug/tlsnic/$dev/engine_fault_ppm"
		   msg="engine-fault $dev $v" ;;
		8) # Loss, reordering and duplicates on this end's wire (0 now and then).
		   v=${WIRE_KNOBS[$((RANDOM % 3))]} ppm=$((RANDOM % 4 == 0 ? 0 : RANDOM % 5000))
		   echo "$ppm" >"/sys/kernel/debug/tlsnic/$dev/$v"
		   msg="wire $dev $v $ppm" ;;
		9) v=${resyncs[$((RANDOM % 3))]} w=${tx_resyncs[$((RANDOM % 2))]}
		   i=${irqs[$((RANDOM % 4))]}
		   sysfs_write "$ns" "/sys/class/net/$dev/tlsnic/resync" "$v"
		   sysfs_write "$ns" "/sys/class/net/$dev/tlsnic/tx_resync" "$w"
		   sysfs_write "$ns" "/sys/class/net/$dev/tlsnic/irq_cpus" "$i"
		   msg="resync $dev $v, tx_resync $w, irq_cpus $i" ;;
		esac
		printf '%s %s\n' "${EPOCHREALTIME:0:14}" "$msg" >>"$log"
		nap "0.$((2 + RANDOM % 5))"
	done
}

# viewer LOG: an operator watching: reads every tlsnic device's flows file (debugfs) over and
# over, through flow churn, chaos and teardown, until killed; the flow lines it saw go to LOG.
# Shell builtins only: a process per read would take a good part of a CPU of the emulated
# guest away from the flows.
viewer() {
	local f line
	set +e
	: >"$1"
	local lines=()
	# No device (deleted with its namespace, or not yet created): no file to read.
	shopt -s nullglob
	while :; do
		for f in /sys/kernel/debug/tlsnic/*/flows; do
			# One read of the file (mapfile does not seek back line by line, which would
			# make seq_file generate the listing again for each line).
			mapfile -t lines <"$f" 2>/dev/null || continue
			for line in "${lines[@]}"; do
				[[ $line == "dir "* ]] || printf '%s\n' "$line"
			done
		done >>"$1"
		nap 0.2
	done
}

# calm: undo what chaos may have left (features on, links up, MTU 1500, no policy, no faults).
calm() {
	local ns dev f
	for ns in "$NS_A" "$NS_B"; do
		dev=$([ "$ns" = "$NS_A" ] && echo tlsnic0 || echo tlsnic1)
		"$NSPROBE" exec "$ns" ethtool -K "$dev" tls-hw-tx-offload on tls-hw-rx-offload on
		ip -n "$ns" link set "$dev" mtu 1500 up
		policy_set "$ns" "$dev" none
		for f in engine_fault_ppm "${WIRE_KNOBS[@]}"; do
			echo 0 >"/sys/kernel/debug/tlsnic/$dev/$f"
		done
	done
	wait_for -t 10 "$NS_A:tlsnic0:carrier=1" || fail "no carrier after chaos"
}

bpf_load port
"$POLICY_MAP" port "$BPFFS/port/tlsnic_ports" "$TLSPORT" || fail "cannot fill tlsnic_ports"
# The same program with an empty map: refuses every flow (they stay on software kTLS).
rm -rf "${BPFFS:?}/reject"
bpftool prog loadall "$BPF_OBJ/policy_port.bpf.o" "$BPFFS/reject" pinmaps "$BPFFS/reject" ||
	fail "cannot load the refusing policy"

total_ops=0 total_flows=0
for epoch in $(seq 0 $((epochs - 1))); do
	s=$((seed + epoch)) t0=$SECONDS
	load
	netns_pair tlsnic0 tlsnic1
	# Loss one way and reordering the other from the start (chaos changes them later), so
	# every epoch runs over a faulty wire.
	echo 2000 >/sys/kernel/debug/tlsnic/tlsnic0/drop_ppm
	echo 2000 >/sys/kernel/debug/tlsnic/tlsnic1/reorder_ppm
	txd0=$(tls_stat "$NS_A" TlsTxDevice)
	rxd0=$(tls_stat "$NS_A" TlsRxDevice)
	# tlsnic's tracepoints on and the flows files read through the epoch and its teardown.
	: >/sys/kernel/tracing/trace
	echo 1 >/sys/kernel/tracing/events/tlsnic/enable
	echo 1 >/sys/kernel/tracing/tracing_on
	viewer /tmp/tlsnic-viewer.log &
	vpid=$!
	# Started as a command, not through the in_b function, so that $! is the server itself.
	"$NSPROBE" exec "$NS_B" "$HOSTILE" server -p "$TLSPORT" --seed "$s" \
		2>/tmp/tlsnic-hostile-server.log &
	spid=$!
	wait_listen "$NS_B" "$TLSPORT" || fail "hostile server did not start"
	chaos /tmp/tlsnic-chaos.log "$s" &
	cpid=$!
	rc=0
	timeout $((secs + 300)) "$NSPROBE" exec "$NS_A" "$HOSTILE" client "$B4" -p "$TLSPORT" \
		--seed "$s" --secs "$secs" --threads 3 --min-flows 10 >/tmp/tlsnic-hostile.log 2>&1 || rc=$?
	t1=$SECONDS
	kill "$cpid"; wait "$cpid" 2>/dev/null || true
	calm
	sed 's/^/    /' /tmp/tlsnic-hostile.log | grep -v '^    MISMATCH' >&2
	if [ "$rc" != 0 ]; then
		grep -m 20 MISMATCH /tmp/tlsnic-hostile.log >&2
		note "chaos actions (realtime):"; sed 's/^/#   /' /tmp/tlsnic-chaos.log >&2
		ethtool_all >&2
		fail "epoch $epoch (seed $s): ktls-hostile exit status $rc"
	fi
	! grep -m 5 FAIL /tmp/tlsnic-hostile-server.log >&2 || fail "epoch $epoch: server lost data"
	summary=$(grep '^hostile ' /tmp/tlsnic-hostile.log)
	ops=$(sed -n 's/.* ops=\([0-9]*\).*/\1/p' <<<"$summary")
	flows=$(sed -n 's/.* verified_flows=\([0-9]*\).*/\1/p' <<<"$summary")
	expect_ge "epoch $epoch verified flows" "$flows" 10
	# Offload engaged in both directions (chaos turns it off only for moments).
	expect_ge "epoch $epoch TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - txd0 )) 5
	expect_ge "epoch $epoch TlsRxDevice delta" $(( $(tls_stat "$NS_A" TlsRxDevice) - rxd0 )) 5
	live_ctx_zero "$NS_A" tlsnic0
	live_ctx_zero "$NS_B" tlsnic1
	flows_live_zero "epoch $epoch"
	key_leak_check "epoch $epoch"
	note "epoch $epoch seed $s: $ops checked calls, $flows verified flows, $(wc -l </tmp/tlsnic-chaos.log) chaos actions ($(cut -d' ' -f2 /tmp/tlsnic-chaos.log | sort | uniq -c | awk '{printf "%s %s, ", $2, $1}')), TlsTxDevice +$(( $(tls_stat "$NS_A" TlsTxDevice) - txd0 )), TlsRxDevice +$(( $(tls_stat "$NS_A" TlsRxDevice) - rxd0 ))"
	total_ops=$((total_ops + ops)) total_flows=$((total_flows + flows))
	adds=$(grep -c tlsnic_flow_add: /sys/kernel/tracing/trace || true)

	# The epoch ends under live flows (--tolerant: the network may vanish under any call).
	"$NSPROBE" exec "$NS_B" "$HOSTILE" server -p $((TLSPORT + 1)) --seed "$s" 2>/dev/null &
	spid2=$!
	wait_listen "$NS_B" $((TLSPORT + 1)) || fail "hostile server did not start"
	timeout 300 "$NSPROBE" exec "$NS_A" "$HOSTILE" client "$B4" -p $((TLSPORT + 1)) --seed "$s" \
		--secs 8 --threads 3 --tolerant >/tmp/tlsnic-hostile.log 2>&1 &
	tpid=$!
	wait_for -t 10 "$NS_A:tlsnic0:tx_tls_ctx_live>0" 2>/dev/null ||
		note "epoch $epoch: no live context at the moment of teardown"
	nap 2
	if [ $((epoch % 2)) = 0 ]; then
		what="namespace $NS_B deleted"
		# A namespace dies once nothing holds it: its processes (the servers) go first.
		ns_kill "$NS_B"
		wait "$spid" "$spid2" 2>/dev/null || true
		ip netns del "$NS_B"
		wait_for -t 20 "$NS_A:tlsnic0:exists=0" ||
			fail "tlsnic0 survived its peer's namespace"
		# Every context of both devices is freed although the client's sockets live on.
		flows_live_zero "epoch $epoch, devices deleted with the namespace"
	else
		what="module removed"
		# An open flows file holds the module (rmmod would fail with EBUSY): the viewer
		# stops first.
		kill "$vpid"; wait "$vpid" 2>/dev/null || true
		unload || fail "rmmod under live hostile flows"
	fi
	rc=0
	wait "$tpid" || rc=$?
	grep -m 20 MISMATCH /tmp/tlsnic-hostile.log >&2 || true
	[ "$rc" = 0 ] || fail "epoch $epoch ($what under flows): ktls-hostile --tolerant exit status $rc"
	kill "$vpid" 2>/dev/null || true # (an rmmod epoch stopped it already)
	wait "$vpid" 2>/dev/null || true
	# After rmmod the module's events are gone from tracefs (and its entries from the buffer).
	[ ! -d /sys/kernel/tracing/events/tlsnic ] || echo 0 >/sys/kernel/tracing/events/tlsnic/enable
	views=$(wc -l </tmp/tlsnic-viewer.log)
	expect_ge "epoch $epoch flow lines read from the flows files" "$views" 1
	expect_ge "epoch $epoch tlsnic_flow_add events" "$adds" 10
	note "epoch $epoch: $what under live flows; $(grep '^hostile ' /tmp/tlsnic-hostile.log); flows files read: $views flow lines; $adds tlsnic_flow_add events; epoch took $((SECONDS - t0)) s (client $((t1 - t0)) s from load)"
	kill -9 "$spid" "$spid2" 2>/dev/null || true
	wait 2>/dev/null || true
	cleanup_netns
	! loaded || unload
done
rm -rf "${BPFFS:?}/port" "${BPFFS:?}/reject"
note "total: $total_ops checked calls, $total_flows verified flows, seed $seed"
