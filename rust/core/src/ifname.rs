// SPDX-License-Identifier: GPL-2.0

//! Interface names of tlsnic pairs.
//!
//! A pair created with `ip link add NAME type tlsnic` gets a peer named `NAME-p` ([`PEER_SUFFIX`]).
//! A name template such as the default `tlsnic%d` is kept as it is for the peer, so the kernel
//! picks the next free number for each end.

/// Size of an interface name buffer including the trailing NUL (the kernel's `IFNAMSIZ`).
pub const IFNAMSIZ: usize = 16;

/// Suffix appended to a user-chosen name to name the peer.
pub const PEER_SUFFIX: &[u8] = b"-p";

/// Largest accepted value of the `pairs` module parameter.
pub const MAX_PAIRS: u32 = 64;

/// Why a peer name could not be derived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name (or the derived peer name) does not fit in [`IFNAMSIZ`] - 1 bytes.
    TooLong,
    /// The name holds a byte that interface names may not contain (`/`, `:`, whitespace, NUL).
    Invalid,
}

/// A NUL-terminated interface name, as the kernel stores it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct IfName {
    buf: [u8; IFNAMSIZ],
    len: usize,
}

impl IfName {
    /// Builds a name from `bytes` (without NUL), checking the kernel's rules for names.
    pub fn new(bytes: &[u8]) -> Result<Self, NameError> {
        if bytes.is_empty() {
            return Err(NameError::Empty);
        }
        if bytes.len() >= IFNAMSIZ {
            return Err(NameError::TooLong);
        }
        if bytes
            .iter()
            .any(|&b| b == b'/' || b == b':' || b == 0 || b.is_ascii_whitespace())
        {
            return Err(NameError::Invalid);
        }
        let mut buf = [0u8; IFNAMSIZ];
        buf[..bytes.len()].copy_from_slice(bytes);
        Ok(Self {
            buf,
            len: bytes.len(),
        })
    }

    /// The name without its NUL terminator.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The name including its NUL terminator (for C).
    pub fn as_bytes_with_nul(&self) -> &[u8] {
        &self.buf[..=self.len]
    }

    /// Whether the name is a template (`%d`) that the kernel completes when registering.
    pub fn is_template(&self) -> bool {
        self.as_bytes().contains(&b'%')
    }
}

impl core::fmt::Debug for IfName {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for &b in self.as_bytes() {
            write!(f, "{}", b as char)?;
        }
        Ok(())
    }
}

/// Derives the peer's name from the name of the first end of a pair.
///
/// The name is given as the kernel holds it: a NUL-padded buffer of at most [`IFNAMSIZ`] bytes,
/// or a plain byte string.
pub fn peer_name(name: &[u8]) -> Result<IfName, NameError> {
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    let name = IfName::new(&name[..end])?;
    if name.is_template() {
        return Ok(name);
    }
    let len = name.len + PEER_SUFFIX.len();
    if len >= IFNAMSIZ {
        return Err(NameError::TooLong);
    }
    let mut buf = name.buf;
    buf[name.len..len].copy_from_slice(PEER_SUFFIX);
    Ok(IfName { buf, len })
}

/// Checks the `pairs` module parameter.
pub fn pairs_valid(pairs: u32) -> bool {
    pairs <= MAX_PAIRS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_name_gets_suffix() {
        assert_eq!(peer_name(b"tls0").unwrap().as_bytes(), b"tls0-p");
        assert_eq!(peer_name(b"tls0").unwrap().as_bytes_with_nul(), b"tls0-p\0");
    }

    #[test]
    fn kernel_buffer_with_padding() {
        let mut buf = [0u8; IFNAMSIZ];
        buf[..3].copy_from_slice(b"abc");
        assert_eq!(peer_name(&buf).unwrap().as_bytes(), b"abc-p");
    }

    #[test]
    fn template_is_kept() {
        let p = peer_name(b"tlsnic%d").unwrap();
        assert!(p.is_template());
        assert_eq!(p.as_bytes(), b"tlsnic%d");
    }

    #[test]
    fn length_limits() {
        // 13 + 2 = 15 bytes: the longest name that still fits.
        assert_eq!(
            peer_name(b"abcdefghijklm").unwrap().as_bytes(),
            b"abcdefghijklm-p"
        );
        assert_eq!(peer_name(b"abcdefghijklmn"), Err(NameError::TooLong));
        assert_eq!(peer_name(b"abcdefghijklmnop"), Err(NameError::TooLong));
        for len in 0..40usize {
            let name = [b'x'; 40];
            let r = peer_name(&name[..len]);
            match len {
                0 => assert_eq!(r, Err(NameError::Empty)),
                1..=13 => assert_eq!(r.unwrap().as_bytes().len(), len + 2),
                _ => assert_eq!(r, Err(NameError::TooLong)),
            }
        }
    }

    #[test]
    fn invalid_bytes() {
        assert_eq!(peer_name(b""), Err(NameError::Empty));
        assert_eq!(peer_name(b"\0abc"), Err(NameError::Empty));
        assert_eq!(peer_name(b"a/b"), Err(NameError::Invalid));
        assert_eq!(peer_name(b"a:b"), Err(NameError::Invalid));
        assert_eq!(peer_name(b"a b"), Err(NameError::Invalid));
    }

    #[test]
    fn pairs_bounds() {
        assert!(pairs_valid(0));
        assert!(pairs_valid(1));
        assert!(pairs_valid(MAX_PAIRS));
        assert!(!pairs_valid(MAX_PAIRS + 1));
        assert!(!pairs_valid(u32::MAX));
    }
}
