// SPDX-License-Identifier: GPL-2.0

//! TLS 1.2 AES-GCM record framing, as a kTLS offload device sees it.
//!
//! On transmit the kernel's `tls` ULP lays every record out in the TCP stream exactly as it will
//! appear on the wire, with the payload still in clear and a placeholder for the tag:
//!
//! ```text
//!  0      5            13                        len-16     len
//!  | hdr  | explicit   | plaintext (becomes      | tag      |
//!  |      | nonce      |  ciphertext)            | (filled) |
//! ```
//!
//! The device replaces the plaintext by the ciphertext and fills the tag. This file holds the
//! arithmetic: parsing and validating the `crypto_info` the socket handed over ([`FlowKeys`]),
//! checking a record's header ([`RecordHeader`]), building the nonce and the additional data, and
//! mapping TCP sequence numbers onto record offsets with wrap-around ([`seq_before`],
//! [`Span`]). The key lives in a [`Secret`], which is zeroed when it is dropped.

use core::ffi::CStr;
use core::fmt;

/// `TLS_1_2_VERSION` as carried in `tls_crypto_info.version` and in record headers.
pub const TLS_1_2_VERSION: u16 = 0x0303;
/// `TLS_1_3_VERSION`.
pub const TLS_1_3_VERSION: u16 = 0x0304;
/// `TLS_CIPHER_AES_GCM_128`.
pub const CIPHER_AES_GCM_128: u16 = 51;
/// `TLS_CIPHER_AES_GCM_256`.
pub const CIPHER_AES_GCM_256: u16 = 52;

/// Record header: content type, version, length.
pub const HEADER_LEN: usize = 5;
/// The explicit (per-record) part of the GCM nonce, sent after the header.
pub const EXPLICIT_NONCE_LEN: usize = 8;
/// The implicit part of the nonce (`salt`), from the handshake.
pub const SALT_LEN: usize = 4;
/// GCM tag.
pub const TAG_LEN: usize = 16;
/// Header plus explicit nonce: what precedes the ciphertext.
pub const PREPEND_LEN: usize = HEADER_LEN + EXPLICIT_NONCE_LEN;
/// Bytes a record adds to its plaintext.
pub const OVERHEAD: usize = PREPEND_LEN + TAG_LEN;
/// Largest plaintext of a TLS record (2^14).
pub const MAX_PLAINTEXT: usize = 1 << 14;
/// Largest record the device accepts: plaintext plus overhead.
pub const MAX_RECORD: usize = MAX_PLAINTEXT + OVERHEAD;
/// Additional authenticated data: sequence number, type, version, plaintext length.
pub const AAD_LEN: usize = 13;
/// Full GCM nonce: salt followed by the explicit nonce.
pub const NONCE_LEN: usize = SALT_LEN + EXPLICIT_NONCE_LEN;

/// `sizeof(struct tls_crypto_info)`: version and cipher type.
pub const CRYPTO_INFO_HEADER_LEN: usize = 4;
/// `sizeof(struct tls12_crypto_info_aes_gcm_128)`.
pub const CRYPTO_INFO_AES_GCM_128_LEN: usize = CRYPTO_INFO_HEADER_LEN + 8 + 16 + 4 + 8;
/// `sizeof(struct tls12_crypto_info_aes_gcm_256)`.
pub const CRYPTO_INFO_AES_GCM_256_LEN: usize = CRYPTO_INFO_HEADER_LEN + 8 + 32 + 4 + 8;

/// Why a flow cannot be offloaded. Every variant maps to `-EOPNOTSUPP` or `-EINVAL` in the
/// module, after which the kernel keeps the socket on software kTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    /// Not TLS 1.2 (the only version the 6.12 device offload path hands to drivers).
    Version(u16),
    /// Not AES-GCM-128 or AES-GCM-256.
    Cipher(u16),
    /// The structure is shorter than its cipher's layout.
    Truncated,
}

impl fmt::Display for Reject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reject::Version(v) => write!(f, "unsupported TLS version {v:#06x}"),
            Reject::Cipher(c) => write!(f, "unsupported cipher {c}"),
            Reject::Truncated => write!(f, "truncated crypto_info"),
        }
    }
}

