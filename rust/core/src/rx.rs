// SPDX-License-Identifier: GPL-2.0

//! The receive side of the device: TLS 1.2 records followed through a TCP stream, decrypted as
//! their bytes go by.
//!
//! A NIC doing inline TLS receive sees a flow's TCP payload one packet at a time. It finds the
//! records in it (5-byte header, 8-byte explicit nonce, ciphertext, 16-byte tag), decrypts each
//! record's ciphertext in counter mode as it passes, even when a record is spread over many
//! packets, and checks the tag when the record's last byte arrives. [`RxStream`] is that logic
//! for one flow, independent of the kernel and of the crypto engine ([`Opener`]).
//!
//! # The contract (`Documentation/networking/tls-offload.rst`)
//!
//! A packet may be marked decrypted only if every record byte in it was handled: all of its bytes
//! belong to records the device follows from their first byte, and every record that ends in it
//! authenticated. Otherwise it goes up exactly as it came off the wire. A record whose first
//! packets were decrypted and whose last one was not (its tag failed) is "mixed"; the kernel
//! re-encrypts the decrypted parts and checks the record in software, so the application sees the
//! authentication error, never altered plaintext. [`RxStream::end`] reports the verdict.
//!
//! A record whose bytes all arrive in one packet (common when the wire carries
//! segmentation-offload frames of up to 64 KiB) is handed to the engine whole: [`Opener::open`]
//! when it lies in one of the device's buffers, [`Opener::open_split`] when the packet's copy was
//! cut between two buffers inside it ([`RxStream::feed_parts`]); an engine with a one-shot AEAD
//! opens it in one operation. A record split across packets goes through the engine in pieces.
//!
//! # Losing and regaining sync
//!
//! The device needs every byte in order. A packet that does not start where the previous one
//! ended (after a loss on the wire, or reordering) loses sync, and so does a header that cannot be
//! a TLS 1.2 record header. A packet wholly before the expected sequence number (a duplicate or a
//! retransmission of bytes already seen) passes untouched and changes nothing. Out of sync, every
//! packet passes untouched until the kernel tells the device where a record starts
//! ([`RxStream::resync`]: in the `TLS_OFFLOAD_SYNC_TYPE_CORE_NEXT_HINT` mode the kernel sends the
//! TCP sequence number of the next record's header and its record number once the records it
//! receives stop being decrypted; in the driver-request modes it confirms a header the device
//! asked about, see [`resync`]). The first packet that contains that sequence number resumes
//! there.
//!
//! # Checking a new anchor first
//!
//! A packet inside a record goes up decrypted before the record's tag is checked, so a wrong
//! record boundary would deliver garbage marked decrypted. The boundaries are trusted only along
//! a chain of authenticated records from the flow's start: a record's length is part of its
//! additional data, so a matching tag confirms where the next record starts. A record that starts
//! at a resync point (out of sync, or a hint in sync that disagrees with the device), or after a
//! record whose tag did not match, is on probation: the device decrypts it only to check its tag
//! and passes its bytes up untouched. If the tag matches, the records after it are decrypted again;
//! if not, the next record is on probation too (or sync is lost at a header that cannot be one).
//! A wrong hint, or a record altered on the way, thus costs decryption but never yields a packet
//! marked decrypted with wrong plaintext. The same probation applies to a flow's first record
//! when the device found it through data its socket held but TCP had not accepted yet, or when
//! its header began in that data ([`RxStream::starting_at`]).

use super::gcm::{Gcm, GcmState};
use super::tls12::{
    self, seq_before, EXPLICIT_NONCE_LEN, HEADER_LEN, MAX_PLAINTEXT, PREPEND_LEN, SALT_LEN,
    TAG_LEN, TLS_1_2_VERSION,
};

/// Largest record payload (ciphertext) the device accepts: TLS 1.2 allows records of up to
/// `2^14 + 2048` bytes of ciphertext; kTLS sends at most `2^14` of plaintext.
pub const MAX_CIPHERTEXT: usize = MAX_PLAINTEXT + 2048;

/// A crypto engine able to open a record in pieces: the engine interface of the receive path.
pub trait Opener {
    /// One record in progress.
    type State;

    /// Starts record with GCM nonce `nonce` and additional data `aad`.
    fn begin(&mut self, nonce: &[u8; tls12::NONCE_LEN], aad: &[u8; tls12::AAD_LEN]) -> Self::State;

    /// Decrypts the next piece of the record's ciphertext in place (plaintext not yet authentic).
    fn decrypt(&mut self, state: &mut Self::State, data: &mut [u8]);

