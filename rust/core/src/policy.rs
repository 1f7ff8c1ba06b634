// SPDX-License-Identifier: GPL-2.0

//! The flow-policy control interface: what a write to `/sys/class/net/DEV/tlsnic/policy` means,
//! and what a policy program's return value means.
//!
//! A write is one line: the path of a pinned BPF program to attach (replacing the current one),
//! or `none` (or nothing) to detach. A program returns 1 to offload the flow and 0 to leave it on
//! software kTLS; the verifier keeps the return value of its program type in `[0, 1]`, and any
//! other value is treated as 0, the choice that never loses data.

/// Longest path accepted (`PATH_MAX` includes the terminating NUL).
pub const MAX_PATH: usize = 4095;

/// The line written to a sysfs attribute: the bytes without one trailing NUL (as some tools
/// write) and then one trailing newline (as `echo` writes). Shared by the device's attributes.
pub fn attr_line(input: &[u8]) -> &[u8] {
    let mut line = input;
    if let [rest @ .., 0] = line {
        line = rest;
    }
    if let [rest @ .., b'\n'] = line {
        line = rest;
    }
    line
}

/// A per-device mode chosen by name, through a module parameter (the default of new devices)
/// and a sysfs attribute of each device: the receive and transmit resync modes.
pub trait Choice: Copy + PartialEq + 'static {
    /// Every mode, the default first.
    const ALL: &'static [Self];

    /// The mode's name, as the attribute and the module parameter spell it.
    fn name(self) -> &'static str;

    /// Parses a write to the attribute (one name, as [`attr_line`] reads it): `None` for
    /// anything else.
    fn parse(input: &[u8]) -> Option<Self> {
        let line = attr_line(input);
        Self::ALL
            .iter()
            .copied()
            .find(|m| m.name().as_bytes() == line)
    }

    /// The mode's place in [`Choice::ALL`].
    fn index(self) -> usize {
        Self::ALL.iter().position(|&m| m == self).unwrap_or(0)
    }

    /// The mode at `index` in [`Choice::ALL`]; the default for any other index.
    fn at(index: usize) -> Self {
        Self::ALL.get(index).copied().unwrap_or(Self::ALL[0])
    }
}

/// A parsed write to the `policy` attribute.
#[derive(Debug, PartialEq, Eq)]
pub enum Command<'a> {
    /// Attach the program pinned at this absolute path (no NUL inside, no trailing newline).
    Attach(&'a [u8]),
    /// Detach the current program: every eligible flow is offloaded again.
    Detach,
}

/// Why a write was refused (`EINVAL`, or `ENAMETOOLONG` for [`BadCommand::TooLong`]).
#[derive(Debug, PartialEq, Eq)]
pub enum BadCommand {
    /// Not an absolute path: pinned objects live in a BPF filesystem, named from `/`.
    NotAbsolute,
    /// The path has a NUL byte or a line break inside it, or more than one line was written.
    BadByte,
    /// Longer than [`MAX_PATH`].
    TooLong,
}

impl<'a> Command<'a> {
    /// Parses the bytes written (as `echo` writes them: one trailing newline is dropped; a
    /// trailing NUL, as some tools write, too). Surrounding spaces are not trimmed inside a path.
    pub fn parse(input: &'a [u8]) -> Result<Self, BadCommand> {
        let line = attr_line(input);
        if line.is_empty() || line == b"none" {
            return Ok(Command::Detach);
        }
        if line.contains(&0) || line.contains(&b'\n') {
            return Err(BadCommand::BadByte);
        }
        if line[0] != b'/' {
            return Err(BadCommand::NotAbsolute);
        }
        if line.len() > MAX_PATH {
            return Err(BadCommand::TooLong);
        }
        Ok(Command::Attach(line))
    }
}

/// A policy program's decision for one flow and direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Set up offload on this device.
    Offload,
    /// Refuse: the kernel keeps the flow on software kTLS.
    Software,
}

impl Verdict {
    /// The decision a program's return value stands for: only 1 offloads.
    pub fn from_ret(ret: u32) -> Self {
        if ret == 1 {
            Verdict::Offload
        } else {
            Verdict::Software
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detach_forms() {
        for w in [&b""[..], b"\n", b"none", b"none\n", b"\0", b"none\n\0"] {
            assert_eq!(Command::parse(w), Ok(Command::Detach), "{w:?}");
        }
    }

    #[test]
    fn attach_paths() {
        assert_eq!(
            Command::parse(b"/sys/fs/bpf/p\n"),
            Ok(Command::Attach(b"/sys/fs/bpf/p"))
        );
        assert_eq!(Command::parse(b"/a b"), Ok(Command::Attach(b"/a b")));
        let long = [b'/'; MAX_PATH];
        assert_eq!(Command::parse(&long), Ok(Command::Attach(&long[..])));
    }

    #[test]
    fn refusals() {
        assert_eq!(Command::parse(b"relative"), Err(BadCommand::NotAbsolute));
        assert_eq!(Command::parse(b" /x"), Err(BadCommand::NotAbsolute));
        assert_eq!(Command::parse(b"\n\n"), Err(BadCommand::BadByte));
        assert_eq!(Command::parse(b"/a\n/b\n"), Err(BadCommand::BadByte));
        assert_eq!(Command::parse(b"/a\0b"), Err(BadCommand::BadByte));
        assert_eq!(Command::parse(b"nonee"), Err(BadCommand::NotAbsolute));
        let long = [b'/'; MAX_PATH + 1];
        assert_eq!(Command::parse(&long), Err(BadCommand::TooLong));
    }

    #[test]
    fn verdicts() {
        assert_eq!(Verdict::from_ret(1), Verdict::Offload);
        for r in [0, 2, u32::MAX] {
            assert_eq!(Verdict::from_ret(r), Verdict::Software);
        }
    }
}
