#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Soak: 2,000 short flows (10,000 at long scale; TLSNIC_SOAK_FLOWS) opened and closed over the
# pair, in batches of 1,000 alive at once (TLSNIC_SOAK_BATCH): two full batches show that the
# contexts of one batch are released before the next peaks. Each flow is set up by raw
# setsockopt (tests/ktls/ktls-soak), offloaded both ways on both ends and verifies a message
# each way. Reports the peak of live contexts, flow setup time percentiles and memory before
# and after (module unloaded). Every flow is offloaded, every context is released,
# unreclaimable slab grows by 16 MiB at most, free memory falls by 64 MiB at most and no key
# material shows anywhere. With the kernel engine, later flows reuse the key contexts of ended
# ones, and a device keeps no more idle than key_contexts per direction.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

SOAK=$SAMPLES/tests/ktls-soak
SOAKPORT=4434
flows=${TLSNIC_SOAK_FLOWS:-$(scaled 2000 10000)}
batch=${TLSNIC_SOAK_BATCH:-1000}
seed=${TLSNIC_SOAK_SEED:-20240611}
# A leak of 8 KiB per flow over 2,000 flows (1.6 KiB over 10,000 at long scale), or of 16 KiB
# per flow of a batch, exceeds this; kmemleak (the runner's last test) catches smaller ones
# that nothing references.
SLAB_GROWTH_MAX=$((16 * 1024))	# kB
# Record blocks (32 KiB per transmit context) are pages, not slab: one leaked per flow or per
# flow of a batch takes more than this.
FREE_DROP_MAX=$((64 * 1024))	# kB
CLOG=/tmp/tlsnic-soak-client.log
SLOG=/tmp/tlsnic-soak-server.log
PEAK=/tmp/tlsnic-soak-peak.sh
[ -x "$SOAK" ] || fail "$SOAK missing (scripts/build-samples.sh)"
note "flows $flows, batch $batch, seed $seed (TLSNIC_SOAK_FLOWS, _BATCH, _SEED to change)"

# settle: free what can be freed and print "Slab SUnreclaim MemFree" of /proc/meminfo (kB): drop
# the page cache, dentries and inodes, then shrink every slab cache holding 64 KiB or more
# (which also takes the cache's objects out of the KASAN quarantine) until SUnreclaim stops
# falling: the objects freed release their kmemleak metadata by RCU, later, into the quarantine.
settle() {
	local c prev=-1 slab sunr free
	sync
	echo 3 >/proc/sys/vm/drop_caches
	for _ in $(seq 10); do
		for c in $(awk 'NR > 2 && $3 * $4 >= 65536 { print $1 }' /proc/slabinfo); do
			echo 1 >"/sys/kernel/slab/$c/shrink" 2>/dev/null || true
		done
		read -r slab sunr free < <(awk '$1 == "Slab:" { a = $2 }
			$1 == "SUnreclaim:" { b = $2 } $1 == "MemFree:" { c = $2 }
			END { print a, b, c }' /proc/meminfo)
		[ "$prev" -ge 0 ] && [ $((prev - sunr)) -lt 256 ] && break
		prev=$sunr
		nap 1
	done
	echo "$slab $sunr $free"
}
# slab_bytes: "CACHE BYTES" for every slab cache (objects allocated times object size).
slab_bytes() { awk 'NR > 2 { print $1, $3 * $4 }' /proc/slabinfo | sort; }

# snap NS DEV: counters of NS and DEV, in one `nsprobe exec` (the emulated guest starts
# processes slowly): TlsTxDevice TlsRxDevice TlsDecryptError tx_tls_ctx rx_tls_ctx
# rx_tls_records rx_tls_err tx_tls_ctx_live rx_tls_ctx_live and the TIME-WAIT socket count.
SNAP_NAMES=(TlsTxDevice TlsRxDevice TlsDecryptError tx_tls_ctx: rx_tls_ctx: rx_tls_records:
	rx_tls_err: tx_tls_ctx_live: rx_tls_ctx_live: time-wait)
snap() {
	"$NSPROBE" exec "$1" sh -c "cat /proc/net/tls_stat; ethtool -S $2;
		echo time-wait \$(ss -Htan state time-wait | wc -l)" |
		awk -v names="${SNAP_NAMES[*]}" '{ v[$1] = $2 } END {
			n = split(names, k, " ")
			for (i = 1; i <= n; i++) printf "%s ", (k[i] in v) ? v[k[i]] : "missing"
			print "" }'
}