    /// Takes the next piece of ciphertext into the tag computation only, leaving `data` as it is.
    fn authenticate(&mut self, state: &mut Self::State, data: &[u8]);

    /// Ends the record: whether `tag` authenticates everything passed to `decrypt`.
    fn verify(&mut self, state: Self::State, tag: &[u8; TAG_LEN]) -> bool;

    /// Opens a record that arrived whole: `record` is its ciphertext followed by its tag, and the
    /// ciphertext is decrypted in place. Returns whether the tag authenticates it (on a mismatch
    /// the ciphertext's bytes may hold anything: they are not delivered). The default goes
    /// through [`Opener::open_split`] with `record` as the first buffer and nothing in the
    /// second; an engine with a one-shot AEAD does it in one operation. `record` is at least
    /// [`TAG_LEN`] bytes long.
    fn open(
        &mut self,
        nonce: &[u8; tls12::NONCE_LEN],
        aad: &[u8; tls12::AAD_LEN],
        record: &mut [u8],
    ) -> bool {
        self.open_split(nonce, aad, record, &mut [])
    }

    /// Opens a record that arrived whole in one packet but lies in two of the device's buffers:
    /// the record is `first` followed by `second` (ciphertext, then the tag, which may itself be
    /// cut in two), decrypted in place, as [`Opener::open`] does for one buffer. The default goes
    /// through [`Opener::begin`], [`Opener::decrypt`] and [`Opener::verify`]; an engine with a
    /// one-shot AEAD taking a scatter list does it in one operation. The two hold at least
    /// [`TAG_LEN`] bytes together.
    fn open_split(
        &mut self,
        nonce: &[u8; tls12::NONCE_LEN],
        aad: &[u8; tls12::AAD_LEN],
        first: &mut [u8],
        second: &mut [u8],
    ) -> bool {
        open_in_pieces(self, nonce, aad, first, second)
    }
}

/// [`Opener::open_split`] (and [`Opener::open`], `second` empty) through [`Opener::begin`],
/// [`Opener::decrypt`] and [`Opener::verify`]: the default, and the fallback of an engine whose
/// one-shot AEAD cannot run now. The record is `first` followed by `second`.
pub fn open_in_pieces<O: Opener + ?Sized>(
    opener: &mut O,
    nonce: &[u8; tls12::NONCE_LEN],
    aad: &[u8; tls12::AAD_LEN],
    first: &mut [u8],
    second: &mut [u8],
) -> bool {
    let ct_len = (first.len() + second.len()).saturating_sub(TAG_LEN);
    let in_first = ct_len.min(first.len());
    let (ct1, tag1) = first.split_at_mut(in_first);
    let (ct2, tag2) = second.split_at_mut(ct_len - in_first);
    let mut tag = [0u8; TAG_LEN];
    let n = tag1.len().min(TAG_LEN);
    tag[..n].copy_from_slice(&tag1[..n]);
    let m = tag2.len().min(TAG_LEN - n);
    tag[n..n + m].copy_from_slice(&tag2[..m]);
    let mut state = opener.begin(nonce, aad);
    opener.decrypt(&mut state, ct1);
    if !ct2.is_empty() {
        opener.decrypt(&mut state, ct2);
    }
    opener.verify(state, &tag)
}

impl Opener for Gcm {
    type State = GcmState;

    fn begin(&mut self, nonce: &[u8; tls12::NONCE_LEN], aad: &[u8; tls12::AAD_LEN]) -> GcmState {
        self.begin_record(nonce, aad)
    }

    fn decrypt(&mut self, state: &mut GcmState, data: &mut [u8]) {
        // Records are bounded by MAX_CIPHERTEXT, far below GCM's payload limit.
        let _ = state.decrypt_span(self, data);
    }

    fn authenticate(&mut self, state: &mut GcmState, data: &[u8]) {
        // As in `decrypt`: far below the limit.
        let _ = state.authenticate(self, data);
    }

    fn verify(&mut self, state: GcmState, tag: &[u8; TAG_LEN]) -> bool {
        state.verify(self, tag).is_ok()
    }
}

/// What [`RxStream::begin`] decided for a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Start {
    /// Feed the packet's payload to [`RxStream::feed`], then call [`RxStream::end`].
    Process,
    /// Pass the packet up untouched; nothing else to do.
    Skip(Skip),
}

/// Why a packet passes untouched without being looked at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// No payload.
    Empty,
    /// Entirely before the next expected byte: a duplicate or a retransmission.
    Duplicate,
    /// This packet did not follow the previous one: sync is lost (count it once).
    Lost,
    /// Still out of sync, waiting for a resync point.
    OutOfSync,
}

