#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Real web traffic: nginx with samples/nginx/nginx.conf as it is (TLS 1.2 AES-GCM, kTLS through
# `ssl_conf_command Options KTLS`, sendfile on) serves one large file and a few hundred small
# ones from NS_A to four concurrent curl processes in NS_B, each fetching its share of the URLs
# with four transfers at once on keep-alive connections (--parallel), two with AES128-GCM and two
# with AES256-GCM. Every file arrives byte-exact (one diff -r over all of them). Offload engaged
# for every connection: nginx's access log and curl's own count agree on the number of TLS
# connections and every request was TLS 1.2 AES-GCM; the server namespace's TlsTxDevice and
# TlsRxDevice rose by at least that number while TlsTxSw and TlsRxSw did not move; tlsnic0 set up
# a context per connection and encrypted at least every byte of every body
# (tx_tls_encrypted_bytes); nginx's debug log shows kTLS send on for every connection and every
# body sent by SSL_sendfile; nginx logged no error.
# Size: the large file is 8 MiB, fetched once with AES128-GCM (64 MiB at long scale, fetched with
# both ciphers): 512 full records through SSL_sendfile; 300 small files (1,000 long) of 1 B to
# 64 KiB, the record boundaries among them, about 2 MiB: 300 requests spread over 16 connections,
# so that one connection left to software, or one file mixed up with another, shows.
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

NGX=/tmp/tlsnic-nginx
GOT=/tmp/tlsnic-nginx-got
NGX_PORT=8443
BIG_MIB=$(scaled 8 64)
NSMALL=$(scaled 300 1000)
CLIENTS=4

tls_pair
# The server runs the sample as it is, from a prefix directory that holds it, the certificate
# and the files (bash copies the text files: no process).
mkdir -p "$NGX/www/s" "$GOT/s"
printf '%s\n' "$(<"$TLSNIC_ROOT/samples/nginx/nginx.conf")" >"$NGX/nginx.conf"
printf '%s\n' "$(<"$CERT")" >"$NGX/cert.pem"
printf '%s\n' "$(<"$KEY")" >"$NGX/key.pem"
mkdata "/tmp/tlsnic-data-$BIG_MIB" "$BIG_MIB"
ln -sf "/tmp/tlsnic-data-$BIG_MIB" "$NGX/www/big.bin"

# The small files and each client's curl config (its URLs, and where each goes), all written by
# one awk process: a process per file would cost the emulated guest minutes, and the shell or
# Python doing the same took it 12 to 17 s. Each file is a slice of a 96 KiB text (the base64 of
# the large file's first 72 KiB) at a pseudo-random offset; sizes are log-uniform from 1 B to
# 64 KiB (most pages are small) after the TLS record boundaries; the seed is fixed, so every run
# serves the same files. The large file comes first in the list of client 0 (AES128), and at
# long scale of client 1 (AES256) too.
head -c 73728 "$NGX/www/big.bin" | base64 -w0 |
	awk -v dir="$NGX" -v got="$GOT" -v n="$NSMALL" -v clients="$CLIENTS" -v port="$NGX_PORT" \
		-v big2="$(scaled 0 1)" '
	function get(k, name, out) {
		printf "url = \"https://tlsnic.test:%s/%s\"\noutput = \"%s\"\n", port, name, out \
			>(dir "/curl-" k ".cfg")
	}
	{ blob = $0 }
	END {
		if (length(blob) != 98304) exit 1
		split("1 2 16383 16384 16385 32768 65535 65536", edges, " ")
		srand(35)
		get(0, "big.bin", got "/big.bin")
		if (big2) get(1, "big.bin", got "-big256.bin")
		for (i = 0; i < n; i++) {
			size = ((i + 1) in edges) ? edges[i + 1] : int(2 ^ (16 * rand()))
			name = sprintf("s/%04d.bin", i)
			f = dir "/www/" name
			printf "%s", substr(blob, 1 + int(rand() * (98304 - size + 1)), size) >f
			close(f)
			get(i % clients, name, got "/" name)
		}
	}' || fail "cannot make the small files"

# nginx in the foreground (its master is $NGX_PID), its own pid file and logs in $NGX; a
# second error log at debug level (Debian's nginx is built --with-debug) records SSL_sendfile.
in_a nginx -p "$NGX/" -c "$NGX/nginx.conf" -g 'daemon off; error_log debug.log debug;' \
	>"$NGX/stdout.log" 2>&1 &
NGX_PID=$!
wait_listen "$NS_A" "$NGX_PORT" || { cat "$NGX/stdout.log" "$NGX/error.log" >&2; fail "nginx did not start"; }

c0=() c1=()
probes c0 "$NS_A:TlsTxDevice" "$NS_A:TlsTxSw" "$NS_A:TlsRxDevice" "$NS_A:TlsRxSw" \
	"$NS_A:tlsnic0:tx_tls_encrypted_packets" "$NS_A:tlsnic0:tx_tls_encrypted_bytes" \
	"$NS_A:tlsnic0:tx_tls_ctx"

# Four clients at once, each with up to 4 transfers in flight on keep-alive connections.
# Per transfer, curl writes the connections it opened for it and the status.
ciphers=(ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-ECDSA-AES256-GCM-SHA384)
pids=()
for ((k = 0; k < CLIENTS; k++)); do
	in_b curl -sS --parallel --parallel-max 4 --tlsv1.2 --tls-max 1.2 \
		--ciphers "${ciphers[k % 2]}" --cacert "$CERT" \
		--resolve "tlsnic.test:$NGX_PORT:$A4" --fail --max-time 300 \
		-w '%{num_connects} %{http_code}\n' -K "$NGX/curl-$k.cfg" \
		>"$NGX/curl-$k.out" 2>"$NGX/curl-$k.err" &
	pids+=($!)