/// Key bytes, zeroed when dropped. Neither `Debug` nor `Display` reveal the contents.
pub struct Secret<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Secret<N> {
    /// Copies `src` (at most `N` bytes) into a new secret.
    pub fn new(src: &[u8]) -> Option<Self> {
        if src.len() > N {
            return None;
        }
        let mut bytes = [0u8; N];
        bytes[..src.len()].copy_from_slice(src);
        Some(Self {
            bytes,
            len: src.len(),
        })
    }

    /// The key bytes.
    pub fn expose(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Overwrites the bytes with zeros in a way the optimiser keeps.
    pub fn wipe(&mut self) {
        wipe(&mut self.bytes);
        self.len = 0;
    }
}

impl<const N: usize> Drop for Secret<N> {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl<const N: usize> fmt::Debug for Secret<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes)", self.len)
    }
}

/// Zeroes `buf` with volatile-equivalent semantics: every byte is written through a
/// `black_box`ed reference so the stores cannot be elided as dead.
pub fn wipe(buf: &mut [u8]) {
    for b in buf.iter_mut() {
        *b = 0;
    }
    core::hint::black_box(&mut *buf);
    core::sync::atomic::compiler_fence(core::sync::atomic::Ordering::SeqCst);
}

/// The implicit part of a flow's nonce. Zeroed when dropped; `Debug` does not show it.
#[derive(Clone, Default)]
pub struct Salt([u8; SALT_LEN]);

impl Salt {
    /// The salt bytes.
    pub fn bytes(&self) -> &[u8; SALT_LEN] {
        &self.0
    }

    /// Overwrites the bytes with zeros (also done on drop).
    pub fn wipe(&mut self) {
        wipe(&mut self.0);
    }
}

impl Drop for Salt {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl fmt::Debug for Salt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Salt(..)")
    }
}

/// AES key size of a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySize {
    /// AES-128-GCM.
    Aes128,
    /// AES-256-GCM.
    Aes256,
}

/// What a TLS 1.2 AES-GCM flow needs from its `crypto_info`.
///
/// Dropping it zeroes the key, the salt and the initial nonce; `Debug` shows neither.
pub struct FlowKeys {
    /// AES key size.
    pub size: KeySize,
    /// The AES key.
    pub key: Secret<32>,
    /// Implicit nonce part.
    pub salt: Salt,
    /// The initial explicit nonce the socket was given (informational: on transmit the kernel
    /// writes each record's explicit nonce into the stream).
    pub iv: [u8; EXPLICIT_NONCE_LEN],
    /// Sequence number of the first record.
    pub rec_seq: u64,
}

impl FlowKeys {
    /// Zeroes the key, the salt and the initial nonce (also done on drop).
    pub fn wipe(&mut self) {
        self.key.wipe();
        self.salt.wipe();
        wipe(&mut self.iv);
    }
}

impl Drop for FlowKeys {
    fn drop(&mut self) {
        self.wipe();
    }
}

impl fmt::Debug for FlowKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowKeys")
            .field("size", &self.size)
            .field("key", &self.key)
            .field("rec_seq", &self.rec_seq)
            .finish_non_exhaustive()
    }
}

/// Version and cipher type, in host order, from the first four bytes of a `tls_crypto_info`.
pub fn crypto_info_ids(raw: &[u8]) -> Result<(u16, u16), Reject> {
    if raw.len() < CRYPTO_INFO_HEADER_LEN {
        return Err(Reject::Truncated);
    }
    Ok((
        u16::from_ne_bytes([raw[0], raw[1]]),
        u16::from_ne_bytes([raw[2], raw[3]]),
    ))
}

/// The name of cipher type `cipher` (`TLS_CIPHER_*` in `include/uapi/linux/tls.h`) as the flows
/// view and the tracepoints show it: `aes-gcm-128` for 51; `unknown` for a number the kernel
/// does not define. A C string, for the tracepoints.
pub fn cipher_name(cipher: u16) -> &'static CStr {
    match cipher {
        CIPHER_AES_GCM_128 => c"aes-gcm-128",
        CIPHER_AES_GCM_256 => c"aes-gcm-256",
        53 => c"aes-ccm-128",
        54 => c"chacha20-poly1305",
        55 => c"sm4-gcm",
        56 => c"sm4-ccm",
        57 => c"aria-gcm-128",
        58 => c"aria-gcm-256",
        _ => c"unknown",
    }
}

