// SPDX-License-Identifier: GPL-2.0

//! Finding the TCP flow and payload of an Ethernet frame, as a NIC's receive parser does.
//!
//! Only what the receive offload needs: Ethernet II, then IPv4 without fragmentation or IPv6
//! with TCP as the first next header, then TCP. Anything else (VLAN tags, IPv6 extension headers,
//! fragments, truncated headers) is not a candidate and goes up untouched.

/// Ethernet header length.
pub const ETH_HLEN: usize = 14;
/// Bytes of a frame [`parse`] may need: Ethernet, the longest IPv4 header, the longest TCP
/// header.
pub const MAX_HEADERS: usize = ETH_HLEN + 60 + 60;

const ETH_P_IP: u16 = 0x0800;
const ETH_P_IPV6: u16 = 0x86dd;
const IPPROTO_TCP: u8 = 6;

/// A TCP connection seen from the receiving host. IPv4 addresses are stored IPv4-mapped
/// (`::ffff:a.b.c.d`), as a dual-stack socket shows them, so one key type covers both families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    /// The peer's address.
    pub remote: [u8; 16],
    /// The local address.
    pub local: [u8; 16],
    /// The peer's port.
    pub remote_port: u16,
    /// The local port.
    pub local_port: u16,
}

impl FlowKey {
    /// A small hash for bucket selection (not keyed: the table is per device and bounded by the
    /// number of offloaded sockets, which only local users create).
    pub fn bucket(&self, buckets: usize) -> usize {
        let mut h: u32 = (u32::from(self.remote_port) << 16) | u32::from(self.local_port);
        for chunk in self
            .remote
            .chunks_exact(4)
            .chain(self.local.chunks_exact(4))
        {
            h = (h ^ u32::from_be_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
                .wrapping_mul(0x9e37_79b1)
                .rotate_left(13);
        }
        (h as usize) % buckets.max(1)
    }
}

/// Maps an IPv4 address to its IPv4-mapped IPv6 form.
pub fn v4_mapped(addr: [u8; 4]) -> [u8; 16] {
    let mut out = [0u8; 16];
    out[10] = 0xff;
    out[11] = 0xff;
    out[12..].copy_from_slice(&addr);
    out
}

/// An address and port as the flows view and the tracepoints show them: `192.0.2.1:443` for an
/// IPv4-mapped address, `[2001:db8::1]:443` for any other.
pub struct Endpoint<'a>(pub &'a [u8; 16], pub u16);

impl core::fmt::Display for Endpoint<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let addr = core::net::Ipv6Addr::from(*self.0);
        match addr.to_ipv4_mapped() {
            Some(v4) => write!(f, "{}:{}", v4, self.1),
            None => write!(f, "[{}]:{}", addr, self.1),
        }
    }
}

/// The TCP segment carried by a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// The connection, from the receiver's side.
    pub key: FlowKey,
    /// Sequence number of the first payload byte.
    pub seq: u32,
    /// Offset of the payload in the frame.
    pub payload_off: usize,
    /// Payload bytes.
    pub payload_len: usize,
}