/// What happened to a processed packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Every record byte in the packet was decrypted and every record ending in it
    /// authenticated: deliver the decrypted copy, marked decrypted. Otherwise deliver the
    /// original packet.
    pub decrypted: bool,
    /// Records whose tag was checked in this packet and matched.
    pub records_ok: u32,
    /// Records whose tag was checked in this packet and did not match.
    pub auth_failed: u32,
    /// The device, out of sync, took up the stream again in this packet at a resync point (the
    /// record there is on probation: decryption resumes after it authenticates).
    pub resumed: bool,
    /// A header that cannot be a TLS 1.2 record header was met: sync is lost.
    pub bad_header: bool,
}

/// A resync point from the kernel: a record header starts at TCP sequence number `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    /// TCP sequence number of the record's first header byte.
    pub seq: u32,
    /// The record's sequence number.
    pub rcd_sn: u64,
}

/// Where the stream is within the record structure.
///
/// `trusted` says whether the record's boundary is confirmed by the authenticated record before
/// it (or is the flow's start): only then do its bytes go up decrypted. An untrusted record is on
/// probation: decrypted only to check its tag (see the module documentation).
enum Pos<S> {
    /// Collecting the header and explicit nonce of the record numbered `rcd_sn`.
    ///
    /// `resumed`: the record is at a resync point (see [`other_rcd_sn`]).
    Prepend {
        buf: [u8; PREPEND_LEN],
        have: usize,
        trusted: bool,
        resumed: bool,
    },
    /// Inside the record's ciphertext, `left` bytes to go.
    Body {
        left: usize,
        state: S,
        trusted: bool,
        alt: Option<S>,
    },
    /// Collecting the tag.
    Tag {
        tag: [u8; TAG_LEN],
        have: usize,
        state: S,
        trusted: bool,
        alt: Option<S>,
    },
    /// Bytes whose records the device does not follow, `left` to go, passed up as received:
    /// those before a resync point, or the rest of a record whose start the socket already held
    /// when the flow was set up ([`RxStream::starting_at`]; the kernel decrypts that record in
    /// software). The record after them begins as [`Pos::Prepend`] with `trusted` and `resumed`.
    Unknown {
        left: usize,
        trusted: bool,
        resumed: bool,
    },
}

/// One flow's receive state.
pub struct RxStream<S> {
    /// Whether the device follows the stream.
    synced: bool,
    /// The next TCP sequence number expected (valid while synced).
    expected: u32,
    /// Record number of the record at `pos` (the one being parsed, or the next one).
    rcd_sn: u64,
    pos: Pos<S>,
    /// The latest resync point from the kernel, not used yet.
    hint: Option<Hint>,
    /// Plausible record headers in the frames that went by out of sync.
    seen: Seen,
    /// The packet being processed: bytes still to feed and whether any of its bytes so far were
    /// not decrypted.
    packet_left: usize,
    tainted: bool,
    verdict: Verdict,
}

impl<S> RxStream<S> {
    /// A flow whose first record header (record number `rcd_sn`) starts at `start_seq`.
    pub fn new(start_seq: u32, rcd_sn: u64) -> Self {
        Self {
            synced: true,
            expected: start_seq,
            rcd_sn,
            pos: Self::fresh_prepend(true),
            hint: None,
            seen: Seen::new(),
            packet_left: 0,
            tainted: false,
            verdict: Verdict::default(),
        }
    }

    /// A flow whose socket already holds the stream up to `held_end` (not read yet: it arrived
    /// before the flow was handed to the device), where `start` says how records lie around
    /// `held_end` ([`queued_start`]). The device sees the stream from `held_end`:
    ///
    /// - [`HeldStart::Boundary`] (at or after `held_end`): the bytes up to it belong to a record
    ///   the socket holds the start of, and go up as received; the record there is the device's
    ///   first. With `trusted` it is trusted as the flow's start is (its boundary follows the
    ///   lengths of records TCP accepted and the kernel parses itself); without, it is on
    ///   probation (see the module documentation).
    /// - [`HeldStart::CutHeader`]: the record whose header `held_end` cuts is the device's first,
    ///   its header completed from the wire, on probation (its start never crosses the device,
    ///   so it goes up as received either way).
    pub fn starting_at(held_end: u32, start: HeldStart, trusted: bool) -> Self {
        match start {
            HeldStart::Boundary { seq, rcd_sn } => {
                let mut stream = Self::new(held_end, rcd_sn);
                // `seq` is at or after `held_end` (`queued_start` returns no other).
                let left = seq.wrapping_sub(held_end) as usize;
                stream.pos = if left != 0 {
                    Pos::Unknown {
                        left,
                        trusted,
                        resumed: false,
                    }
                } else {
                    Self::fresh_prepend(trusted)
                };
                stream
            }
            HeldStart::CutHeader { head, have, rcd_sn } => {
                let mut stream = Self::new(held_end, rcd_sn);
                let mut buf = [0; PREPEND_LEN];
                let have = have.min(HEADER_LEN);
                buf[..have].copy_from_slice(&head[..have]);
                stream.pos = Pos::Prepend {
                    buf,
                    have,
                    trusted: false,
                    resumed: false,
                };
                stream
            }
        }
    }