/// How many bytes of `tls_crypto_info` to read for `cipher` (0 for ciphers the device rejects).
pub fn crypto_info_len(cipher: u16) -> usize {
    match cipher {
        CIPHER_AES_GCM_128 => CRYPTO_INFO_AES_GCM_128_LEN,
        CIPHER_AES_GCM_256 => CRYPTO_INFO_AES_GCM_256_LEN,
        _ => CRYPTO_INFO_HEADER_LEN,
    }
}

impl FlowKeys {
    /// Parses and validates the raw `struct tls12_crypto_info_aes_gcm_{128,256}` bytes.
    ///
    /// Layout after the 4-byte header: `iv[8]`, `key[16|32]`, `salt[4]`, `rec_seq[8]`
    /// (big-endian record number).
    pub fn parse(raw: &[u8]) -> Result<Self, Reject> {
        let (version, cipher) = crypto_info_ids(raw)?;
        if version != TLS_1_2_VERSION {
            return Err(Reject::Version(version));
        }
        let (size, key_len) = match cipher {
            CIPHER_AES_GCM_128 => (KeySize::Aes128, 16),
            CIPHER_AES_GCM_256 => (KeySize::Aes256, 32),
            other => return Err(Reject::Cipher(other)),
        };
        if raw.len() < crypto_info_len(cipher) {
            return Err(Reject::Truncated);
        }
        let body = &raw[CRYPTO_INFO_HEADER_LEN..];
        let (iv, rest) = body.split_at(EXPLICIT_NONCE_LEN);
        let (key, rest) = rest.split_at(key_len);
        let (salt, rest) = rest.split_at(SALT_LEN);
        let rec_seq = &rest[..8];
        let mut out = FlowKeys {
            size,
            key: Secret::new(key).ok_or(Reject::Truncated)?,
            salt: Salt::default(),
            iv: [0; EXPLICIT_NONCE_LEN],
            rec_seq: 0,
        };
        out.salt.0.copy_from_slice(salt);
        out.iv.copy_from_slice(iv);
        let mut seq = [0u8; 8];
        seq.copy_from_slice(rec_seq);
        out.rec_seq = u64::from_be_bytes(seq);
        Ok(out)
    }
}

/// A record header that passed the device's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordHeader {
    /// Content type (application data, alert, handshake...).
    pub content_type: u8,
    /// Plaintext bytes in the record.
    pub plaintext_len: usize,
}

/// Why a record laid out by the kernel cannot be processed; the packet is dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordError {
    /// Shorter than its overhead or longer than [`MAX_RECORD`].
    Length,
    /// The header's version is not TLS 1.2.
    Version,
    /// The header's length field disagrees with the record's extent in the stream.
    HeaderLength,
}

impl RecordHeader {
    /// Checks the first [`HEADER_LEN`] bytes of a record whose total length in the TCP stream is
    /// `record_len`.
    pub fn parse(hdr: &[u8], record_len: usize) -> Result<Self, RecordError> {
        if !(OVERHEAD..=MAX_RECORD).contains(&record_len) || hdr.len() < HEADER_LEN {
            return Err(RecordError::Length);
        }
        if u16::from_be_bytes([hdr[1], hdr[2]]) != TLS_1_2_VERSION {
            return Err(RecordError::Version);
        }
        if usize::from(u16::from_be_bytes([hdr[3], hdr[4]])) != record_len - HEADER_LEN {
            return Err(RecordError::HeaderLength);
        }
        Ok(Self {
            content_type: hdr[0],
            plaintext_len: record_len - OVERHEAD,
        })
    }

    /// The additional data GCM authenticates for record number `rcd_sn`.
    pub fn aad(&self, rcd_sn: u64) -> [u8; AAD_LEN] {
        let mut aad = [0u8; AAD_LEN];
        aad[..8].copy_from_slice(&rcd_sn.to_be_bytes());
        aad[8] = self.content_type;
        aad[9..11].copy_from_slice(&TLS_1_2_VERSION.to_be_bytes());
        // `parse` bounds plaintext_len to MAX_PLAINTEXT, which fits in 16 bits.
        aad[11..13].copy_from_slice(&(self.plaintext_len as u16).to_be_bytes());
        aad
    }
}

/// The GCM nonce of a record: the flow's salt followed by the record's explicit nonce (bytes
/// 5..13 of the record).
pub fn nonce(salt: &[u8; SALT_LEN], explicit: &[u8]) -> [u8; NONCE_LEN] {
    let mut n = [0u8; NONCE_LEN];
    n[..SALT_LEN].copy_from_slice(salt);
    let k = explicit.len().min(EXPLICIT_NONCE_LEN);
    n[SALT_LEN..SALT_LEN + k].copy_from_slice(&explicit[..k]);
    n
}