# Memory is compared without the module and the namespaces (see the end).
read -r slab0 sunr0 free0 < <(settle)
slab_bytes >/tmp/tlsnic-soak-slab0

tls_pair

# Run by the client (in NS_A) while each batch is open: "live tlsnic0 tx_tls_ctx_live: N
# rx_tls_ctx_live: N tlsnic1 tx_tls_ctx_live: N rx_tls_ctx_live: N".
cat >"$PEAK" <<EOF
#!/bin/sh
live() { grep -E '^ *(tx|rx)_tls_ctx_live:'; }
echo live tlsnic0 \$(ethtool -S tlsnic0 | live) \\
	tlsnic1 \$($NSPROBE exec $NS_B ethtool -S tlsnic1 | live)
EOF
chmod +x "$PEAK"

a0=$(snap "$NS_A" tlsnic0)
b0=$(snap "$NS_B" tlsnic1)
queued0=$(ethstat "$NS_B" tlsnic1 rx_tls_start_queued)
t_setup=$SECONDS

"$NSPROBE" exec "$NS_B" "$SOAK" server -p "$SOAKPORT" --seed "$seed" --flows "$flows" >"$SLOG" 2>&1 &
spid=$!
wait_listen "$NS_B" "$SOAKPORT" || fail "soak server did not start"
# The flows get what the test's time limit leaves after 90 s for the checks.
tmo=$(( ${TLSNIC_TEST_TIMEOUT:-600} - SECONDS - 90 ))
[ "$tmo" -ge 60 ] || tmo=60
rc=0
timeout "$tmo" "$NSPROBE" exec "$NS_A" "$SOAK" client "$B4" -p "$SOAKPORT" --seed "$seed" \
	--flows "$flows" --batch "$batch" --peak-cmd "$PEAK" >"$CLOG" 2>&1 || rc=$?
sed 's/^/#   /' "$CLOG" >&2
if [ "$rc" != 0 ]; then
	kill "$spid" 2>/dev/null || true
	wait "$spid" || true
	cat "$SLOG" >&2
	ethtool_all >&2
	[ "$rc" != 124 ] || fail "soak client timed out after $tmo s"
	fail "soak client failed"
fi
wait "$spid" || { cat "$SLOG" >&2; fail "soak server failed"; }
t_flows=$SECONDS

summary=$(grep '^soak flows=' "$CLOG") || fail "no summary from the client"
field() { [[ $summary =~ \ $1=([^ ]*) ]] && echo "${BASH_REMATCH[1]}"; }
expect_eq "client flows" "$(field flows)" "$flows"
expect_eq "failed flows" "$(field failed)" 0
note "setup time (us): p50 $(field p50) p90 $(field p90) p99 $(field p99) max $(field max)"
note "elapsed: $(field elapsed) ($(field rate) flows)"

# Peak of live contexts while a batch was open (client end: both directions on tlsnic0).
read -r ptx0 prx0 ptx1 prx1 < <(awk '$1 == "live" {
		if ($4 > a) a = $4; if ($6 > b) b = $6; if ($9 > c) c = $9; if ($11 > d) d = $11 }
	END { print a + 0, b + 0, c + 0, d + 0 }' "$CLOG")
note "peak live contexts: tlsnic0 tx $ptx0 rx $prx0, tlsnic1 tx $ptx1 rx $prx1"
alive=$((batch < flows ? batch : flows))
expect_ge "peak tx_tls_ctx_live on tlsnic0" "$ptx0" "$alive"
expect_ge "peak rx_tls_ctx_live on tlsnic0" "$prx0" "$alive"

