#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Crypto engines, selected per device (sysfs tlsnic/engine) and per module (engine=):
# - the attribute: what it shows, every engine it accepts, and bad writes with their errno
#   (the device keeps its engine); a bad module parameter fails the load;
# - OpenSSL s_server -> s_client with kTLS at both ends, TX offloaded on the sender and RX on
#   the receiver, on each engine (soft, kcrypto) and each cipher (/small each): every byte intact,
#   the flows counted on the engine they were set up with;
# - switching the engine under a live flow: the flow keeps its engine, new flows get the new one;
# - key contexts: a kcrypto flow set up after another ended takes the ended flow's transforms
#   from the device's table and loads its own key (an AES-128 context rekeyed for AES-256, then
#   back): the bytes are intact, the reuse counted; with key_contexts=0 nothing is kept or reused.
# 26-tls-engines-soft runs the TX and RX interop tests on the soft engine.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

# A bad module parameter: the load fails, nothing is left behind.
for bad in bogus "soft x" "kcrypto nosuch(aes)"; do
	if insmod "$KO" "engine=\"$bad\"" 2>/dev/null; then
		fail "engine=$bad was accepted"
	fi
	loaded && fail "module loaded with engine=$bad"
done
TLSNIC_ENGINE='' load engine=soft
expect_eq "engine=soft shown" "$(</sys/class/net/tlsnic0/tlsnic/engine)" "soft tx=tlsnic-soft-gcm rx=tlsnic-soft-gcm"
unload

tls_pair
engine() { "$NSPROBE" exec "$1" cat "/sys/class/net/$2/tlsnic/engine"; }
# set_engine NS DEV TEXT: one write(2) of TEXT; prints the error (strerror), if any.
set_engine() { sysfs_write "$1" "/sys/class/net/$2/tlsnic/engine" "$3" || true; }
if [ -z "${TLSNIC_ENGINE:-}" ]; then
	case $(engine "$NS_A" tlsnic0) in
	"kcrypto gcm(aes) tx="*" rx="*+*) ;;
	*) fail "default engine shows '$(engine "$NS_A" tlsnic0)'" ;;
	esac
fi
note "kcrypto resolves to: $(set_engine "$NS_A" tlsnic0 kcrypto; engine "$NS_A" tlsnic0)"
# On a CPU with AES-NI and PCLMULQDQ, records opened in pieces go through the kernel's internal
# SIMD counter mode and GHASH, with the generic pair named for where SIMD is not usable.
if [[ $(</proc/cpuinfo) == *" aes "*" pclmulqdq"* || $(</proc/cpuinfo) == *" pclmulqdq "*" aes "* ]]; then
	case $(engine "$NS_A" tlsnic0) in
	*" rx=__ctr-aes-aesni+__ghash-pclmulqdqni rx-nosimd=ctr("*"+ghash-generic"*) ;;
	*) fail "kcrypto on AES-NI/PCLMULQDQ does not open pieces with them: '$(engine "$NS_A" tlsnic0)'" ;;
	esac
fi