/// `before(a, b)` of TCP: `a` precedes `b` in sequence space (mod 2^32).
pub fn seq_before(a: u32, b: u32) -> bool {
    (a.wrapping_sub(b) as i32) < 0
}

/// A contiguous run of TCP sequence space: `[start, start + len)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    /// First sequence number.
    pub start: u32,
    /// Length in bytes.
    pub len: u32,
}

impl Span {
    /// One past the last sequence number.
    pub fn end(&self) -> u32 {
        self.start.wrapping_add(self.len)
    }

    /// Whether `seq` lies inside the span.
    pub fn contains(&self, seq: u32) -> bool {
        seq.wrapping_sub(self.start) < self.len
    }

    /// Offset of `seq` from the start; only meaningful when [`Span::contains`] holds.
    pub fn offset_of(&self, seq: u32) -> u32 {
        seq.wrapping_sub(self.start)
    }

    /// How many bytes from `seq` (inside the span) to the end of the span, capped at `want`.
    pub fn take_from(&self, seq: u32, want: u32) -> u32 {
        (self.len - self.offset_of(seq)).min(want)
    }
}

/// Where a segment stands relative to the offload's start marker: everything before the
/// marker was encrypted in software before the device took over and must pass untouched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkerCheck {
    /// The whole segment precedes the marker: send it as it is.
    Bypass,
    /// The segment straddles the marker: it mixes software-encrypted and plaintext-for-device
    /// bytes, which the device cannot handle; drop it (TCP retransmits).
    Mixed,
}

