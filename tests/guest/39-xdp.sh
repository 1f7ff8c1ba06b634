#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Native XDP on tlsnic devices (Documentation/xdp.rst), with the kernel's tools:
# - Multi-buffer: an attach is refused (ERANGE, with the extack message) while the peer's MTU
#   lets frames outgrow one page, frags-aware program or not; attached, the peer's MTU is
#   capped at 3506 and its GSO is off, frames of 3442 bytes pass.
# - Attach with `ip link set dev DEV xdp obj FILE program NAME` (native: `xdp`, `bpftool net`
#   says "driver"), replace refused without -force and done with it, detach with `xdp off`,
#   and attach/detach with `bpftool net attach xdpdrv`/`detach`.
# - XDP_PASS under TLS: the program sees the frames of an offloaded flow before the device
#   decrypts them (record headers 17 03 03, never the plaintext "HTTP" after one), the device
#   still decrypts and the response arrives intact.
# - XDP_DROP, XDP_TX (echo replies made by the program), XDP_ABORTED and an invalid action
#   (the xdp:xdp_exception trace), XDP_REDIRECT to another tlsnic (its ndo_xdp_xmit) and to a veth, and from a veth's
#   program to a tlsnic, each counted in `ethtool -S` (rx_xdp_*, tx_xdp_*).
# - The SNI sample's XDP variant, native on the server's device, records server names for
#   the flow policy: an allowed name is offloaded, another is not.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

NS_C=tlsnic-c
in_c() { "$NSPROBE" exec "$NS_C" "$@"; }
X=$BPFFS/xdp
XOBJ=$SAMPLES/bpf-tests/xdp_test.bpf.o
T=/sys/kernel/tracing

load pairs=2
netns_pair tlsnic0 tlsnic1
# tlsnic2 (B) <-> tlsnic3 (C) and vb (B) <-> vc (C): the redirect targets.
printf '%s\n' "netns add $NS_C" "link set tlsnic2 netns $NS_B" "link set tlsnic3 netns $NS_C" |
	ip -batch - || fail "cannot move tlsnic2 and tlsnic3"
printf '%s\n' "link add vb type veth peer name vc netns $NS_C" "link set tlsnic2 up" \
	"addr add 198.51.100.1/24 dev vb" "link set vb up" |
	ip -n "$NS_B" -batch - || fail "cannot set up tlsnic2 and vb"
printf '%s\n' "link set lo up" "link set tlsnic3 up" "addr add 198.51.100.2/24 dev vc" \
	"link set vc up" | ip -n "$NS_C" -batch - || fail "cannot set up tlsnic3 and vc"
mapfile -t ifx < <(in_b cat /sys/class/net/tlsnic2/ifindex /sys/class/net/vb/ifindex)
mapfile -t -O 2 ifx < <(in_c cat /sys/class/net/tlsnic3/ifindex)
mkdir -p "$BPFFS"
mountpoint -q "$BPFFS" || mount -t bpf bpf "$BPFFS"
bpftool prog loadall "$XOBJ" "$X" pinmaps "$X" || fail "bpftool cannot load xdp_test"

# xdp_b ARGS...: `ip link set dev tlsnic1 ARGS` in B (stderr kept in /tmp/tlsnic-xdp.err).
xdp_b() { ip -n "$NS_B" link set dev tlsnic1 "$@" 2>/tmp/tlsnic-xdp.err; }
err_has() { file_has /tmp/tlsnic-xdp.err "$1"; }
# pings N: N pings A -> B, 0.2 s apart, 2 s at most; succeeds if all were answered.
pings() { in_a ping -q -c "$1" -i 0.2 -w 2 "$B4" >/dev/null 2>&1; }
# lost N: N pings A -> B, 0.2 s apart, 1 s at most; succeeds if none was answered.
lost() { ! in_a ping -q -c "$1" -i 0.2 -w 1 "$B4" >/dev/null 2>&1; }

