// SPDX-License-Identifier: GPL-2.0

//! Crypto engine selection: what a write to `/sys/class/net/DEV/tlsnic/engine` (or the `engine`
//! module parameter) means.
//!
//! Two engines do the device's AES-GCM record work:
//!
//! - `soft`: the device model's own crypto block, [`super::gcm`] (constant time, no FPU);
//! - `kcrypto`: passthrough to the kernel crypto API. Transmit seals whole records with an AEAD
//!   transform, `gcm(aes)` unless another algorithm name follows (`kcrypto cryptd(gcm(aes))`
//!   forces the asynchronous path, for instance). Receive opens records piecewise with the
//!   kernel's `ctr(aes)` and `ghash`.
//!
//! A write is one line, `soft`, `kcrypto` or `kcrypto ALG`. Only flows set up afterwards use the
//! new choice.

use super::policy::attr_line;

/// Longest algorithm name (`CRYPTO_MAX_ALG_NAME` includes the terminating NUL).
pub const MAX_ALG: usize = 127;

/// The transmit algorithm of `kcrypto` when none is named.
pub const DEFAULT_ALG: &[u8] = b"gcm(aes)";

/// A parsed engine choice.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum Spec<'a> {
    /// The built-in soft engine.
    Soft,
    /// The kernel crypto API, with this AEAD algorithm name for transmit.
    Kcrypto(&'a [u8]),
}

/// Why a write was refused (`EINVAL`, or `ENAMETOOLONG` for [`BadSpec::TooLong`]).
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum BadSpec {
    /// Neither `soft` nor `kcrypto`.
    UnknownEngine,
    /// `soft` takes no argument; `kcrypto` takes at most one.
    Arguments,
    /// The algorithm name has a byte no crypto algorithm name has.
    BadByte,
    /// The algorithm name is longer than [`MAX_ALG`].
    TooLong,
}

impl<'a> Spec<'a> {
    /// Parses the bytes written (one trailing newline and one trailing NUL are dropped, as in
    /// `policy`). Words are separated by single spaces.
    pub fn parse(input: &'a [u8]) -> Result<Self, BadSpec> {
        let line = attr_line(input);
        let mut words = line.split(|&b| b == b' ');
        let engine = words.next().unwrap_or_default();
        let arg = words.next();
        if words.next().is_some() {
            return Err(BadSpec::Arguments);
        }
        match (engine, arg) {
            (b"soft", None) => Ok(Spec::Soft),
            (b"soft", Some(_)) => Err(BadSpec::Arguments),
            (b"kcrypto", None) => Ok(Spec::Kcrypto(DEFAULT_ALG)),
            (b"kcrypto", Some(alg)) => {
                if alg.is_empty() {
                    return Err(BadSpec::Arguments);
                }
                if alg.len() > MAX_ALG {
                    return Err(BadSpec::TooLong);
                }
                if !alg.iter().all(|&b| alg_byte(b)) {
                    return Err(BadSpec::BadByte);
                }
                Ok(Spec::Kcrypto(alg))
            }
            _ => Err(BadSpec::UnknownEngine),
        }
    }
}

/// Bytes of crypto algorithm and driver names: `gcm_base(ctr(aes-aesni),ghash-generic)`.
fn alg_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'(' | b')' | b',' | b'-' | b'_' | b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engines() {
        assert_eq!(Spec::parse(b"soft\n"), Ok(Spec::Soft));
        assert_eq!(Spec::parse(b"soft"), Ok(Spec::Soft));
        assert_eq!(Spec::parse(b"kcrypto\n"), Ok(Spec::Kcrypto(b"gcm(aes)")));
        assert_eq!(
            Spec::parse(b"kcrypto cryptd(gcm(aes))\n\0"),
            Ok(Spec::Kcrypto(b"cryptd(gcm(aes))"))
        );
        assert_eq!(
            Spec::parse(b"kcrypto gcm_base(ctr(aes-generic),ghash-generic)"),
            Ok(Spec::Kcrypto(b"gcm_base(ctr(aes-generic),ghash-generic)"))
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(Spec::parse(b""), Err(BadSpec::UnknownEngine));
        assert_eq!(Spec::parse(b"\n"), Err(BadSpec::UnknownEngine));
        assert_eq!(Spec::parse(b"hard\n"), Err(BadSpec::UnknownEngine));
        assert_eq!(Spec::parse(b"Soft"), Err(BadSpec::UnknownEngine));
        assert_eq!(Spec::parse(b" soft"), Err(BadSpec::UnknownEngine));
        assert_eq!(Spec::parse(b"soft x"), Err(BadSpec::Arguments));
        assert_eq!(Spec::parse(b"kcrypto "), Err(BadSpec::Arguments));
        assert_eq!(Spec::parse(b"kcrypto a b"), Err(BadSpec::Arguments));
        assert_eq!(Spec::parse(b"kcrypto gcm(aes)\n\n"), Err(BadSpec::BadByte));
        assert_eq!(Spec::parse(b"kcrypto gcm(aes)\0x"), Err(BadSpec::BadByte));
        assert_eq!(Spec::parse(b"kcrypto gcm/aes"), Err(BadSpec::BadByte));
        let mut long = b"kcrypto ".to_vec();
        long.extend([b'a'; MAX_ALG]);
        assert!(Spec::parse(&long).is_ok());
        long.push(b'a');
        assert_eq!(Spec::parse(&long), Err(BadSpec::TooLong));
    }
}