# Every flow offloaded both ways on both ends. The replies arrive after the client has set up
# TLS_RX: tlsnic0 authenticates them. Most messages reach the server before its TLS_RX: the
# kernel decrypts those in software (the count of tlsnic1 is only reported), and tlsnic1 starts
# those flows past the queued message (rx_tls_start_queued).
a1=$(snap "$NS_A" tlsnic0)
b1=$(snap "$NS_B" tlsnic1)
tw=0
for side in "$NS_A tlsnic0 $a0 $a1" "$NS_B tlsnic1 $b0 $b1"; do
	[[ $side != *missing* ]] || fail "counters missing: $side"
	read -r ns dev tx0 rx0 de0 ctx0 crx0 rec0 err0 _ _ _ \
		tx1 rx1 de1 ctx1 crx1 rec1 err1 ltx lrx tw1 <<<"$side"
	tw=$((tw + tw1))
	expect_eq "$ns TlsTxDevice delta" $((tx1 - tx0)) "$flows"
	expect_eq "$ns TlsRxDevice delta" $((rx1 - rx0)) "$flows"
	expect_eq "$ns TlsDecryptError delta" $((de1 - de0)) 0
	expect_eq "$dev tx_tls_ctx delta" $((ctx1 - ctx0)) "$flows"
	expect_eq "$dev rx_tls_ctx delta" $((crx1 - crx0)) "$flows"
	expect_eq "$dev rx_tls_err delta" $((err1 - err0)) 0
	note "$dev authenticated $((rec1 - rec0)) of the $flows records it received"
	[ "$dev" = tlsnic1 ] ||
		expect_ge "$dev rx_tls_records delta" $((rec1 - rec0)) $((flows * 9 / 10))
	[ "$ltx $lrx" = "0 0" ] || live_ctx_zero "$ns" "$dev"
done
queued=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_start_queued) - queued0 ))
expect_ge "tlsnic1 rx_tls_start_queued delta" "$queued" 1
note "tlsnic1 started $queued of its $flows receive flows past a message the socket held already"
flows_live_zero soak

# Key contexts (kernel engine): flows set up after others ended took their transforms from the
# device's table, which keeps at most key_contexts per direction.
if [[ ${TLSNIC_ENGINE:-kcrypto} == kcrypto* ]]; then
	kmax=$(</sys/module/tlsnic/parameters/key_contexts)
	for side in "$NS_A tlsnic0" "$NS_B tlsnic1"; do
		read -r ns dev <<<"$side"
		txk=$(ethstat "$ns" "$dev" tx_tls_key_ctx_reused)
		rxk=$(ethstat "$ns" "$dev" rx_tls_key_ctx_reused)
		idle=$(ethstat "$ns" "$dev" tls_key_ctx_idle)
		expect_ge "$dev TX flows on reused key contexts" "$txk" 1
		expect_ge "$dev RX flows on reused key contexts" "$rxk" 1
		[ "$idle" -le $((2 * kmax)) ] || fail "$dev keeps $idle idle key contexts, more than 2 x $kmax"
		note "$dev: $txk TX and $rxk RX flows on reused key contexts, $idle idle now"
	done
fi

key_leak_check soak
rm -f "$PEAK"
cleanup_netns
unload

# Memory left behind, compared as before the test: without the module and the namespaces. With
# NS_A go the TIME-WAIT sockets of the last minute of flows (thousands, each holding ~5 KiB of
# slab with its kmemleak metadata), which would hide a leak of that order; wait for them.
tw_gone() {
	echo 1 >/sys/kernel/slab/tw_sock_TCP/shrink
	[ "$(awk '$1 == "tw_sock_TCP" { print $2 }' /proc/slabinfo)" -lt 100 ]
}
wait_until 150 tw_gone || fail "TIME-WAIT sockets still alive after the namespaces were deleted"
read -r slab1 sunr1 free1 < <(settle)
note "memory (kB): Slab $slab0 -> $slab1, SUnreclaim $sunr0 -> $sunr1 ($((sunr1 - sunr0))," \
	"$tw TIME-WAIT sockets were left), MemFree $free0 -> $free1 ($((free1 - free0)))"
note "largest slab growth (kB): $(slab_bytes | join /tmp/tlsnic-soak-slab0 - |
	awk '{ print int(($3 - $2) / 1024), $1 }' | sort -rn | head -n 5 |
	awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }')"
rm -f /tmp/tlsnic-soak-slab0
[ $((sunr1 - sunr0)) -le "$SLAB_GROWTH_MAX" ] ||
	fail "SUnreclaim grew by $((sunr1 - sunr0)) kB (bound $SLAB_GROWTH_MAX kB)"
[ $((free0 - free1)) -le "$FREE_DROP_MAX" ] ||
	fail "MemFree fell by $((free0 - free1)) kB (bound $FREE_DROP_MAX kB)"
note "test time: setup $t_setup s, flows $((t_flows - t_setup)) s, checks $((SECONDS - t_flows)) s"
