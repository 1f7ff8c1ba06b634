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
//! A write is one line, `soft`, `kcrypto` or `kcrypto ALG`, optionally followed by a placement,
//! `cpus=LIST` ([`Choice`]): the device's crypto block then runs on those CPUs, beside the host,
//! instead of inline in the context that transmits or receives. LIST is the kernel's CPU list
//! format (`1`, `0-3`, `0,2-3`). Only flows set up afterwards use the new engine; the placement
//! applies to the device at once.

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

/// CPUs a [`CpuSet`] can name: ids 0 to `MAX_CPUS - 1`.
pub const MAX_CPUS: u32 = 256;

/// A set of CPU ids below [`MAX_CPUS`].
#[derive(Debug, PartialEq, Eq, Clone, Copy, Default)]
pub struct CpuSet([u64; (MAX_CPUS / 64) as usize]);

impl CpuSet {
    /// No CPU.
    pub const fn empty() -> Self {
        Self([0; (MAX_CPUS / 64) as usize])
    }

    /// Parses a CPU list (`0`, `0-3`, `0,2-3`): comma-separated ids and inclusive ranges, in any
    /// order, at least one CPU.
    pub fn parse(list: &[u8]) -> Result<Self, BadSpec> {
        let mut set = Self::empty();
        for item in list.split(|&b| b == b',') {
            let mut ends = item.splitn(2, |&b| b == b'-');
            let first = cpu_id(ends.next().unwrap_or_default())?;
            let last = match ends.next() {
                Some(last) => cpu_id(last)?,
                None => first,
            };
            if last < first {
                return Err(BadSpec::CpuList);
            }
            for cpu in first..=last {
                set.insert(cpu);
            }
        }
        Ok(set)
    }

    /// Adds `cpu` (ignored if not below [`MAX_CPUS`]).
    pub fn insert(&mut self, cpu: u32) {
        if let Some(word) = self.0.get_mut((cpu / 64) as usize) {
            *word |= 1 << (cpu % 64);
        }
    }

    /// Whether `cpu` is in the set.
    pub fn contains(&self, cpu: u32) -> bool {
        self.0
            .get((cpu / 64) as usize)
            .is_some_and(|word| word & (1 << (cpu % 64)) != 0)
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }

    /// The CPUs in the set, ascending.
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        (0..MAX_CPUS).filter(|&cpu| self.contains(cpu))
    }

    /// The CPU to run on, given the one asking (`current`) and which CPUs are online: the
    /// lowest online CPU of the set other than `current`, else `current` if it is in the set,
    /// else `None` (no CPU of the set is online).
    pub fn pick(&self, current: u32, online: impl Fn(u32) -> bool) -> Option<u32> {
        self.iter()
            .find(|&cpu| cpu != current && online(cpu))
            .or_else(|| (self.contains(current) && online(current)).then_some(current))
    }

    /// The CPU an interrupt steered to the set is taken on, given the CPU raising it
    /// (`current`) and which CPUs are online: `current` if it is an online CPU of the set (no
    /// cross-CPU call needed), else the lowest online CPU of the set, else `None`.
    pub fn steer(&self, current: u32, online: impl Fn(u32) -> bool) -> Option<u32> {
        if self.contains(current) && online(current) {
            return Some(current);
        }
        self.iter().find(|&cpu| online(cpu))
    }

    /// The set in list format, ranges joined (`0-2,5`).
    pub fn write_list(&self, out: &mut impl core::fmt::Write) -> core::fmt::Result {
        let mut sep = "";
        let mut cpu = 0;
        while cpu < MAX_CPUS {
            if !self.contains(cpu) {
                cpu += 1;
                continue;
            }
            let first = cpu;
            while cpu + 1 < MAX_CPUS && self.contains(cpu + 1) {
                cpu += 1;
            }
            if first == cpu {
                write!(out, "{sep}{first}")?;
            } else {
                write!(out, "{sep}{first}-{cpu}")?;
            }
            sep = ",";
            cpu += 1;
        }
        Ok(())
    }
}

impl core::fmt::Display for CpuSet {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.write_list(f)
    }
}

/// A CPU id: decimal digits, no sign, below [`MAX_CPUS`].
fn cpu_id(text: &[u8]) -> Result<u32, BadSpec> {
    if text.is_empty() || text.len() > 3 || !text.iter().all(u8::is_ascii_digit) {
        return Err(BadSpec::CpuList);
    }
    let id = text.iter().fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
    if id >= MAX_CPUS {
        return Err(BadSpec::CpuList);
    }
    Ok(id)
}

/// A parsed write: the engine and, if given, the CPUs its crypto block runs on.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct Choice<'a> {
    /// The engine of new flows.
    pub engine: Spec<'a>,
    /// `cpus=LIST`: the device's crypto block runs on these CPUs; `None`: inline.
    pub cpus: Option<CpuSet>,
}

/// The placement word's prefix.
const CPUS: &[u8] = b"cpus=";

impl<'a> Choice<'a> {
    /// Parses the bytes written: a [`Spec`], then optionally one space and `cpus=LIST`.
    pub fn parse(input: &'a [u8]) -> Result<Self, BadSpec> {
        let line = attr_line(input);
        let (spec, cpus) = match line.iter().rposition(|&b| b == b' ') {
            Some(at) if line[at + 1..].starts_with(CPUS) => (
                &line[..at],
                Some(CpuSet::parse(&line[at + 1 + CPUS.len()..])?),
            ),
            _ => (line, None),
        };
        Ok(Self {
            engine: Spec::parse(spec)?,
            cpus,
        })
    }
}

