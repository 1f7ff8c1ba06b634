// SPDX-License-Identifier: GPL-2.0
/*
 * tlsnic C shim: the kernel crypto API: AEAD requests, synchronous skciphers,
 * shash descriptors, scatterlists.
 * Included by tlsnic_shim.c.
 */

struct aead_request *tlsnic_aead_request_alloc(struct crypto_aead *tfm, gfp_t gfp)
{
	return aead_request_alloc(tfm, gfp);
}

void tlsnic_aead_request_free(struct aead_request *req)
{
	aead_request_free(req);
}

/* Zeroes the implementation's part of an idle request (its __ctx: state of the last operation). */
void tlsnic_aead_request_wipe(struct aead_request *req)
{
	memzero_explicit(req->__ctx, crypto_aead_reqsize(crypto_aead_reqtfm(req)));
}

void tlsnic_aead_request_set_callback(struct aead_request *req,
				      void (*done)(void *data, int err), void *data)
{
	aead_request_set_callback(req, 0, done, data);
}

void tlsnic_aead_request_set_crypt(struct aead_request *req, struct scatterlist *src,
				   struct scatterlist *dst, unsigned int cryptlen, u8 *iv)
{
	aead_request_set_crypt(req, src, dst, cryptlen, iv);
}

void tlsnic_aead_request_set_ad(struct aead_request *req, unsigned int assoclen)
{
	aead_request_set_ad(req, assoclen);
}

void tlsnic_crypto_free_aead(struct crypto_aead *tfm)
{
	crypto_free_aead(tfm);
}

unsigned int tlsnic_crypto_aead_ivsize(struct crypto_aead *tfm)
{
	return crypto_aead_ivsize(tfm);
}

const char *tlsnic_crypto_aead_driver_name(struct crypto_aead *tfm)
{
	return crypto_tfm_alg_driver_name(crypto_aead_tfm(tfm));
}

void tlsnic_sg_set_buf(struct scatterlist *sg, const void *buf, unsigned int len)
{
	sg_set_buf(sg, buf, len);
}

void tlsnic_sg_set_page(struct scatterlist *sg, struct page *page, u32 len, u32 off)
{
	sg_set_page(sg, page, len, off);
}

void tlsnic_sg_mark_end(struct scatterlist *sg)
{
	sg_mark_end(sg);
}

int tlsnic_crypto_sync_skcipher_setkey(struct crypto_sync_skcipher *tfm, const u8 *key,
				       unsigned int keylen)
{
	return crypto_sync_skcipher_setkey(tfm, key, keylen);
}

void tlsnic_crypto_free_sync_skcipher(struct crypto_sync_skcipher *tfm)
{
	crypto_free_sync_skcipher(tfm);
}

const char *tlsnic_crypto_sync_skcipher_driver_name(struct crypto_sync_skcipher *tfm)
{
	return crypto_tfm_alg_driver_name(crypto_skcipher_tfm(&tfm->base));
}

unsigned int tlsnic_crypto_sync_skcipher_ivsize(struct crypto_sync_skcipher *tfm)
{
	return crypto_sync_skcipher_ivsize(tfm);
}

struct skcipher_request *tlsnic_sync_skcipher_request_alloc(struct crypto_sync_skcipher *tfm,
							    gfp_t gfp)
{
	return skcipher_request_alloc(&tfm->base, gfp);
}

void tlsnic_skcipher_request_set_callback(struct skcipher_request *req, u32 flags,
					  void (*done)(void *data, int err), void *data)
{
	skcipher_request_set_callback(req, flags, done, data);
}

void tlsnic_skcipher_request_free(struct skcipher_request *req)
{
	skcipher_request_free(req);
}

/* Zeroes the implementation's part of an idle request (its __ctx: state of the last operation). */
void tlsnic_skcipher_request_wipe(struct skcipher_request *req)
{
	memzero_explicit(req->__ctx,
			 crypto_skcipher_reqsize(crypto_skcipher_reqtfm(req)));
}

void tlsnic_skcipher_request_set_crypt(struct skcipher_request *req, struct scatterlist *src,
				       struct scatterlist *dst, unsigned int len, u8 *iv)
{
	skcipher_request_set_crypt(req, src, dst, len, iv);
}

void tlsnic_crypto_free_shash(struct crypto_shash *tfm)
{
	crypto_free_shash(tfm);
}

const char *tlsnic_crypto_shash_driver_name(struct crypto_shash *tfm)
{
	return crypto_shash_driver_name(tfm);
}

unsigned int tlsnic_crypto_shash_descsize(struct crypto_shash *tfm)
{
	return crypto_shash_descsize(tfm);
}

unsigned int tlsnic_crypto_shash_statesize(struct crypto_shash *tfm)
{
	return crypto_shash_statesize(tfm);
}

unsigned int tlsnic_crypto_shash_digestsize(struct crypto_shash *tfm)
{
	return crypto_shash_digestsize(tfm);
}

int tlsnic_crypto_shash_init(struct shash_desc *desc)
{
	return crypto_shash_init(desc);
}

bool tlsnic_crypto_simd_usable(void)
{
	return crypto_simd_usable();
}