# --- Multi-buffer: refused at attach, MTU capped while attached -----------------------------
ip -n "$NS_A" link set dev tlsnic0 mtu 9000 || fail "mtu 9000"
! xdp_b xdpdrv pinned "$X/xdp_pass" || fail "attach allowed with peer MTU 9000"
err_has "peer MTU too large for XDP" || fail "no extack message: $(</tmp/tlsnic-xdp.err)"
! xdp_b xdpdrv pinned "$X/xdp_frags_pass" || fail "frags-aware attach allowed with peer MTU 9000"
err_has "even for xdp.frags" || fail "no frags message: $(</tmp/tlsnic-xdp.err)"
ip -n "$NS_A" link set dev tlsnic0 mtu 1500 || fail "mtu 1500"

# --- Attach by object (native), query ------------------------------------------------------
xdp_b xdp obj "$XOBJ" program xdp_pass || fail "ip link set xdp obj: $(</tmp/tlsnic-xdp.err)"
out=$(ip -n "$NS_B" -d link show dev tlsnic1)
has "$out" " xdp " && has "$out" "prog/xdp id" && ! has "$out" xdpgeneric ||
	fail "ip link show: no native XDP program: $out"
net=$(in_b bpftool net show dev tlsnic1)
has "$net" "driver id" || fail "bpftool net: no driver-mode program: $net"
note "attached native: ${net//$'\n'/ }"
! ip -n "$NS_A" link set dev tlsnic0 mtu 3507 2>/dev/null || fail "peer MTU 3507 allowed while attached"
ip -n "$NS_A" link set dev tlsnic0 mtu 3506 || fail "peer MTU 3506 refused"
k=$(in_a ethtool -k tlsnic0)
has "$k" "tcp-segmentation-offload: off" || fail "peer TSO still on: $k"
pings 3 || fail "ping through XDP_PASS"
# The receiver's own MTU (not capped: its peer's frames are what its program sees) stays 3506.
ip -n "$NS_B" link set dev tlsnic1 mtu 3506 || fail "tlsnic1 mtu 3506"
in_a ping -q -c 2 -s 3400 -w 2 "$B4" >/dev/null || fail "3442-byte frames through XDP_PASS"
ip -n "$NS_A" link set dev tlsnic0 mtu 1500 || fail "mtu 1500"

# --- XDP_PASS on an offloaded flow: XDP runs before the device decrypts ---------------------
# The pinned xdp_pass, whose xdp_seen map is pinned too (ip's copy has a map of its own).
ip -n "$NS_B" -force link set dev tlsnic1 xdpdrv pinned "$X/xdp_pass" || fail "replace with pinned xdp_pass"
mkcert
# /data of 2 MiB (128 full records): the device resyncs and decrypts most of it.
WWW_MIB=$(scaled 2 8)
www_setup
www_get ECDHE-ECDSA-AES128-GCM-SHA256 "$KTLS_CNF" "$KTLS_CNF"
probes v "$NS_B:tlsnic1:rx_tls_decrypted_packets" "$NS_B:tlsnic1:rx_xdp_pass" \
	"$NS_B:tlsnic1:rx_xdp_oversize" "$NS_A:tlsnic0:tx_tls_encrypted_packets"