/// Classifies a segment `[seq, seq + len)` against a start marker at `marker_seq`.
pub fn check_marker(seq: u32, len: u32, marker_seq: u32) -> MarkerCheck {
    if !seq_before(marker_seq, seq.wrapping_add(len)) {
        MarkerCheck::Bypass
    } else {
        MarkerCheck::Mixed
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::format;

    #[test]
    fn cipher_names() {
        assert_eq!(cipher_name(CIPHER_AES_GCM_128), c"aes-gcm-128");
        assert_eq!(cipher_name(CIPHER_AES_GCM_256), c"aes-gcm-256");
        assert_eq!(cipher_name(54), c"chacha20-poly1305");
        assert_eq!(cipher_name(0), c"unknown");
        assert_eq!(cipher_name(59), c"unknown");
    }

    fn info(version: u16, cipher: u16, key_len: usize) -> [u8; 64] {
        let mut raw = [0u8; 64];
        raw[0..2].copy_from_slice(&version.to_ne_bytes());
        raw[2..4].copy_from_slice(&cipher.to_ne_bytes());
        for (i, b) in raw[4..].iter_mut().enumerate() {
            *b = i as u8;
        }
        // rec_seq = 7
        let seq_off = 4 + 8 + key_len + 4;
        raw[seq_off..seq_off + 8].copy_from_slice(&7u64.to_be_bytes());
        raw
    }

    #[test]
    fn parses_aes128_and_aes256() {
        let raw = info(TLS_1_2_VERSION, CIPHER_AES_GCM_128, 16);
        let k = FlowKeys::parse(&raw[..CRYPTO_INFO_AES_GCM_128_LEN]).unwrap();
        assert_eq!(k.size, KeySize::Aes128);
        assert_eq!(k.key.expose().len(), 16);
        assert_eq!(k.key.expose()[0], 8); // after iv[8]
        assert_eq!(k.salt.bytes(), &[24, 25, 26, 27]);
        assert_eq!(k.rec_seq, 7);
        let raw = info(TLS_1_2_VERSION, CIPHER_AES_GCM_256, 32);
        let k = FlowKeys::parse(&raw[..CRYPTO_INFO_AES_GCM_256_LEN]).unwrap();
        assert_eq!(k.size, KeySize::Aes256);
        assert_eq!(k.key.expose().len(), 32);
        assert_eq!(k.salt.bytes(), &[40, 41, 42, 43]);
        assert_eq!(k.rec_seq, 7);
    }

    #[test]
    fn rejects_bad_input() {
        let raw = info(TLS_1_3_VERSION, CIPHER_AES_GCM_128, 16);
        assert_eq!(
            FlowKeys::parse(&raw).unwrap_err(),
            Reject::Version(TLS_1_3_VERSION)
        );
        let raw = info(TLS_1_2_VERSION, 54, 16); // ChaCha20-Poly1305
        assert_eq!(FlowKeys::parse(&raw).unwrap_err(), Reject::Cipher(54));
        let raw = info(TLS_1_2_VERSION, CIPHER_AES_GCM_256, 32);
        for n in 0..CRYPTO_INFO_AES_GCM_256_LEN {
            assert!(FlowKeys::parse(&raw[..n]).is_err(), "len {n}");
        }
        assert_eq!(crypto_info_len(0), CRYPTO_INFO_HEADER_LEN);
        assert_eq!(crypto_info_len(0xffff), CRYPTO_INFO_HEADER_LEN);
    }

    #[test]
    fn flow_keys_are_wiped_and_not_printed() {
        let mut raw = info(TLS_1_2_VERSION, CIPHER_AES_GCM_256, 32);
        let n = raw.len();
        raw[4..n].fill(0xA5);
        let mut keys = FlowKeys::parse(&raw).unwrap();
        let shown = format!("{keys:?}").to_lowercase();
        assert!(!shown.contains("a5") && !shown.contains("165"), "{shown}");
        assert!(keys.key.expose().iter().all(|&b| b == 0xA5));
        // What `Drop` does.
        keys.wipe();
        assert!(keys
            .key
            .bytes
            .iter()
            .chain(keys.salt.bytes())
            .chain(&keys.iv)
            .all(|&b| b == 0));
    }

    #[test]
    fn salt_is_wiped_and_not_printed() {
        let mut salt = Salt([0xA5; SALT_LEN]);
        let copy = salt.clone();
        assert_eq!(format!("{salt:?}"), "Salt(..)");
        // What `Drop` does.
        salt.wipe();
        assert_eq!(salt.bytes(), &[0; SALT_LEN]);
        assert_eq!(copy.bytes(), &[0xA5; SALT_LEN]);
    }

    #[test]
    fn secret_is_wiped_and_not_printed() {
        let mut s = Secret::<32>::new(&[0xAA; 16]).unwrap();
        let shown = format!("{s:?}");
        assert!(!shown.contains("170") && !shown.to_lowercase().contains("aa"));
        s.wipe();
        assert!(s.expose().is_empty());
        assert!(s.bytes.iter().all(|&b| b == 0));
        assert!(Secret::<4>::new(&[1; 5]).is_none());
    }

    #[test]
    fn header_checks() {
        let len = 100usize;
        let hdr = [23, 3, 3, 0, (len - 5) as u8];
        let h = RecordHeader::parse(&hdr, len).unwrap();
        assert_eq!(h.plaintext_len, len - OVERHEAD);
        assert_eq!(
            RecordHeader::parse(&hdr, len + 1),
            Err(RecordError::HeaderLength)
        );
        assert_eq!(
            RecordHeader::parse(&[23, 3, 4, 0, 95], len),
            Err(RecordError::Version)
        );
        assert_eq!(
            RecordHeader::parse(&hdr, OVERHEAD - 1),
            Err(RecordError::Length)
        );
        assert_eq!(
            RecordHeader::parse(&hdr, MAX_RECORD + 1),
            Err(RecordError::Length)
        );
        let aad = h.aad(0x0102_0304_0506_0708);
        assert_eq!(
            aad,
            [1, 2, 3, 4, 5, 6, 7, 8, 23, 3, 3, 0, (len - OVERHEAD) as u8]
        );
    }

    #[test]
    fn sequence_space_wraps() {
        assert!(seq_before(u32::MAX, 0));
        assert!(!seq_before(0, u32::MAX));
        let s = Span {
            start: u32::MAX - 9,
            len: 20,
        };
        assert!(s.contains(u32::MAX));
        assert!(s.contains(5));
        assert!(!s.contains(10));
        assert_eq!(s.offset_of(3), 13);
        assert_eq!(s.take_from(3, 100), 7);
        assert_eq!(s.take_from(3, 2), 2);
        assert_eq!(s.end(), 10);
        assert_eq!(check_marker(u32::MAX - 5, 6, 0), MarkerCheck::Bypass);
        assert_eq!(check_marker(u32::MAX - 5, 7, 0), MarkerCheck::Mixed);
    }

    #[test]
    fn nonce_layout() {
        let n = nonce(&[1, 2, 3, 4], &[5, 6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(n, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    }
}
