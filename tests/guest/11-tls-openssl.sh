#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Unmodified OpenSSL (s_server/s_client, kTLS on through an OpenSSL config) over an offloaded
# flow: /data with AES128-GCM (SSL_write path) to a software-kTLS receiver, and /data with
# AES256-GCM (sendfile path) to a plain userspace-TLS receiver. The sender's TlsTxDevice and
# tlsnic's TX counters rise; the receivers decrypt every byte. /data is 8 MiB (64 at long
# scale): 512 full records through the device per cipher and path.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
# This test is about the transmit side against peers nobody here wrote: the receiver decrypts in
# software (its RX offload is tested in 18-tls-rx).
in_b ethtool -K tlsnic1 tls-hw-rx-offload off
www_setup

# transfer CIPHER SERVER_OPTION CLIENT_CONF: one GET of /data through s_server -WWW.
transfer() {
	local cipher=$1 extra=$2 cconf=$3 dev0 enc0
	dev0=$(tls_stat "$NS_A" TlsTxDevice)
	enc0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
	# shellcheck disable=SC2086
	www_get "$cipher" "$KTLS_CNF" "$cconf" $extra
	expect_ge "$cipher TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - dev0 )) 1
	expect_ge "$cipher tx_tls_encrypted_bytes delta" \
		$(( $(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes) - enc0 )) $((WWW_MIB * 1048576))
	note "$cipher $extra: $WWW_MIB MiB intact"
}

# Receiver with kTLS on: software kTLS RX decrypts (tlsnic1's RX offload is off).
rx0=$(tls_stat "$NS_B" TlsRxSw)
transfer ECDHE-ECDSA-AES128-GCM-SHA256 "" "$KTLS_CNF"
expect_ge "receiver TlsRxSw delta" $(( $(tls_stat "$NS_B" TlsRxSw) - rx0 )) 1
# Receiver in plain userspace OpenSSL (no kTLS at all), sender using sendfile.
rx0=$(tls_stat "$NS_B" TlsRxSw)
transfer ECDHE-ECDSA-AES256-GCM-SHA384 -sendfile /dev/null
expect_eq "userspace receiver TlsRxSw delta" $(( $(tls_stat "$NS_B" TlsRxSw) - rx0 )) 0

ctr=$(ethstat "$NS_A" tlsnic0 tx_tls_cipher_bytes)
enc=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
note "tx_tls_encrypted_bytes $enc tx_tls_cipher_bytes $ctr (cipher/payload $(echo "scale=3; $ctr / $enc" | bc))"
expect_ge "tx_tls_ctx" "$(ethstat "$NS_A" tlsnic0 tx_tls_ctx)" 2
expect_eq "tx_tls_drop_engine" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine)" 0
expect_eq "tx_tls_drop_bad_record" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_bad_record)" 0
# Both flows ran on this run's engine (26-tls-engines-soft runs this test on the soft engine).
engine_used "$NS_A" tlsnic0 tx 2
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
