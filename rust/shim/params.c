// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: The module parameters (the module! macro of 6.12 cannot declare them).
 * Included by tlsnic_shim.c.
 */

unsigned int tlsnic_param_pairs = 1;
module_param_named(pairs, tlsnic_param_pairs, uint, 0444);
MODULE_PARM_DESC(pairs, "Number of linked tlsnic pairs created at load (0-64, default 1)");

char *tlsnic_param_engine = "kcrypto";
module_param_named(engine, tlsnic_param_engine, charp, 0444);
MODULE_PARM_DESC(engine, "Crypto engine of new devices: soft, kcrypto or \"kcrypto ALG\", then optionally cpus=LIST for the crypto block (default kcrypto)");

char *tlsnic_param_resync = "next-hint";
module_param_named(resync, tlsnic_param_resync, charp, 0444);
MODULE_PARM_DESC(resync, "RX resync mode of new devices: next-hint, driver-req or driver-req-async (default next-hint)");

char *tlsnic_param_tx_resync = "rebuild";
module_param_named(tx_resync, tlsnic_param_tx_resync, charp, 0444);
MODULE_PARM_DESC(tx_resync, "TX resync mode of new devices: rebuild or request (default rebuild)");

unsigned int tlsnic_param_key_contexts = 64;
module_param_named(key_contexts, tlsnic_param_key_contexts, uint, 0444);
MODULE_PARM_DESC(key_contexts, "Idle kernel-engine key contexts a device keeps per direction for new flows (0 keeps none, default 64)");