    /// Whether the device follows the stream.
    pub fn synced(&self) -> bool {
        self.synced
    }

    /// Records a resync point from the kernel. Out of sync, the device takes up the stream at the
    /// first packet that contains `hint.seq`; in sync, the hint is checked against the stream's
    /// own record boundaries when it is reached (and wins if they disagree). Either way, a record
    /// the device starts at a hint is on probation (see the module documentation).
    pub fn resync(&mut self, hint: Hint) {
        self.hint = Some(hint);
    }

    /// Shows the device the payload of a packet that [`RxStream::begin`] skipped because the
    /// device is out of sync (pieces in order, `seq` of each piece's first byte). The device
    /// notes where plausible record headers are, so that a resync point the kernel sends after
    /// its packet went by can still be followed, record by record, to one still ahead. Returns
    /// the TCP sequence number of the first plausible header whose last byte is in `data` (it
    /// may start in the piece before): the candidate a device asking for resync itself
    /// ([`resync::Requester`]) names.
    pub fn observe(&mut self, seq: u32, data: &[u8]) -> Option<u32> {
        if self.synced {
            return None;
        }
        self.seen.scan(seq, data)
    }

    /// Decides what to do with a packet of `len` payload bytes starting at TCP sequence number
    /// `seq`.
    pub fn begin(&mut self, seq: u32, len: u32) -> Start {
        if len == 0 {
            return Start::Skip(Skip::Empty);
        }
        let end = seq.wrapping_add(len);
        let mut lost = false;
        if self.synced {
            if seq == self.expected {
                self.drop_stale_hint(seq);
                return self.start_packet(len);
            }
            if !seq_before(self.expected, end) {
                return Start::Skip(Skip::Duplicate);
            }
            // A gap (loss, reordering) or a partial overlap: the bytes in between are unknown.
            self.synced = false;
            self.pos = Self::before_resync(0);
            lost = true;
        }
        let skip = if lost { Skip::Lost } else { Skip::OutOfSync };
        let Some(mut hint) = self.hint else {
            return Start::Skip(skip);
        };
        if seq_before(hint.seq, seq) {
            // The resync point went by: follow the record lengths from it through the headers
            // seen since, up to this packet. If a link is missing (the frame holding it was
            // lost), wait for the next hint.
            match self.seen.follow(hint, seq) {
                Some(h) => {
                    hint = h;
                    self.hint = Some(h);
                }
                None => {
                    self.hint = None;
                    return Start::Skip(skip);
                }
            }
        }
        let offset = hint.seq.wrapping_sub(seq);
        if offset >= len {
            return Start::Skip(skip);
        }
        // Resume: bytes before the hint are of unknown meaning, the hint starts a record (on
        // probation: nothing confirms the hint).
        self.hint = None;
        self.synced = true;
        self.expected = seq;
        self.rcd_sn = hint.rcd_sn;
        self.pos = Self::before_resync(offset as usize);
        let start = self.start_packet(len);
        self.verdict.resumed = true;
        if offset == 0 {
            self.pos = Self::resume_prepend();
        }
        start
    }

    /// Feeds the next piece of the packet's payload (in order; the pieces must add up to the
    /// packet's length). Decrypts in place what can be decrypted; `data` is the device's own
    /// copy of the packet, delivered only if [`RxStream::end`] says so.
    pub fn feed<O: Opener<State = S>>(
        &mut self,
        engine: &mut O,
        salt: &[u8; SALT_LEN],
        data: &mut [u8],
    ) {
        self.feed_ahead(engine, salt, data, None);
    }

