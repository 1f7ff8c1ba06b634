#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# A socket whose receive is offloaded to the device but whose transmit is software kTLS keeps
# working after its device goes down and up. Unmodified OpenSSL (s_client, kTLS through an
# OpenSSL config) connects from tlsnic1's namespace with tls-hw-tx-offload off there, so its
# socket has TX in software and RX on the device (TlsTxSw and TlsRxDevice rise). The link is
# taken down and up; then the client sends, and the server answers.
#
# This is the regression test of a bug in the kernel's tls_device_down() (net/tls/tls_device.c,
# 6.12 and mainline): it switched every socket on the device to the software fallback of the
# device's transmit path, including sockets whose transmit was never offloaded, and the next
# data segment of such a socket ran tls_sw_fallback() on a software context ("BUG: spinlock bad
# magic", then a general protection fault). The guest kernels carry the fix in
# qemu/patches/; Documentation/hardening.rst tells what an unpatched kernel does. One flow and
# one link flap prove it: before the fix, the first segment after the flap crashed the guest.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

tls_pair
in_b ethtool -K tlsnic1 tls-hw-tx-offload off
port=4461
cipher=ECDHE-ECDSA-AES128-GCM-SHA256
rm -f /tmp/rxonly-s.in /tmp/rxonly-c.in
mkfifo /tmp/rxonly-s.in /tmp/rxonly-c.in
txsw0=$(tls_stat "$NS_B" TlsTxSw) rxdev0=$(tls_stat "$NS_B" TlsRxDevice)

OPENSSL_CONF=$KTLS_CNF "$NSPROBE" exec "$NS_A" openssl s_server -accept "$port" -naccept 1 \
	-cert "$CERT" -key "$KEY" -tls1_2 -cipher "$cipher" -quiet \
	</tmp/rxonly-s.in >/tmp/rxonly-server.log 2>&1 &
spid=$!
exec 3>/tmp/rxonly-s.in
wait_listen "$NS_A" "$port" || fail "s_server did not start"
OPENSSL_CONF=$KTLS_CNF "$NSPROBE" exec "$NS_B" openssl s_client -connect "$A4:$port" -tls1_2 \
	-cipher "$cipher" -quiet -ign_eof </tmp/rxonly-c.in >/tmp/rxonly-client.log 2>&1 &
cpid=$!
exec 4>/tmp/rxonly-c.in

# logged FILE TEXT: wait until FILE holds a line TEXT.
logged() { wait_until 100 grep -qx "$2" "$1" || { cat /tmp/rxonly-*.log >&2; fail "no '$2' in $1"; }; }

wait_for -t 20 "$NS_B:TlsRxDevice>$rxdev0" ||
	{ cat /tmp/rxonly-*.log >&2; fail "the client's receive was not offloaded"; }
expect_eq "client TlsTxSw delta" $(( $(tls_stat "$NS_B" TlsTxSw) - txsw0 )) 1
echo before >&4
logged /tmp/rxonly-server.log before

ip -n "$NS_B" link set tlsnic1 down
ip -n "$NS_B" link set tlsnic1 up
wait_for -t 20 "$NS_B:tlsnic1:carrier=1" || fail "tlsnic1 has no carrier after up"
note "link flapped under a socket with TX in software and RX on the device"
echo after-flap >&4
logged /tmp/rxonly-server.log after-flap
echo answer >&3
logged /tmp/rxonly-client.log answer
note "client sent and received after the flap"

# s_client -ign_eof does not end at the end of its input: stop it; the server (-naccept 1)
# ends with the connection.
kill "$cpid" 2>/dev/null || true
wait "$cpid" || true
exec 3>&- 4>&-
wait "$spid" || true
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