/// Parses the start of a frame of `frame_len` bytes; `head` holds its first bytes (up to
/// [`MAX_HEADERS`] is enough). `None` if the frame is not a TCP segment the device handles.
pub fn parse(head: &[u8], frame_len: usize) -> Option<Segment> {
    let ethertype = u16::from_be_bytes([*head.get(12)?, *head.get(13)?]);
    let ip = head.get(ETH_HLEN..)?;
    let (remote, local, ip_hlen, ip_total) = match ethertype {
        ETH_P_IP => {
            let vihl = *ip.first()?;
            let ihl = usize::from(vihl & 0xf) * 4;
            if vihl >> 4 != 4 || ihl < 20 || ip.len() < ihl {
                return None;
            }
            let frag = u16::from_be_bytes([ip[6], ip[7]]);
            // MF set or a fragment offset: a fragment.
            if frag & 0x3fff != 0 || ip[9] != IPPROTO_TCP {
                return None;
            }
            let tot = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
            let src: [u8; 4] = ip[12..16].try_into().ok()?;
            let dst: [u8; 4] = ip[16..20].try_into().ok()?;
            // tot_len 0 is the BIG TCP convention: the length is the frame's.
            (
                v4_mapped(src),
                v4_mapped(dst),
                ihl,
                (tot != 0).then_some(tot),
            )
        }
        ETH_P_IPV6 => {
            if ip.len() < 40 || ip[0] >> 4 != 6 || ip[6] != IPPROTO_TCP {
                return None;
            }
            let plen = usize::from(u16::from_be_bytes([ip[4], ip[5]]));
            let src: [u8; 16] = ip[8..24].try_into().ok()?;
            let dst: [u8; 16] = ip[24..40].try_into().ok()?;
            (src, dst, 40, (plen != 0).then_some(plen + 40))
        }
        _ => return None,
    };
    let tcp = ip.get(ip_hlen..)?;
    if tcp.len() < 20 {
        return None;
    }
    let doff = usize::from(tcp[12] >> 4) * 4;
    if doff < 20 || tcp.len() < doff {
        return None;
    }
    let payload_off = ETH_HLEN + ip_hlen + doff;
    let frame_end = match ip_total {
        Some(tot) => frame_len.min(ETH_HLEN + tot),
        None => frame_len,
    };
    if frame_end < payload_off {
        return None;
    }
    Some(Segment {
        key: FlowKey {
            remote,
            local,
            remote_port: u16::from_be_bytes([tcp[0], tcp[1]]),
            local_port: u16::from_be_bytes([tcp[2], tcp[3]]),
        },
        seq: u32::from_be_bytes([tcp[4], tcp[5], tcp[6], tcp[7]]),
        payload_off,
        payload_len: frame_end - payload_off,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_show_each_family_as_people_write_it() {
        extern crate std;
        use std::format;
        let v4 = v4_mapped([192, 0, 2, 1]);
        assert_eq!(format!("{}", Endpoint(&v4, 443)), "192.0.2.1:443");
        let mut v6 = [0u8; 16];
        v6[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
        v6[15] = 2;
        assert_eq!(format!("{}", Endpoint(&v6, 5201)), "[2001:db8::2]:5201");
        // Only ::ffff:a.b.c.d is IPv4: the deprecated IPv4-compatible form stays IPv6.
        let mut compat = [0u8; 16];
        compat[15] = 1;
        assert_eq!(format!("{}", Endpoint(&compat, 1)), "[::1]:1");
    }

    fn v4_frame(payload: usize) -> [u8; 54] {
        let mut f = [0u8; 54];
        f[12..14].copy_from_slice(&ETH_P_IP.to_be_bytes());
        f[14] = 0x45;
        f[16..18].copy_from_slice(&((40 + payload) as u16).to_be_bytes());
        f[20] = 0x40; // DF
        f[23] = IPPROTO_TCP;
        f[26..30].copy_from_slice(&[10, 0, 0, 1]);
        f[30..34].copy_from_slice(&[10, 0, 0, 2]);
        f[34..36].copy_from_slice(&4433u16.to_be_bytes());
        f[36..38].copy_from_slice(&40000u16.to_be_bytes());
        f[38..42].copy_from_slice(&0xdead_beefu32.to_be_bytes());
        f[46] = 5 << 4;
        f
    }

    #[test]
    fn ipv4_segment() {
        let f = v4_frame(100);
        let s = parse(&f, 54 + 100).unwrap();
        assert_eq!(s.key.remote, v4_mapped([10, 0, 0, 1]));
        assert_eq!(s.key.local, v4_mapped([10, 0, 0, 2]));
        assert_eq!((s.key.remote_port, s.key.local_port), (4433, 40000));
        assert_eq!(s.seq, 0xdead_beef);
        assert_eq!((s.payload_off, s.payload_len), (54, 100));
        // Trailing padding beyond the IP length is not payload.
        assert_eq!(parse(&f, 54 + 120).unwrap().payload_len, 100);
    }

    #[test]
    fn fragments_and_other_protocols_are_not_candidates() {
        let mut f = v4_frame(10);
        f[20] = 0x20; // MF
        assert!(parse(&f, 64).is_none());
        let mut f = v4_frame(10);
        f[23] = 17;
        assert!(parse(&f, 64).is_none());
        let f = v4_frame(10);
        assert!(parse(&f[..40], 64).is_none());
        assert!(parse(&f, 50).is_none());
    }

    #[test]
    fn ipv6_segment() {
        let mut f = [0u8; 74];
        f[12..14].copy_from_slice(&ETH_P_IPV6.to_be_bytes());
        f[14] = 0x60;
        f[18..20].copy_from_slice(&(20u16 + 7).to_be_bytes());
        f[20] = IPPROTO_TCP;
        f[22 + 15] = 1;
        f[38 + 15] = 2;
        f[54..56].copy_from_slice(&1u16.to_be_bytes());
        f[56..58].copy_from_slice(&2u16.to_be_bytes());
        f[66] = 5 << 4;
        let s = parse(&f, 74 + 7).unwrap();
        assert_eq!(s.key.remote[15], 1);
        assert_eq!(s.key.local[15], 2);
        assert_eq!((s.payload_off, s.payload_len), (74, 7));
    }
}
