#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Engine errors (debugfs engine_fault_ppm: each sealing, asynchronous completion or decryption
# fails with that probability) on every engine: a transmit packet whose record cannot be sealed
# is dropped and counted, never sent in clear, and TCP retransmits it; a received frame the
# engine failed on goes up as it arrived and software kTLS decrypts it. OpenSSL with TX and RX
# offloaded (8 MiB per engine at every scale: the share the device decrypts around the faults
# is a statistical floor measured at that size) gets every byte intact and sees no
# decryption error. The last round runs with each device's crypto block on a CPU set (cpus=),
# the two devices' on different CPUs.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
SMALL_MIB=8
www_setup
wire_fault "$NS_A" tlsnic0 engine_fault_ppm 20000
wire_fault "$NS_B" tlsnic1 engine_fault_ppm 20000
for e in soft kcrypto "kcrypto cryptd(gcm_base(ctr(aes-generic),ghash-generic))" "kcrypto cpus=1"; do
	engines_set "$e"
	[[ $e != *cpus=* ]] || sysfs_write "$NS_B" /sys/class/net/tlsnic1/tlsnic/engine "kcrypto cpus=0"
	blk0=$(ethstat "$NS_A" tlsnic0 block_tx_frames)
	brx0=$(ethstat "$NS_B" tlsnic1 block_rx_frames)
	drop0=$(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine)
	err0=$(ethstat "$NS_B" tlsnic1 rx_tls_engine_err)
	dec0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
	ok0=$(ethstat "$NS_B" tlsnic1 rx_tls_resync_ok)
	bad0=$(tls_stat "$NS_B" TlsDecryptError)
	txd0=$(tls_stat "$NS_A" TlsTxDevice)
	rxd0=$(tls_stat "$NS_B" TlsRxDevice)
	www_serve "$TLSPORT" ECDHE-ECDSA-AES128-GCM-SHA256 "$KTLS_CNF"
	www_fetch "$TLSPORT" small "$KTLS_CNF" /tmp/tlsnic-get.out
	wait "$WWW_PID" || true
	www_check /tmp/tlsnic-get.out small "$e"
	drops=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine) - drop0 ))
	errs=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_engine_err) - err0 ))
	dec=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes) - dec0 ))
	expect_eq "$e: TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - txd0 )) 1
	expect_eq "$e: TlsRxDevice delta" $(( $(tls_stat "$NS_B" TlsRxDevice) - rxd0 )) 1
	expect_ge "$e: tx_tls_drop_engine delta" "$drops" 1
	expect_ge "$e: rx_tls_engine_err delta" "$errs" 1
	# The device keeps decrypting around the failures. A failure costs the frames (up to 64 KiB
	# each) that hold the rest of its record, and a dropped TX packet costs the receiver its sync
	# until the retransmission arrives and the kernel confirms a resync, so the share varies with
	# timing: 0.8 to 7.2 MiB of 8 inline in the runs so far. 512 KiB (32 full records)
	# decrypted shows offload kept going, and the device resumed after losing sync
	# (rx_tls_resync_ok). With the crypto blocks placed frames reach the receiving device later
	# and more of the kernel's hints miss: whether a hint lands before the flow ends is timing
	# (no resync in 2 of 5 runs on a fast machine, 283 KiB decrypted in one CI run), so that
	# case asserts 64 KiB (4 full records) and the note reports the resyncs; 32-tls-block and
	# 19-tls-rx-faults test resumption.
	resyncs=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_resync_ok) - ok0 ))
	floor=524288
	[[ $e == *cpus=* ]] && floor=65536
	[[ $e == *cpus=* ]] || expect_ge "$e: rx_tls_resync_ok delta" "$resyncs" 1
	expect_ge "$e: rx_tls_decrypted_bytes delta" "$dec" "$floor"
	expect_eq "$e: TlsDecryptError delta" $(( $(tls_stat "$NS_B" TlsDecryptError) - bad0 )) 0
	if [[ $e == *cpus=* ]]; then
		expect_ge "$e: tlsnic0 block_tx_frames delta" $(( $(ethstat "$NS_A" tlsnic0 block_tx_frames) - blk0 )) 100
		expect_ge "$e: tlsnic1 block_rx_frames delta" $(( $(ethstat "$NS_B" tlsnic1 block_rx_frames) - brx0 )) 100
	fi
	note "$e: 8 MiB intact with 2% engine faults; $drops TX packets dropped and retransmitted, $errs RX frames left to software, $dec bytes decrypted by the device, $resyncs resyncs"
done
expect_eq "tx_tls_async_pending" "$(ethstat "$NS_A" tlsnic0 tx_tls_async_pending)" 0
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
