#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The demo, inside the guest: load tlsnic, put the two ends of a pair in two namespaces, serve a
# file with unmodified OpenSSL (s_server, kTLS enabled by an OpenSSL config) to s_client across
# the pair (kTLS on too), and show that the sending NIC encrypted the records and the receiving
# NIC decrypted them: /proc/net/tls_stat and ethtool -S at both ends.
set -euo pipefail
ko=${1:?usage: demo.sh path/to/tlsnic.ko}
export TLSNIC_KO=$ko
# shellcheck source=tests/guest/lib.sh
. "$(dirname "$0")/../../tests/guest/lib.sh"

step() { printf '\n== %s\n' "$*"; }

step "guest kernel $(uname -r)"
insmod "$ko"
ip -br link show type tlsnic
ethtool -i tlsnic0 | head -n 2
ethtool -k tlsnic0 | grep -E '^tls-hw'

step "tlsnic0 -> namespace $NS_A ($A4), tlsnic1 -> namespace $NS_B ($B4)"
netns_pair tlsnic0 tlsnic1
in_a ping -c 2 -i 0.2 "$B4" | tail -n 2
mkcert
mkdata /tmp/tlsnic-demo 64
mkdir -p /tmp/tlsnic-www
ln -sf /tmp/tlsnic-demo /tmp/tlsnic-www/demo.bin

step "openssl s_server (namespace $NS_A, kTLS on via OPENSSL_CONF=samples/ktls/openssl-ktls.cnf)"
echo "TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256, serving 64 MiB with SSL_sendfile"
(cd /tmp/tlsnic-www && OPENSSL_CONF=$KTLS_CNF ip netns exec "$NS_A" openssl s_server -quiet \
	-accept "$TLSPORT" -cert "$CERT" -key "$KEY" -tls1_2 \
	-cipher ECDHE-ECDSA-AES128-GCM-SHA256 -WWW -sendfile -naccept 1 >/dev/null 2>&1) &
retry 50 listening "$NS_A" "$TLSPORT" || fail "s_server did not start"

step "openssl s_client (namespace $NS_B): GET /demo.bin"
t0=$(date +%s.%N)
printf 'GET /demo.bin HTTP/1.0\r\n\r\n' |
	OPENSSL_CONF=$KTLS_CNF ip netns exec "$NS_B" openssl s_client -quiet -ign_eof \
		-connect "$A4:$TLSPORT" 2>/dev/null >/tmp/tlsnic-demo.out || true
t1=$(date +%s.%N)
wait
hdr=$(printf 'HTTP/1.0 200 ok\r\nContent-type: text/plain\r\n\r\n' | wc -c)
want=$(sha256sum </tmp/tlsnic-demo | cut -d' ' -f1)
got=$(tail -c +$((hdr + 1)) /tmp/tlsnic-demo.out | sha256sum | cut -d' ' -f1)
echo "sent     sha256 $want"
echo "received sha256 $got"
[ "$want" = "$got" ] || fail "data mismatch"
echo "64 MiB in $(printf '%.2f' "$(echo "$t1 - $t0" | bc)") s, intact"

step "sender: /proc/net/tls_stat (namespace $NS_A)"
in_a cat /proc/net/tls_stat | grep -E 'TlsTx|TlsCurrTx'
step "sender NIC: ethtool -S tlsnic0"
in_a ethtool -S tlsnic0 | grep -vE ': 0$'
step "receiver: /proc/net/tls_stat (namespace $NS_B)"
in_b cat /proc/net/tls_stat | grep -E 'TlsRx|TlsCurrRx|TlsDecrypt'
step "receiver NIC: ethtool -S tlsnic1"
in_b ethtool -S tlsnic1 | grep -E '^ +rx_tls' | grep -vE ': 0$'

cleanup_netns
rmmod tlsnic
step "done"
