#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The TX and RX interop tests (11-tls-openssl, 18-tls-rx: OpenSSL s_server/s_client, software
# kTLS and userspace peers, both ciphers, write and sendfile, mixed peers, IPv6) once more with
# every device on the soft engine (module parameter engine=soft). The rest of the suite runs on
# the default engine, kcrypto.
. "$(dirname "$0")/lib.sh"

here=$(dirname "$0")
for t in 11-tls-openssl 18-tls-rx; do
	TLSNIC_ENGINE=soft bash "$here/$t.sh" || fail "$t failed on the soft engine"
	note "$t passed on the soft engine"
done