    /// Feeds the next pieces of the packet's payload, `parts` in order (the buffers of the
    /// device's copy), as a call of [`RxStream::feed`] on each would, except that a record that
    /// starts in one part and ends in the next is opened whole ([`Opener::open_split`]) rather
    /// than in pieces. A record is taken across two parts at most.
    pub fn feed_parts<O: Opener<State = S>>(
        &mut self,
        engine: &mut O,
        salt: &[u8; SALT_LEN],
        parts: &mut [&mut [u8]],
    ) {
        // Bytes at the start of part `skip.0` that a record of a part before took.
        let mut skip = (0, 0);
        for i in 0..parts.len() {
            let (head, tail) = parts.split_at_mut(i + 1);
            let from = if skip.0 == i { skip.1 } else { 0 };
            // The next part with bytes in it.
            let next = tail.iter_mut().enumerate().find(|(_, p)| !p.is_empty());
            let next_at = next.as_ref().map_or(0, |(j, _)| i + 1 + j);
            let next = next.map(|(_, p)| &mut **p);
            let taken = self.feed_ahead(engine, salt, &mut head[i][from..], next);
            if taken != 0 {
                // The bytes of the next part that record took are fed.
                self.packet_left -= taken;
                self.expected = self.expected.wrapping_add(taken as u32);
                skip = (next_at, taken);
            }
        }
    }

    /// [`RxStream::feed`] of `data`, where a record that starts in `data` may be completed from
    /// the first bytes of `next`, the piece after it: returns how many bytes of `next` were
    /// consumed so (not yet counted as fed).
    fn feed_ahead<O: Opener<State = S>>(
        &mut self,
        engine: &mut O,
        salt: &[u8; SALT_LEN],
        data: &mut [u8],
        mut next: Option<&mut [u8]>,
    ) -> usize {
        let n = data.len().min(self.packet_left);
        let mut data = &mut data[..n];
        self.packet_left -= n;
        self.expected = self.expected.wrapping_add(n as u32);
        let mut taken = 0;
        while !data.is_empty() {
            if !self.synced {
                self.tainted = true;
                return taken;
            }
            // A resync point inside this piece that is not at a record boundary of ours: the
            // kernel's view wins, so stop the current record there.
            let pos_seq = self.expected.wrapping_sub(data.len() as u32);
            let mut take = data.len();
            if let Some(h) = self.hint {
                let off = h.seq.wrapping_sub(pos_seq) as usize;
                if off < take {
                    if off == 0 {
                        self.hint = None;
                        self.rcd_sn = h.rcd_sn;
                        if !matches!(self.pos, Pos::Prepend { have: 0, .. }) {
                            // Re-anchored: the record at the hint is on probation.
                            self.pos = Self::resume_prepend();
                            self.tainted = true;
                        }
                    } else {
                        take = off;
                    }
                }
            }
            let (piece, rest) = core::mem::take(&mut data).split_at_mut(take);
            // Only the piece that ends `data` may reach into `next`.
            let ahead = if rest.is_empty() { next.take() } else { None };
            taken += self.consume(engine, salt, piece, ahead);
            data = rest;
        }
        taken
    }

    /// Ends the packet and returns the verdict.
    pub fn end(&mut self) -> Verdict {
        let mut v = core::mem::take(&mut self.verdict);
        if self.packet_left != 0 {
            // Fed less than announced: the rest is unknown.
            self.synced = false;
            self.packet_left = 0;
            self.tainted = true;
        }
        v.decrypted = !self.tainted;
        v
    }

    fn start_packet(&mut self, len: u32) -> Start {
        self.packet_left = len as usize;
        self.tainted = false;
        self.verdict = Verdict::default();
        Start::Process
    }

    /// Forgets a hint that lies before `seq` (the stream already went past it in order).
    fn drop_stale_hint(&mut self, seq: u32) {
        if let Some(h) = self.hint {
            if seq_before(h.seq, seq) {
                self.hint = None;
            }
        }
    }

    /// The start of a record, nothing of it collected yet.
    fn prepend(trusted: bool, resumed: bool) -> Pos<S> {
        Pos::Prepend {
            buf: [0; PREPEND_LEN],
            have: 0,
            trusted,
            resumed,
        }
    }

    fn fresh_prepend(trusted: bool) -> Pos<S> {
        Self::prepend(trusted, false)
    }

    /// The record at a resync point: on probation, with the alternative record number checked
    /// too (see [`other_rcd_sn`]).
    fn resume_prepend() -> Pos<S> {
        Self::prepend(false, true)
    }

    /// `left` bytes of unknown meaning, then the record at a resync point.
    fn before_resync(left: usize) -> Pos<S> {
        Pos::Unknown {
            left,
            trusted: false,
            resumed: true,
        }
    }