expect_ge "rx_tls_decrypted_packets (XDP attached)" "${v[0]}" 1
expect_ge "rx_xdp_pass" "${v[1]}" 1000
expect_eq "rx_xdp_oversize" "${v[2]}" 0
expect_ge "sender tx_tls_encrypted_packets" "${v[3]}" 1
seen=$(bpftool -j map dump pinned "$X/xdp_seen")
# [{"key":0,"value":N},...]: the values in key order.
sv=()
while [[ $seen =~ \"value\":([0-9]+)(.*) ]]; do
	sv+=("${BASH_REMATCH[1]}")
	seen=${BASH_REMATCH[2]}
done
note "XDP saw ${sv[0]} frames (${sv[3]} bytes), ${sv[1]} starting with a record header, ${sv[2]} of them with plaintext"
expect_ge "frames starting with an application-data record header" "${sv[1]:-0}" 1
expect_eq "records XDP saw in plaintext" "${sv[2]:-missing}" 0

# --- Replace: refused without -force; DROP, TX, ABORTED ------------------------------------
! xdp_b xdpdrv pinned "$X/xdp_drop" || fail "replace without -force allowed"
ip -n "$NS_B" -force link set dev tlsnic1 xdpdrv pinned "$X/xdp_drop" || fail "replace with -force"
lost 3 || fail "pings answered through XDP_DROP"
expect_ge "rx_xdp_drop" "$(ethstat "$NS_B" tlsnic1 rx_xdp_drop)" 3

ip -n "$NS_B" -force link set dev tlsnic1 xdpdrv pinned "$X/xdp_tx" || fail "attach xdp_tx"
pings 3 || fail "no echo reply from XDP_TX"
probes v "$NS_B:tlsnic1:rx_xdp_tx" "$NS_B:tlsnic1:rx_xdp_tx_errors"
expect_ge "rx_xdp_tx" "${v[0]}" 1
expect_eq "rx_xdp_tx_errors" "${v[1]}" 0

echo 0 >"$T/tracing_on"
: >"$T/trace"
echo 1 >"$T/events/xdp/xdp_exception/enable"
echo 1 >"$T/tracing_on"
ip -n "$NS_B" -force link set dev tlsnic1 xdpdrv pinned "$X/xdp_abort" || fail "attach xdp_abort"
lost 3 || fail "pings answered through XDP_ABORTED"
# An action that does not exist is dropped and traced too (and warned about once).
ip -n "$NS_B" -force link set dev tlsnic1 xdpdrv pinned "$X/xdp_invalid" || fail "attach xdp_invalid"
lost 2 || fail "pings answered through an invalid action"
echo 0 >"$T/events/xdp/xdp_exception/enable"
tr=$(<"$T/trace")
has "$tr" "xdp_exception:" && has "$tr" "action=ABORTED" || fail "no xdp:xdp_exception event: $tr"
has "$tr" "action=0x2a" || fail "no xdp:xdp_exception event for action 42: $tr"
expect_ge "rx_xdp_aborted" "$(ethstat "$NS_B" tlsnic1 rx_xdp_aborted)" 5

# --- XDP_REDIRECT to another tlsnic, then to a veth ------------------------------------------
le32() { printf '%d %d %d %d' $(($1 & 255)) $(($1 >> 8 & 255)) $(($1 >> 16 & 255)) $(($1 >> 24)); }
# shellcheck disable=SC2046
bpftool map update pinned "$X/xdp_redir" key 0 0 0 0 value $(le32 "${ifx[0]}") ||
	fail "xdp_redir -> tlsnic2"
ip -n "$NS_C" link set dev tlsnic3 xdpdrv pinned "$X/xdp_pass" || fail "xdp_pass on tlsnic3"
ip -n "$NS_B" -force link set dev tlsnic1 xdpdrv pinned "$X/xdp_redirect" || fail "attach xdp_redirect"
lost 3 || fail "pings answered through XDP_REDIRECT"
wait_for -t 10 "$NS_B:tlsnic1:rx_xdp_redirect>=3" "$NS_B:tlsnic2:tx_xdp_xmit>=3" \
	"$NS_C:tlsnic3:rx_xdp_packets>=3" "$NS_B:tlsnic1:rx_xdp_redirect_errors=0" ||
	fail "redirect to tlsnic2 did not reach tlsnic3"

# A veth takes redirected frames (ndo_xdp_xmit) when its peer runs XDP.
ip -n "$NS_C" link set dev vc xdpdrv pinned "$X/xdp_pass" || fail "xdp_pass on vc"
# shellcheck disable=SC2046
bpftool map update pinned "$X/xdp_redir" key 0 0 0 0 value $(le32 "${ifx[1]}") ||
	fail "xdp_redir -> vb"
r0=$(ethstat "$NS_B" tlsnic1 rx_xdp_redirect)
vc0=$(probe "$NS_C:vc:if.rx_packets")
lost 3 || fail "pings answered through XDP_REDIRECT to vb"
wait_for -t 10 "$NS_B:tlsnic1:rx_xdp_redirect>=$((r0 + 3))" "$NS_C:vc:if.rx_packets>=$((vc0 + 3))" \
	"$NS_B:tlsnic1:rx_xdp_redirect_errors=0" || fail "redirect to vb did not reach vc"

# And the other way: vc's program (veth's native XDP) redirects to tlsnic3, whose
# ndo_xdp_xmit sends the frames to tlsnic2.
# shellcheck disable=SC2046
bpftool map update pinned "$X/xdp_redir" key 0 0 0 0 value $(le32 "${ifx[2]}") ||
	fail "xdp_redir -> tlsnic3"
ip -n "$NS_C" -force link set dev vc xdpdrv pinned "$X/xdp_redirect" || fail "xdp_redirect on vc"
t20=$(probe "$NS_B:tlsnic2:if.rx_packets")
! in_b ping -q -c 3 -i 0.2 -w 1 198.51.100.2 >/dev/null 2>&1 || fail "vb pings answered"
wait_for -t 10 "$NS_C:tlsnic3:tx_xdp_xmit>=3" "$NS_B:tlsnic2:if.rx_packets>=$((t20 + 3))" ||
	fail "redirect from vc to tlsnic3 did not reach tlsnic2"

# --- Detach; bpftool attach and detach ---------------------------------------------------------
xdp_b xdp off || fail "xdp off"
net=$(in_b bpftool net show dev tlsnic1)
! has "$net" "driver id" || fail "still attached after xdp off: $net"
k=$(in_a ethtool -k tlsnic0)
has "$k" "tcp-segmentation-offload: on" || fail "peer TSO not back on: $k"
in_b bpftool net attach xdpdrv pinned "$X/xdp_drop" dev tlsnic1 || fail "bpftool net attach xdpdrv"
lost 2 || fail "pings answered through bpftool's XDP_DROP"
in_b bpftool net detach xdpdrv dev tlsnic1 || fail "bpftool net detach"
pings 3 || fail "ping after detach"

# --- The SNI sample's XDP variant, native on the server's device --------------------------------
bpf_load sni
# sni_allow's key: the name, NUL-padded to 64 bytes (what tlsnic-policy-map writes, without
# its processes).
name=allowed.example key=()
for ((i = 0; i < 64; i++)); do printf -v b '%02x' "'${name:i:1}"; key+=("$b"); done
bpftool map update pinned "$BPFFS/sni/sni_allow" key hex "${key[@]}" value hex 01 ||
	fail "cannot fill sni_allow"
# A small file: the server name decides at the handshake, whatever the size.
printf 'tlsnic %.0s' {1..128} >"$WWW/tiny"
ip -n "$NS_A" link set dev tlsnic0 xdpdrv pinned "$BPFFS/sni/sni_xdp" || fail "attach sni_xdp"
policy_set "$NS_A" tlsnic0 "$BPFFS/sni/sni_policy" || fail "cannot attach sni_policy"
# sni_get NAME WANT: GET /tiny with server name NAME; the server's TX offloaded iff WANT is 1.
sni_get() {
	local tx0
	tx0=$(tls_stat "$NS_A" TlsTxDevice)
	www_serve "$TLSPORT" ECDHE-ECDSA-AES256-GCM-SHA384 "$KTLS_CNF"
	www_fetch "$TLSPORT" tiny "$KTLS_CNF" /tmp/tlsnic-get.out "$1"
	wait "$WWW_PID" || true
	www_check /tmp/tlsnic-get.out tiny "SNI $1"
	expect_eq "SNI $1: TlsTxDevice delta" $(( $(tls_stat "$NS_A" TlsTxDevice) - tx0 )) "$2"
}
sni_get allowed.example 1
sni_get other.example 0
flows=$(bpftool map dump pinned "$BPFFS/sni/sni_flows")
has "$flows" '"allowed.example"' && has "$flows" '"other.example"' ||
	fail "sni_xdp did not record both names: $flows"
expect_ge "tlsnic0 rx_xdp_pass (sni_xdp)" "$(ethstat "$NS_A" tlsnic0 rx_xdp_pass)" 4
ip -n "$NS_A" link set dev tlsnic0 xdp off || fail "detach sni_xdp"
live_ctx_zero "$NS_A" tlsnic0
rm -rf "${BPFFS:?}/xdp" "${BPFFS:?}/sni"
# Teardown with programs attached (tlsnic3 and vc in NS_C): the namespaces go, then the module.
ip netns del "$NS_C"
cleanup_netns
unload || fail "rmmod after the namespaces with XDP programs went"
