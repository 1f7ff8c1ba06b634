#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The TX and RX interop tests (11-tls-openssl, 18-tls-rx: OpenSSL s_server/s_client, software
# kTLS and userspace peers, both ciphers, write and sendfile, mixed peers, IPv6) once more with
# every device on the soft engine (module parameter engine=soft); each of them checks that its
# offloaded flows were counted on that engine and on no other (tx/rx_tls_engine_*). The rest of
# the suite runs on the default engine, kcrypto. /data is 1 MiB here (64 at long scale), and
# 18's IPv6 streams 512 KiB each: the point is that the soft engine serves every peer and path,
# which 64 full records per /data flow (and about fifty of random sizes per stream) show as
# well as the default run's 512 show it for kcrypto; each record is one engine operation (the
# soft engine costs the emulated debug guest about five times what kcrypto does per byte).
# shellcheck source=tests/guest/lib.sh
. "${0%/*}/lib.sh"

here=${0%/*}
for t in 11-tls-openssl 18-tls-rx; do
	TLSNIC_ENGINE=soft TLSNIC_WWW_MIB=$(scaled 1 64) bash "$here/$t.sh" ||
		fail "$t failed on the soft engine"
	note "$t passed on the soft engine"
done