/// Parses a write to a device's `irq_cpus` attribute: a CPU list, or `none` (or nothing) for
/// no steering (one trailing newline and one trailing NUL are dropped, as in `policy`).
pub fn parse_irq_cpus(input: &[u8]) -> Result<Option<CpuSet>, BadSpec> {
    match attr_line(input) {
        b"" | b"none" => Ok(None),
        list => CpuSet::parse(list).map(Some),
    }
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
    /// `cpus=` is not a list of CPU ids below [`MAX_CPUS`].
    CpuList,
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
    extern crate std;

    use super::*;
    use std::string::String;

    fn list(set: &CpuSet) -> String {
        let mut s = String::new();
        set.write_list(&mut s).unwrap();
        s
    }

    #[test]
    fn cpu_lists() {
        for (text, want) in [
            (&b"1"[..], "1"),
            (b"0-3", "0-3"),
            (b"0,2-3", "0,2-3"),
            (b"3,2,1", "1-3"),
            (b"5-5,0", "0,5"),
            (b"0,1,2,4,6-7", "0-2,4,6-7"),
            (b"255", "255"),
            (b"63-65", "63-65"),
        ] {
            let set = CpuSet::parse(text).unwrap();
            assert_eq!(list(&set), want, "{}", String::from_utf8_lossy(text));
            assert_eq!(CpuSet::parse(want.as_bytes()), Ok(set));
        }
        for bad in [
            &b""[..],
            b",",
            b"1,",
            b"-1",
            b"1-",
            b"3-1",
            b"256",
            b"0-256",
            b"1000",
            b"a",
            b"1 2",
            b"+1",
            b"1--2",
        ] {
            assert_eq!(
                CpuSet::parse(bad),
                Err(BadSpec::CpuList),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn cpu_pick() {
        let set = CpuSet::parse(b"1,3").unwrap();
        let all = |_| true;
        assert_eq!(set.pick(0, all), Some(1));
        assert_eq!(set.pick(1, all), Some(3));
        assert_eq!(set.pick(3, all), Some(1));
        assert_eq!(set.pick(1, |c| c != 3), Some(1));
        assert_eq!(set.pick(0, |c| c == 3), Some(3));
        assert_eq!(set.pick(0, |_| false), None);
        let one = CpuSet::parse(b"2").unwrap();
        assert_eq!(one.pick(2, all), Some(2));
        assert_eq!(one.pick(2, |_| false), None);
        assert!(CpuSet::empty().is_empty() && !one.is_empty());
    }

    #[test]
    fn cpu_steer() {
        let set = CpuSet::parse(b"1,3").unwrap();
        let all = |_| true;
        assert_eq!(set.steer(0, all), Some(1));
        assert_eq!(set.steer(1, all), Some(1));
        assert_eq!(set.steer(3, all), Some(3));
        assert_eq!(set.steer(2, all), Some(1));
        assert_eq!(set.steer(3, |c| c != 3), Some(1));
        assert_eq!(set.steer(0, |c| c == 3), Some(3));
        assert_eq!(set.steer(0, |_| false), None);
    }

    #[test]
    fn irq_cpus() {
        assert_eq!(parse_irq_cpus(b"none\n"), Ok(None));
        assert_eq!(parse_irq_cpus(b"\n"), Ok(None));
        assert_eq!(parse_irq_cpus(b""), Ok(None));
        assert_eq!(
            parse_irq_cpus(b"1\n"),
            Ok(Some(CpuSet::parse(b"1").unwrap()))
        );
        assert_eq!(
            parse_irq_cpus(b"0-1,3"),
            Ok(Some(CpuSet::parse(b"0,1,3").unwrap()))
        );
        for bad in [&b"nope"[..], b"none 1", b"1 ", b"-1", b"4096", b"1,"] {
            assert_eq!(parse_irq_cpus(bad), Err(BadSpec::CpuList));
        }
    }

    #[test]
    fn placements() {
        let c = Choice::parse(b"kcrypto cpus=1\n").unwrap();
        assert_eq!(c.engine, Spec::Kcrypto(b"gcm(aes)"));
        assert_eq!(c.cpus, Some(CpuSet::parse(b"1").unwrap()));
        let c = Choice::parse(b"kcrypto cryptd(gcm(aes)) cpus=0-1").unwrap();
        assert_eq!(c.engine, Spec::Kcrypto(b"cryptd(gcm(aes))"));
        assert_eq!(c.cpus, Some(CpuSet::parse(b"0,1").unwrap()));
        let c = Choice::parse(b"soft cpus=2,0\n\0").unwrap();
        assert_eq!(
            (c.engine, c.cpus),
            (Spec::Soft, Some(CpuSet::parse(b"0,2").unwrap()))
        );
        assert_eq!(Choice::parse(b"soft").unwrap().cpus, None);
        assert_eq!(Choice::parse(b"kcrypto gcm(aes)").unwrap().cpus, None);
        assert_eq!(Choice::parse(b"kcrypto cpus="), Err(BadSpec::CpuList));
        assert_eq!(Choice::parse(b"kcrypto cpus=x"), Err(BadSpec::CpuList));
        assert_eq!(
            Choice::parse(b"soft cpus=1 cpus=2"),
            Err(BadSpec::Arguments)
        );
        assert_eq!(Choice::parse(b"cpus=1"), Err(BadSpec::UnknownEngine));
        assert_eq!(Choice::parse(b"kcrypto  cpus=1"), Err(BadSpec::Arguments));
        assert_eq!(Choice::parse(b"soft x cpus=1"), Err(BadSpec::Arguments));
        // Not a placement word: the engine's grammar refuses it.
        assert_eq!(Choice::parse(b"kcrypto cpu=1"), Err(BadSpec::BadByte));
    }

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