done
for ((k = 0; k < CLIENTS; k++)); do
	wait "${pids[k]}" || { cat "$NGX/curl-$k.err" >&2; ethtool_all >&2; fail "curl client $k failed"; }
done

probes c1 "$NS_A:TlsTxDevice" "$NS_A:TlsTxSw" "$NS_A:TlsRxDevice" "$NS_A:TlsRxSw" \
	"$NS_A:tlsnic0:tx_tls_encrypted_packets" "$NS_A:tlsnic0:tx_tls_encrypted_bytes" \
	"$NS_A:tlsnic0:tx_tls_ctx"

# Every file intact: all of www/ against what the clients wrote (at long scale the large file
# twice).
diff -rq "$NGX/www" "$GOT" >&2 || fail "the files received differ from those served"
[ "$SCALE" != long ] || "$NSPROBE" cmp "$GOT-big256.bin" 0 "$NGX/www/big.bin" >&2 ||
	fail "big.bin (AES256) differs"

# Connections as curl counts them: the sum of num_connects over every transfer.
curl_conns=0 transfers=0
for ((k = 0; k < CLIENTS; k++)); do
	while read -r nc code; do
		[ "$code" = 200 ] || fail "client $k: a transfer ended with HTTP status $code"
		curl_conns=$((curl_conns + nc)) transfers=$((transfers + 1))
	done <"$NGX/curl-$k.out"
done
expect_eq "transfers" "$transfers" $((NSMALL + $(scaled 1 2)))

# Connections as nginx counts them (distinct $connection in the access log); each request TLS
# 1.2 with AES-GCM, status 200; body bytes summed.
declare -A conns=()
requests=0 body=0
while read -r conn _ proto cipher status bytes uri; do
	[ "$proto" = TLSv1.2 ] || fail "$uri: protocol $proto"
	[[ $cipher == ECDHE-ECDSA-AES*-GCM-SHA* ]] || fail "$uri: cipher $cipher"
	[ "$status" = 200 ] || fail "$uri: status $status"
	conns[$conn]=1
	requests=$((requests + 1)) body=$((body + bytes))
done <"$NGX/access.log"
expect_eq "requests in nginx's access log" "$requests" "$transfers"
expect_eq "connections (nginx's count)" "${#conns[@]}" "$curl_conns"
n=$curl_conns

dev=$((c1[0] - c0[0])) sw=$((c1[1] - c0[1])) rxdev=$((c1[2] - c0[2])) rxsw=$((c1[3] - c0[3]))
pkts=$((c1[4] - c0[4])) enc=$((c1[5] - c0[5])) ctx=$((c1[6] - c0[6]))
note "$requests requests, $body body bytes, $n connections (nginx and curl agree)"
note "server: TlsTxDevice +$dev TlsTxSw +$sw TlsRxDevice +$rxdev TlsRxSw +$rxsw"
note "tlsnic0: tx_tls_ctx +$ctx tx_tls_encrypted_packets +$pkts tx_tls_encrypted_bytes +$enc"
# Every connection is TLS 1.2 AES-GCM, so every one can be offloaded, and is.
expect_ge "TlsTxDevice delta" "$dev" "$n"
expect_eq "TlsTxSw delta" "$sw" 0
# nginx's kTLS is on for receiving too, and tlsnic0's RX offload is on.
expect_ge "TlsRxDevice delta" "$rxdev" "$n"
expect_eq "TlsRxSw delta" "$rxsw" 0
expect_ge "tx_tls_ctx delta" "$ctx" "$n"
expect_ge "tx_tls_encrypted_bytes delta" "$enc" "$body"
expect_ge "tx_tls_encrypted_packets delta" "$pkts" $((body / 65536))
expect_eq "tx_tls_drop_engine" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_engine)" 0
expect_eq "tx_tls_drop_bad_record" "$(ethstat "$NS_A" tlsnic0 tx_tls_drop_bad_record)" 0
engine_used "$NS_A" tlsnic0 tx "$n"

# nginx sent every body by SSL_sendfile, the small files' too (its debug log: one line per call,
# the bytes it sent), and logged no error (client disconnects are info-level, below the log's
# notice).
read -r sent ktls lines < <(awk '/SSL_sendfile: [0-9]/ { s += $NF } /BIO_get_ktls_send\(\): 1/ { k++ }
	END { print s + 0, k + 0, NR }' "$NGX/debug.log")
note "nginx: kTLS send on for $ktls connections, SSL_sendfile sent $sent bytes ($lines lines of debug log)"
expect_ge "connections with kTLS send (nginx's debug log)" "$ktls" "$n"
expect_eq "bytes sent by SSL_sendfile" "$sent" "$body"
for level in error crit alert emerg; do
	! file_has "$NGX/error.log" "[$level]" || { cat "$NGX/error.log" >&2; fail "nginx logged [$level]"; }
done

# A graceful stop (SIGQUIT to the master, whose pid is in its pid file: $NGX_PID is the shell
# that started it, and ignores SIGQUIT as a background job does).
read -r master <"$NGX/nginx.pid" || fail "no nginx.pid"
kill -QUIT "$master"
wait "$NGX_PID" || fail "nginx exited with status $?"
live_ctx_zero "$NS_A" tlsnic0
live_ctx_zero "$NS_B" tlsnic1
cleanup_netns
unload
