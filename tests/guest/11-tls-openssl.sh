#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Unmodified OpenSSL (s_server/s_client, kTLS on through an OpenSSL config) over an offloaded
# flow: 64 MiB with AES128-GCM (SSL_write path) to a software-kTLS receiver, and 64 MiB with
# AES256-GCM (sendfile path) to a plain userspace-TLS receiver. The sender's TlsTxDevice and
# tlsnic's TX counters rise; the receivers decrypt every byte.
. "$(dirname "$0")/lib.sh"

tls_pair
# This test is about the transmit side against peers nobody here wrote: the receiver decrypts in
# software (its RX offload is tested in 18-tls-rx).
in_b ethtool -K tlsnic1 tls-hw-rx-offload off
mkdata /tmp/tlsnic-64m 64
www=/tmp/tlsnic-www
mkdir -p "$www"
ln -sf /tmp/tlsnic-64m "$www/data"
want=$(sha256sum </tmp/tlsnic-64m | cut -d' ' -f1)
hdr=$(printf 'HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n' | wc -c)

# transfer CIPHER SERVER_EXTRA CLIENT_CONF: one GET of /data through s_server -WWW.
transfer() {
	local cipher=$1 extra=$2 cconf=$3 dev0 enc0 got
	dev0=$(tls_stat "$NS_A" TlsTxDevice)
	enc0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
	(cd "$www" && OPENSSL_CONF=$KTLS_CNF ip netns exec "$NS_A" openssl s_server -quiet \
		-accept "$TLSPORT" -cert "$CERT" -key "$KEY" -tls1_2 -cipher "$cipher" -WWW $extra \
		-naccept 1 >/tmp/tlsnic-server.log 2>&1) &
	local spid=$!
	retry 50 listening "$NS_A" "$TLSPORT" || fail "s_server did not start"
	printf 'GET /data HTTP/1.0\r\n\r\n' |
		OPENSSL_CONF=$cconf ip netns exec "$NS_B" openssl s_client -quiet -ign_eof \
			-connect "$A4:$TLSPORT" -servername tlsnic.test >/tmp/tlsnic-get.out 2>/tmp/tlsnic-client.log ||
		true
	wait "$spid" || true
	got=$(tail -c +$((hdr + 1)) /tmp/tlsnic-get.out | sha256sum | cut -d' ' -f1)
	[ "$(stat -c %s /tmp/tlsnic-get.out)" = $((64 * 1048576 + hdr)) ] ||
		{ cat /tmp/tlsnic-client.log /tmp/tlsnic-server.log >&2; fail "$cipher: received $(stat -c %s /tmp/tlsnic-get.out) bytes"; }
	[ "$got" = "$want" ] || fail "$cipher: sha256 mismatch"
	expect_ge "$cipher TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - dev0 )) 1
	expect_ge "$cipher tx_tls_encrypted_bytes delta" \
		$(( $(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes) - enc0 )) $((64 * 1048576))
	rm -f /tmp/tlsnic-get.out
	note "$cipher $extra: 64 MiB sha256 ok"
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
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
rm -f /tmp/tlsnic-64m
cleanup_netns
unload