    /// Consumes `data`, which contains no resync point after its first byte. A record whose
    /// header ends in `data` and whose remaining bytes reach into `next` (the packet's following
    /// bytes, in another buffer) is opened whole across the two, if no resync point is pending
    /// (one could lie in `next`); returns how many bytes of `next` that took.
    fn consume<O: Opener<State = S>>(
        &mut self,
        engine: &mut O,
        salt: &[u8; SALT_LEN],
        mut data: &mut [u8],
        mut next: Option<&mut [u8]>,
    ) -> usize {
        let mut taken = 0;
        while !data.is_empty() {
            // Each step takes the position by value (the engine state moves from the body to
            // the tag and is consumed by the check) and leaves the next one.
            self.pos = match core::mem::replace(&mut self.pos, Self::before_resync(0)) {
                Pos::Unknown {
                    left,
                    trusted,
                    resumed,
                } => {
                    let n = data.len().min(left);
                    data = &mut data[n..];
                    self.tainted = true;
                    if left == n {
                        // The record at a resync point, or the flow's first on the wire.
                        Self::prepend(trusted, resumed)
                    } else {
                        Pos::Unknown {
                            left: left - n,
                            trusted,
                            resumed,
                        }
                    }
                }
                Pos::Prepend {
                    mut buf,
                    mut have,
                    trusted,
                    resumed,
                } => {
                    if !trusted {
                        self.tainted = true;
                    }
                    let n = data.len().min(PREPEND_LEN - have);
                    buf[have..have + n].copy_from_slice(&data[..n]);
                    have += n;
                    data = &mut data[n..];
                    if have >= HEADER_LEN && !header_ok(&buf) {
                        self.verdict.bad_header = true;
                        self.synced = false;
                        self.tainted = true;
                        return taken;
                    }
                    if have < PREPEND_LEN {
                        Pos::Prepend {
                            buf,
                            have,
                            trusted,
                            resumed,
                        }
                    } else {
                        let record_len = usize::from(u16::from_be_bytes([buf[3], buf[4]]));
                        let ct_len = record_len - EXPLICIT_NONCE_LEN - TAG_LEN;
                        let nonce = tls12::nonce(salt, &buf[HEADER_LEN..]);
                        let mut aad = [0u8; tls12::AAD_LEN];
                        aad[..8].copy_from_slice(&self.rcd_sn.to_be_bytes());
                        aad[8] = buf[0];
                        aad[9..11].copy_from_slice(&TLS_1_2_VERSION.to_be_bytes());
                        // ct_len <= MAX_CIPHERTEXT fits in 16 bits.
                        aad[11..13].copy_from_slice(&(ct_len as u16).to_be_bytes());
                        self.rcd_sn = self.rcd_sn.wrapping_add(1);
                        let need = ct_len + TAG_LEN;
                        // What of `next` this packet still holds.
                        let ahead = next.as_ref().map_or(0, |n| n.len().min(self.packet_left));
                        if !resumed && data.len() >= need {
                            // The whole record is here: open it at once (also on probation: the
                            // tag is what confirms the record).
                            let (record, rest) = core::mem::take(&mut data).split_at_mut(need);
                            let ok = engine.open(&nonce, &aad, record);
                            data = rest;
                            self.checked(ok, trusted)
                        } else if let Some(following) = next.take().filter(|_| {
                            !resumed && self.hint.is_none() && data.len() + ahead >= need
                        }) {
                            // The rest of the record is in the next buffer: open it whole
                            // across the two. It ends this piece.
                            let first = core::mem::take(&mut data);
                            let k = need - first.len();
                            let ok = engine.open_split(&nonce, &aad, first, &mut following[..k]);
                            taken = k;
                            self.checked(ok, trusted)
                        } else {
                            // Also on probation: the tag is what confirms the record.
                            let state = engine.begin(&nonce, &aad);
                            let alt = resumed.then(|| {
                                aad[..8].copy_from_slice(
                                    &other_rcd_sn(self.rcd_sn.wrapping_sub(1)).to_be_bytes(),
                                );
                                engine.begin(&nonce, &aad)
                            });
                            Self::body(ct_len, state, trusted, alt)
                        }
                    }
                }
                Pos::Body {
                    left,
                    mut state,
                    trusted,
                    mut alt,
                } => {
                    let n = data.len().min(left);
                    let (piece, rest) = core::mem::take(&mut data).split_at_mut(n);
                    if let Some(a) = alt.as_mut() {
                        engine.authenticate(a, piece);
                    }
                    // On probation the plaintext only feeds the tag check: the packet goes up
                    // as it came.
                    engine.decrypt(&mut state, piece);
                    if !trusted {
                        self.tainted = true;
                    }
                    data = rest;
                    Self::body(left - n, state, trusted, alt)
                }
                Pos::Tag {
                    mut tag,
                    mut have,
                    state,
                    trusted,
                    alt,
                } => {
                    let n = data.len().min(TAG_LEN - have);
                    tag[have..have + n].copy_from_slice(&data[..n]);
                    have += n;
                    data = &mut data[n..];
                    if !trusted {
                        self.tainted = true;
                    }
                    if have < TAG_LEN {
                        Pos::Tag {
                            tag,
                            have,
                            state,
                            trusted,
                            alt,
                        }
                    } else {
                        // A matching tag also authenticates the record's length (it is in the
                        // additional data), hence where the next record starts.
                        let mut ok = engine.verify(state, &tag);
                        if !ok && alt.is_some_and(|a| engine.verify(a, &tag)) {
                            // The hint's record number was the other one: so are the next.
                            self.rcd_sn = other_rcd_sn(self.rcd_sn);
                            ok = true;
                        }
                        self.checked(ok, trusted)
                    }
                }
            };
        }
        taken
    }