# Bad writes: each refused with its errno; the device keeps its engine.
set_engine "$NS_A" tlsnic0 soft
before=$(engine "$NS_A" tlsnic0)
long=$(printf 'a%.0s' $(seq 128))
bad() {
	local err
	err=$(set_engine "$NS_A" tlsnic0 "$1")
	case $err in
	*"$2"*) ;;
	*) fail "engine '$1': '$err', expected '$2'" ;;
	esac
	expect_eq "engine after '$1'" "$(engine "$NS_A" tlsnic0)" "$before"
}
bad "hard" "Invalid argument"
bad $'\n' "Invalid argument"
bad "soft aes" "Invalid argument"
bad "kcrypto gcm(aes) x" "Invalid argument"
bad "kcrypto gcm/aes" "Invalid argument"
bad "kcrypto $long" "File name too long"
bad "kcrypto nosuch(aes)" "No such file or directory"
# Not an AEAD at all, and an AEAD whose IV is not the 12 bytes TLS 1.2 uses.
bad "kcrypto ctr(aes)" "Invalid argument"
bad "kcrypto rfc4106(gcm(aes))" "Invalid argument"
# Accepted forms.
expect_eq "write 'kcrypto gcm(aes)'" "$(set_engine "$NS_A" tlsnic0 "kcrypto gcm(aes)")" ""
# An asynchronous wrapper is named by the driver it wraps (cryptd instances keep the
# algorithm name gcm(aes)).
expect_eq "write 'kcrypto cryptd(gcm_base(ctr(aes-generic),ghash-generic))'" "$(set_engine "$NS_A" tlsnic0 "kcrypto cryptd(gcm_base(ctr(aes-generic),ghash-generic))")" ""
case $(engine "$NS_A" tlsnic0) in
"kcrypto cryptd(gcm_base(ctr(aes-generic),ghash-generic)) tx=cryptd(gcm_base(ctr(aes-generic),ghash-generic)) rx="*) ;;
*) fail "cryptd engine shows '$(engine "$NS_A" tlsnic0)'" ;;
esac
in_a bash -c 'echo soft >/sys/class/net/tlsnic0/tlsnic/engine' || fail "echo soft"
expect_eq "after echo soft" "$(engine "$NS_A" tlsnic0)" "soft tx=tlsnic-soft-gcm rx=tlsnic-soft-gcm"

www_setup
# get ENGINE CIPHER: /small (2 MiB, 8 at long scale) through s_server (A, TX offloaded) ->
# s_client (B, RX offloaded), both devices on ENGINE; each new flow is counted on ENGINE.
get() {
	local e=$1 cipher=$2 tx0 rx0 txd0 rxd0 dec0
	set_engine "$NS_A" tlsnic0 "$e" >/dev/null
	set_engine "$NS_B" tlsnic1 "$e" >/dev/null
	# The last flow's contexts went back to the devices' tables.
	live_ctx_zero "$NS_A" tlsnic0
	live_ctx_zero "$NS_B" tlsnic1
	tx0=$(ethstat "$NS_A" tlsnic0 "tx_tls_engine_$e")
	rx0=$(ethstat "$NS_B" tlsnic1 "rx_tls_engine_$e")
	txd0=$(tls_stat "$NS_A" TlsTxDevice)
	rxd0=$(tls_stat "$NS_B" TlsRxDevice)
	dec0=$(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes)
	www_serve "$TLSPORT" "$cipher" "$KTLS_CNF"
	www_fetch "$TLSPORT" small "$KTLS_CNF" /tmp/tlsnic-get.out
	wait "$WWW_PID" || true
	www_check /tmp/tlsnic-get.out small "$e $cipher"
	expect_eq "$e $cipher TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - txd0 )) 1
	expect_eq "$e $cipher TlsRxDevice delta" $(( $(tls_stat "$NS_B" TlsRxDevice) - rxd0 )) 1
	expect_eq "$e $cipher tx_tls_engine_$e delta" $(( $(ethstat "$NS_A" tlsnic0 "tx_tls_engine_$e") - tx0 )) 1
	expect_eq "$e $cipher rx_tls_engine_$e delta" $(( $(ethstat "$NS_B" tlsnic1 "rx_tls_engine_$e") - rx0 )) 1
	expect_ge "$e $cipher rx_tls_decrypted_bytes delta" \
		$(( $(ethstat "$NS_B" tlsnic1 rx_tls_decrypted_bytes) - dec0 )) $((SMALL_MIB * 1048576 * 3 / 4))
	note "$e $cipher: $SMALL_MIB MiB intact, TX and RX offloaded"
}
for e in soft kcrypto; do
	get "$e" ECDHE-ECDSA-AES128-GCM-SHA256
	txk0=$(ethstat "$NS_A" tlsnic0 tx_tls_key_ctx_reused)
	rxk0=$(ethstat "$NS_B" tlsnic1 rx_tls_key_ctx_reused)
	get "$e" ECDHE-ECDSA-AES256-GCM-SHA384
	# And back: an AES-128 key in the contexts the AES-256 flow wiped.
	[ "$e" = soft ] || get "$e" ECDHE-ECDSA-AES128-GCM-SHA256
	txk=$(( $(ethstat "$NS_A" tlsnic0 tx_tls_key_ctx_reused) - txk0 ))
	rxk=$(( $(ethstat "$NS_B" tlsnic1 rx_tls_key_ctx_reused) - rxk0 ))
	if [ "$e" = soft ]; then
		expect_eq "soft flows taking key contexts (TX, RX)" "$txk $rxk" "0 0"
	else
		expect_eq "kcrypto flows on the previous flow's key contexts (TX, RX)" "$txk $rxk" "2 2"
	fi
