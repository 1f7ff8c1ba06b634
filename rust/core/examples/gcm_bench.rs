// SPDX-License-Identifier: GPL-2.0

//! Throughput of the soft AES-GCM engine against RustCrypto's `aes-gcm`, sealing 16 KiB records.
//!
//! Run it with RustCrypto forced onto its portable, constant-time software backends (no AES-NI,
//! no PCLMULQDQ), which is what the soft engine is measured against:
//!
//! ```text
//! cd rust/core
//! RUSTFLAGS="--cfg aes_force_soft --cfg polyval_force_soft" cargo run --release --example gcm_bench
//! ```
//!
//! Without those flags RustCrypto picks its backends at run time (AES-NI and CLMUL when the CPU
//! has them). `scripts/bench-host.sh` runs both builds, each in its own target directory.
//!
//! Arguments choose what to measure: `soft`, `rustcrypto`, or both (the default). The output is
//! one `key=value` line per figure, for AES-128 and AES-256 (`128`, `256`):
//!
//! ```text
//! soft_gcm128_MBps=…                  the soft engine
//! rustcrypto_soft_gcm128_MBps=…       RustCrypto; its backend in the key: `soft` (portable),
//!                                     `ni` (AES-NI and CLMUL) or `auto` (run-time choice, not x86)
//! soft_vs_rustcrypto_soft_128=…       soft engine's throughput over RustCrypto's (when both run)
//! ```
//!
//! Each figure is the best of several timed runs of about half a second; MB/s means 10^6 bytes of
//! payload per second. A ratio of 0.5 means the soft engine takes twice as long per byte.

use std::hint::black_box;
use std::time::{Duration, Instant};

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes128Gcm, Aes256Gcm, Nonce};
use tlsnic_core::gcm::Gcm;

/// Payload bytes of one record (the largest TLS record).
const RECORD: usize = 16 * 1024;

/// Timed runs per figure; the best one is reported.
const RUNS: usize = 5;

/// Length of one timed run.
const RUN_TIME: Duration = Duration::from_millis(500);

/// RustCrypto's backend, as it appears in the output keys.
//
// The two cfgs are the `aes` and `polyval` crates' own; this crate only reads them, so it does
// not declare them, and `unexpected_cfgs` would flag them.
#[allow(unexpected_cfgs)]
fn reference_backend() -> &'static str {
    if cfg!(all(aes_force_soft, polyval_force_soft)) {
        "soft"
    } else if cfg!(not(any(target_arch = "x86", target_arch = "x86_64"))) {
        "auto"
    } else if has_ni() {
        "ni"
    } else {
        "soft"
    }
}

/// Whether the CPU has what the `aes` and `polyval` crates check before they use AES-NI and
/// CLMUL.
#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn has_ni() -> bool {
    std::is_x86_feature_detected!("aes") && std::is_x86_feature_detected!("pclmulqdq")
}

#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
fn has_ni() -> bool {
    false
}

/// Best throughput of `seal`, called on one record after another, in MB/s.
fn measure(mut seal: impl FnMut(&[u8; 12], &mut [u8])) -> f64 {
    let mut record = vec![0x5au8; RECORD];
    let mut nonce = [0u8; 12];
    let mut best = 0.0f64;
    // One run more than reported: the first one warms up caches and clock frequency.
    for run in 0..=RUNS {
        let start = Instant::now();
        let mut records = 0u64;
        while start.elapsed() < RUN_TIME {
            for _ in 0..16 {
                nonce[..8].copy_from_slice(&records.to_be_bytes());
                seal(black_box(&nonce), black_box(&mut record));
                records += 1;
            }
        }
        let rate = (records as f64 * RECORD as f64) / start.elapsed().as_secs_f64() / 1e6;
        if run > 0 {
            best = best.max(rate);
        }
    }
    best
}

fn soft(key: &[u8]) -> f64 {
    let gcm = Gcm::new(key).expect("valid key length");
    measure(|nonce, record| {
        let mut tag = [0u8; 16];
        gcm.seal(nonce, b"tls header13", record, &mut tag)
            .expect("record within limits");
        black_box(tag);
    })
}

fn rustcrypto<C: KeyInit + AeadInPlace>(key: &[u8]) -> f64 {
    let cipher = C::new_from_slice(key).expect("valid key length");
    measure(|nonce, record| {
        let tag = cipher
            .encrypt_in_place_detached(Nonce::from_slice(nonce), b"tls header13", record)
            .expect("record within limits");
        black_box(tag);
    })
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(bad) = args
        .iter()
        .find(|a| !matches!(a.as_str(), "soft" | "rustcrypto"))
    {
        eprintln!("gcm_bench: unknown argument {bad:?}; expected `soft` and/or `rustcrypto`");
        std::process::exit(2);
    }
    let want = |what: &str| args.is_empty() || args.iter().any(|a| a == what);
    let backend = reference_backend();
    if want("rustcrypto") && backend != "soft" {
        eprintln!("gcm_bench: RustCrypto is not forced soft; see the header for RUSTFLAGS");
    }
    for bits in [128, 256] {
        let key: Vec<u8> = (0..(bits / 8) as u8).collect();
        let ours = want("soft").then(|| soft(&key));
        let theirs = want("rustcrypto").then(|| match bits {
            128 => rustcrypto::<Aes128Gcm>(&key),
            _ => rustcrypto::<Aes256Gcm>(&key),
        });
        if let Some(ours) = ours {
            println!("soft_gcm{bits}_MBps={ours:.1}");
        }
        if let Some(theirs) = theirs {
            println!("rustcrypto_{backend}_gcm{bits}_MBps={theirs:.1}");
        }
        if let (Some(ours), Some(theirs)) = (ours, theirs) {
            println!("soft_vs_rustcrypto_{backend}_{bits}={:.3}", ours / theirs);
        }
    }
}