    /// Counts a record whose tag was checked (`ok`: it matched) and returns the position of the
    /// next record, whose boundary the match confirms. A record on probation (`!trusted`) went
    /// up as received either way.
    fn checked(&mut self, ok: bool, trusted: bool) -> Pos<S> {
        if ok {
            self.verdict.records_ok += 1;
        } else {
            self.verdict.auth_failed += 1;
            self.tainted = true;
        }
        if !trusted {
            self.tainted = true;
        }
        Self::fresh_prepend(ok)
    }

    /// The position inside a record's ciphertext with `left` bytes to go: the tag once none are.
    fn body(left: usize, state: S, trusted: bool, alt: Option<S>) -> Pos<S> {
        if left == 0 {
            Pos::Tag {
                tag: [0; TAG_LEN],
                have: 0,
                state,
                trusted,
                alt,
            }
        } else {
            Pos::Body {
                left,
                state,
                trusted,
                alt,
            }
        }
    }
}

/// Most queued records [`queued_start`] steps over: a socket's receive buffer of a few MiB holds
/// a few hundred.
const QUEUED_RECORDS_MAX: usize = 4096;

/// How records lie around the end of the data a socket holds ([`queued_start`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldStart {
    /// The first record that starts at or after the end starts at TCP sequence number `seq`
    /// and has number `rcd_sn`.
    Boundary {
        /// Where the record starts.
        seq: u32,
        /// Its record number.
        rcd_sn: u64,
    },
    /// The end cuts the header of the record numbered `rcd_sn`: the data holds its first `have`
    /// bytes (fewer than [`HEADER_LEN`]), `head[..have]`.
    CutHeader {
        /// The header's first bytes.
        head: [u8; HEADER_LEN],
        /// How many.
        have: usize,
        /// The record's number.
        rcd_sn: u64,
    },
}

/// Where the device's view of a new flow starts when its socket already holds data past the
/// flow's first record, at `start_seq` (record number `rcd_sn`), up to `held_end`: steps over the
/// records whose headers `read` finds in that data (`read(seq, buf)` copies the bytes at TCP
/// sequence number `seq` into `buf`, or returns `false`; it is never asked for bytes at or past
/// `held_end`) to the record at or after `held_end`, or to the one whose header `held_end` cuts.
/// Returns [`HeldStart::Boundary`] `{ start_seq, rcd_sn }` when nothing is held; `None` where a
/// header cannot be one or cannot be read, or the data holds more than [`QUEUED_RECORDS_MAX`]
/// records: then the device cannot know.
pub fn queued_start(
    start_seq: u32,
    rcd_sn: u64,
    held_end: u32,
    mut read: impl FnMut(u32, &mut [u8]) -> bool,
) -> Option<HeldStart> {
    let (mut seq, mut sn) = (start_seq, rcd_sn);
    for _ in 0..QUEUED_RECORDS_MAX {
        if !seq_before(seq, held_end) {
            return Some(HeldStart::Boundary { seq, rcd_sn: sn });
        }
        let mut hdr = [0u8; HEADER_LEN];
        let held = held_end.wrapping_sub(seq) as usize;
        if held < HEADER_LEN {
            // The end cuts this header; the wire brings the rest.
            return read(seq, &mut hdr[..held]).then_some(HeldStart::CutHeader {
                head: hdr,
                have: held,
                rcd_sn: sn,
            });
        }
        if !read(seq, &mut hdr) || !header_ok(&hdr) {
            return None;
        }
        let len = u32::from(u16::from_be_bytes([hdr[3], hdr[4]]));
        seq = seq.wrapping_add(HEADER_LEN as u32 + len);
        sn = sn.wrapping_add(1);
    }
    None
}

