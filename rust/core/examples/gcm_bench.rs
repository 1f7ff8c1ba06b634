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
//! Each figure is the best of several timed runs of about half a second; MB/s means 10^6 bytes of
//! payload per second. The ratio is RustCrypto's throughput over the soft engine's, so 2.0 means
//! the soft engine takes twice as long per byte.

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

/// Whether the build forced RustCrypto's software backends (see the module documentation).
//
// The two cfgs are the `aes` and `polyval` crates' own; this crate only reads them, so it does
// not declare them, and `unexpected_cfgs` would flag them.
#[allow(unexpected_cfgs)]
const fn reference_is_soft() -> bool {
    cfg!(all(aes_force_soft, polyval_force_soft))
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
    if !reference_is_soft() {
        println!("warning: RustCrypto may use AES-NI/PCLMULQDQ; see the header for RUSTFLAGS");
    }
    println!("seal, {RECORD}-byte records, MB/s");
    println!(
        "{:<8} {:>10} {:>12} {:>8}",
        "key", "soft", "RustCrypto", "ratio"
    );
    for (name, key_len) in [("AES-128", 16), ("AES-256", 32)] {
        let key: Vec<u8> = (0..key_len as u8).collect();
        let ours = soft(&key);
        let theirs = match key_len {
            16 => rustcrypto::<Aes128Gcm>(&key),
            _ => rustcrypto::<Aes256Gcm>(&key),
        };
        println!(
            "{name:<8} {ours:>10.1} {theirs:>12.1} {:>8.2}",
            theirs / ours
        );
    }
}