done
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
idle=$(ethstat "$NS_A" tlsnic0 tls_key_ctx_idle)
expect_ge "tlsnic0 idle key contexts after its flows ended" "$idle" 1
note "key contexts: the AES-256 and the second AES-128 flows reused the previous flows' transforms; tlsnic0 keeps $idle idle"
for dev in "$NS_A tlsnic0" "$NS_B tlsnic1"; do
	# shellcheck disable=SC2086
	set -- $dev
	expect_eq "$2 tx_tls_drop_engine" "$(ethstat "$1" "$2" tx_tls_drop_engine)" 0
	expect_eq "$2 rx_tls_err" "$(ethstat "$1" "$2" rx_tls_err)" 0
	expect_eq "$2 rx_tls_engine_err" "$(ethstat "$1" "$2" rx_tls_engine_err)" 0
done

# Switching under a live flow: it keeps the engine it was set up with.
set_engine "$NS_A" tlsnic0 soft >/dev/null
soft0=$(ethstat "$NS_A" tlsnic0 tx_tls_engine_soft)
kc0=$(ethstat "$NS_A" tlsnic0 tx_tls_engine_kcrypto)
mib=$(scaled 8 32)
tls_server "$NS_A" --bytes $((mib * 1048576)) --wsize 16384
in_b timeout 300 "$TLSTOOL" client "$A4" -p "$TLSPORT" --bytes $((mib * 1048576)) >/tmp/tlsnic-client.log 2>&1 &
cpid=$!
wait_for -t 20 "$NS_A:tlsnic0:tx_tls_ctx_live=1" || fail "no live context"
set_engine "$NS_A" tlsnic0 kcrypto >/dev/null
enc0=$(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes)
wait "$cpid" || { cat /tmp/tlsnic-client.log >&2; fail "flow failed across an engine switch"; }
wait "$SERVER_PID" || fail "server failed across an engine switch"
expect_ge "bytes encrypted after the switch" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_encrypted_bytes) - enc0 )) 1
expect_eq "flows on soft" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_engine_soft) - soft0 )) 1
expect_eq "flows on kcrypto during the switch" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_engine_kcrypto) - kc0 )) 0
www_serve "$TLSPORT" ECDHE-ECDSA-AES128-GCM-SHA256 "$KTLS_CNF"
www_fetch "$TLSPORT" small "$KTLS_CNF" /tmp/tlsnic-get.out
wait "$WWW_PID" || true
www_check /tmp/tlsnic-get.out small "after the switch"
expect_eq "new flow on kcrypto" $(( $(ethstat "$NS_A" tlsnic0 tx_tls_engine_kcrypto) - kc0 )) 1
note "engine switch: the live flow finished on soft ($(</tmp/tlsnic-client.log)); the next one ran on kcrypto"
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload

# key_contexts=0: a device keeps no idle context; every kcrypto flow allocates its transforms.
load key_contexts=0 engine=kcrypto
netns_pair tlsnic0 tlsnic1
for i in 1 2; do
	tls_server "$NS_A" --bytes 65536
	tls_client "$NS_B" "$A4" --bytes 65536
	wait "$SERVER_PID" || fail "key_contexts=0: flow $i: server failed"
	live_ctx_zero "$NS_A" tlsnic0
done
expect_eq "key_contexts=0: tlsnic0 kcrypto TX flows" "$(ethstat "$NS_A" tlsnic0 tx_tls_engine_kcrypto)" 2
expect_eq "key_contexts=0: tlsnic0 reused, idle" \
	"$(ethstat "$NS_A" tlsnic0 tx_tls_key_ctx_reused) $(ethstat "$NS_A" tlsnic0 tls_key_ctx_idle)" "0 0"
cleanup_netns
unload