/// The other record number a resync point with record number `rcd_sn` may mean.
///
/// 6.12's kernel sends its hint in two ways: from the record parser, as "the next record starts at
/// `seq` and has number `n`"; and right after a record that was not decrypted, as
/// `(copied_seq, n + 1)`, where `copied_seq` is the start of that record while its data still
/// sits in the socket's queue (the parser's zero-copy mode) and the start of the next record once
/// it was copied out. The record at a hint is on probation anyway; the device checks its tag under
/// both `n` and `n - 1` and goes on with the one that authenticates. The ciphertext is decrypted
/// once; the second number only costs a second tag computation, for one record per resync.
fn other_rcd_sn(rcd_sn: u64) -> u64 {
    rcd_sn.wrapping_sub(1)
}

/// How many plausible headers out of sync frames are remembered.
const SEEN_SLOTS: usize = 64;

/// Plausible record headers (content type 20..=24, version 3.3, a valid length) found in the
/// frames that went by while out of sync: the latest [`SEEN_SLOTS`] of them, by TCP sequence
/// number. A false positive (ciphertext that looks like a header) is harmless: it is only ever
/// looked up at a position the record lengths lead to from a resync point.
struct Seen {
    slots: [(u32, u16); SEEN_SLOTS],
    next: usize,
    filled: usize,
    /// The last bytes scanned (a header may be cut by a frame boundary), `have` of them valid,
    /// ending just before `end`.
    window: [u8; HEADER_LEN],
    have: usize,
    end: u32,
}

impl Seen {
    const fn new() -> Self {
        Self {
            slots: [(0, 0); SEEN_SLOTS],
            next: 0,
            filled: 0,
            window: [0; HEADER_LEN],
            have: 0,
            end: 0,
        }
    }

    /// Scans `data` (at `seq`); returns the first plausible header found.
    fn scan(&mut self, seq: u32, data: &[u8]) -> Option<u32> {
        if seq != self.end {
            self.have = 0;
        }
        let mut first = None;
        let mut pos = seq;
        for &b in data {
            self.window.copy_within(1.., 0);
            self.window[HEADER_LEN - 1] = b;
            self.have = (self.have + 1).min(HEADER_LEN);
            pos = pos.wrapping_add(1);
            if self.have == HEADER_LEN && plausible(&self.window) {
                let len = u16::from_be_bytes([self.window[3], self.window[4]]);
                let at = pos.wrapping_sub(HEADER_LEN as u32);
                first = first.or(Some(at));
                self.slots[self.next] = (at, len);
                self.next = (self.next + 1) % SEEN_SLOTS;
                self.filled = (self.filled + 1).min(SEEN_SLOTS);
            }
        }
        self.end = pos;
        first
    }

    /// From resync point `hint`, steps over records whose headers were seen until the position
    /// is at or past `upto`; `None` if a header on the way was not seen.
    fn follow(&self, mut hint: Hint, upto: u32) -> Option<Hint> {
        for _ in 0..=SEEN_SLOTS {
            if !seq_before(hint.seq, upto) {
                return Some(hint);
            }
            let &(_, len) = self.slots[..self.filled]
                .iter()
                .find(|&&(at, _)| at == hint.seq)?;
            hint = Hint {
                seq: hint
                    .seq
                    .wrapping_add(HEADER_LEN as u32)
                    .wrapping_add(u32::from(len)),
                rcd_sn: hint.rcd_sn.wrapping_add(1),
            };
        }
        None
    }
}

/// Whether `hdr` can be a TLS 1.2 record header (content type included).
fn plausible(hdr: &[u8; HEADER_LEN]) -> bool {
    (20..=24).contains(&hdr[0]) && header_ok(hdr)
}

/// Whether the first [`HEADER_LEN`] bytes of `buf` (at least that long) can be a TLS 1.2 AEAD
/// record header.
fn header_ok(buf: &[u8]) -> bool {
    let len = usize::from(u16::from_be_bytes([buf[3], buf[4]]));
    u16::from_be_bytes([buf[1], buf[2]]) == TLS_1_2_VERSION
        && (EXPLICIT_NONCE_LEN + TAG_LEN..=EXPLICIT_NONCE_LEN + MAX_CIPHERTEXT + TAG_LEN)
            .contains(&len)
}

pub mod resync;

#[cfg(test)]
mod tests;
