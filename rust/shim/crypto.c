// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: The kernel crypto API: AEAD requests for transmit, ctr(aes) and ghash for the
 * receive engine.
 * Included by tlsnic_shim.c.
 */

struct aead_request *tlsnic_aead_request_alloc(struct crypto_aead *tfm)
{
	return aead_request_alloc(tfm, GFP_KERNEL);
}

void tlsnic_aead_request_free(struct aead_request *req)
{
	aead_request_free(req);
}

void tlsnic_crypto_free_aead(struct crypto_aead *tfm)
{
	crypto_free_aead(tfm);
}

void tlsnic_aead_request_setup(struct aead_request *req, struct scatterlist *src,
			       struct scatterlist *dst,
			       unsigned int assoclen, unsigned int cryptlen, u8 *iv,
			       void (*done)(void *data, int err), void *data)
{
	aead_request_set_callback(req, 0, done, data);
	aead_request_set_crypt(req, src, dst, cryptlen, iv);
	aead_request_set_ad(req, assoclen);
}

void tlsnic_sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int len)
{
	sg_set_buf(sg, buf, len);
}

void tlsnic_sg_mark_end(struct scatterlist *sg)
{
	sg_mark_end(sg);
}

const char *tlsnic_crypto_aead_driver_name(struct crypto_aead *tfm)
{
	return crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm));
}

/*
 * Kernel-crypto receive engine: AES-CTR keystream and GHASH from synchronous
 * transforms (ctr(aes), ghash), so that a record can be opened in pieces as
 * its frames arrive. Buffers given to tlsnic_ctr_xor() are never on the stack
 * (a scatterlist points at them).
 */
struct crypto_sync_skcipher *tlsnic_ctr_alloc(const u8 *key, unsigned int keylen)
{
	struct crypto_sync_skcipher *tfm = crypto_alloc_sync_skcipher("ctr(aes)", 0, 0);
	int err;

	if (IS_ERR(tfm))
		return tfm;
	err = crypto_sync_skcipher_setkey(tfm, key, keylen);
	if (err) {
		crypto_free_sync_skcipher(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

void tlsnic_ctr_free(struct crypto_sync_skcipher *tfm)
{
	crypto_free_sync_skcipher(tfm);
}

const char *tlsnic_ctr_driver_name(struct crypto_sync_skcipher *tfm)
{
	return crypto_tfm_alg_driver_name(crypto_skcipher_tfm(&tfm->base));
}

/* XORs the keystream from counter block iv (16 bytes, not modified) into buf. */
int tlsnic_ctr_xor(struct crypto_sync_skcipher *tfm, const u8 *iv, void *buf, unsigned int len)
{
	SYNC_SKCIPHER_REQUEST_ON_STACK(req, tfm);
	struct scatterlist sg;
	u8 ctr[16];
	int err;

	memcpy(ctr, iv, sizeof(ctr));
	sg_init_one(&sg, buf, len);
	skcipher_request_set_sync_tfm(req, tfm);
	skcipher_request_set_callback(req, 0, NULL, NULL);
	skcipher_request_set_crypt(req, &sg, &sg, len, ctr);
	err = crypto_skcipher_encrypt(req);
	skcipher_request_zero(req);
	memzero_explicit(ctr, sizeof(ctr));
	return err;
}

struct crypto_shash *tlsnic_ghash_alloc(const u8 *h)
{
	struct crypto_shash *tfm = crypto_alloc_shash("ghash", 0, 0);
	int err;

	if (IS_ERR(tfm))
		return tfm;
	err = crypto_shash_setkey(tfm, h, 16);
	if (err) {
		crypto_free_shash(tfm);
		return ERR_PTR(err);
	}
	return tfm;
}

void tlsnic_ghash_free(struct crypto_shash *tfm)
{
	crypto_free_shash(tfm);
}

const char *tlsnic_ghash_driver_name(struct crypto_shash *tfm)
{
	return crypto_shash_driver_name(tfm);
}

unsigned int tlsnic_ghash_statesize(struct crypto_shash *tfm)
{
	return crypto_shash_statesize(tfm);
}

/*
 * One GHASH step on exported state: start afresh (init) or from state, hash
 * data, and export the state again; or (out != NULL) finish into out.
 */
int tlsnic_ghash_step(struct crypto_shash *tfm, void *state, bool init, const u8 *data,
		      unsigned int len, u8 *out)
{
	SHASH_DESC_ON_STACK(desc, tfm);
	int err;

	desc->tfm = tfm;
	err = init ? crypto_shash_init(desc) : crypto_shash_import(desc, state);
	if (!err && len)
		err = crypto_shash_update(desc, data, len);
	if (!err)
		err = out ? crypto_shash_final(desc, out) : crypto_shash_export(desc, state);
	shash_desc_zero(desc);
	return err;
}

unsigned int tlsnic_crypto_aead_ivsize(struct crypto_aead *tfm)
{
	return crypto_aead_ivsize(tfm);
}
