#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A record altered on the wire (debugfs corrupt_ppm: one payload byte flipped behind the TCP
# checksum's back) surfaces to the application as a TLS error, never as altered plaintext: the
# receiving device's tag check fails (rx_tls_err), it passes the record up as received, kTLS
# rejects it (TlsDecryptError, EBADMSG) and OpenSSL's SSL_read fails. Bytes delivered before the
# error all match the sent stream. One flow with the receiver in RX resync mode next-hint, one
# in driver-req-async: the record fails its tag while the device is in sync, so the mode does
# not change what happens to it, and neither run lets it through. Then the same with the
# receiver's RX offload off (software kTLS must reject it too), and a clean flow afterwards
# shows the device is fine. The
# corruption starts once 1 MiB of the flow has arrived and ends after the first corrupted frame
# (0.5 s at most).
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
MIB=1048576

# corrupted NAME: one flow, corrupted after it started; the client must fail cleanly.
corrupted() {
	local name=$1 cpid e0 t0 b0 c0
	e0=$(ethstat "$NS_B" tlsnic1 rx_tls_err)
	t0=$(tls_stat "$NS_B" TlsDecryptError)
	b0=$(probe "$NS_B:tlsnic1:if.rx_bytes")
	c0=$(ethstat "$NS_A" tlsnic0 wire_corrupt)
	tls_server "$NS_A" --bytes $((256 * MIB))
	in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --bytes $((256 * MIB)) >/tmp/tlsnic-client.log 2>&1 &
	cpid=$!
	# Corrupt once records are flowing (the handshake is not the point here): 1 MiB has
	# arrived at the receiver.
	wait_for -t 60 "$NS_B:tlsnic1:if.rx_bytes>=$((b0 + MIB))" || fail "$name: the flow did not start"
	wire_fault "$NS_A" tlsnic0 corrupt_ppm 1000000
	wait_for -t 0.5 "$NS_A:tlsnic0:wire_corrupt>$c0" 2>/dev/null || true
	wire_fault "$NS_A" tlsnic0 corrupt_ppm 0
	if wait "$cpid"; then
		cat /tmp/tlsnic-client.log >&2
		fail "$name: the client did not see an error"
	fi
	kill "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	cat /tmp/tlsnic-client.log >&2
	grep -q MISMATCH /tmp/tlsnic-client.log && fail "$name: altered plaintext delivered"
	file_has /tmp/tlsnic-client.log 'SSL_read error' || fail "$name: no TLS error reported"
	expect_ge "$name wire_corrupt" "$(ethstat "$NS_A" tlsnic0 wire_corrupt)" 1
	expect_ge "$name TlsDecryptError delta" $(( $(tls_stat "$NS_B" TlsDecryptError) - t0 )) 1
	ERR_DELTA=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_err) - e0 ))
	note "$name: TLS error reported, rx_tls_err +$ERR_DELTA, TlsDecryptError +$(( $(tls_stat "$NS_B" TlsDecryptError) - t0 ))"
}

wire_fault "$NS_A" tlsnic0 seed 777
for mode in driver-req-async next-hint; do
	sysfs_write "$NS_B" /sys/class/net/tlsnic1/tlsnic/resync "$mode" >&2 || fail "resync $mode"
	corrupted "RX offloaded, $mode"
	expect_ge "rx_tls_err delta ($mode)" "$ERR_DELTA" 1
done
in_b ethtool -K tlsnic1 tls-hw-rx-offload off
corrupted "software kTLS RX"
expect_eq "rx_tls_err delta (offload off)" "$ERR_DELTA" 0
in_b ethtool -K tlsnic1 tls-hw-rx-offload on

# The device is fine afterwards.
d0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
tls_server "$NS_A" --bytes $((8 * MIB))
tls_client "$NS_B" "$A4" --bytes $((8 * MIB))
expect_ge "clean flow decrypted bytes" $(( $(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes) - d0 )) $((4 * MIB))
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
