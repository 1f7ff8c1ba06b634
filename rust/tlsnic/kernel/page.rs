// SPDX-License-Identifier: GPL-2.0

//! Pages the data path fills and shares with socket buffers: [`PageBlock`] (a block of pages
//! the device writes while it is private, then lends to skbs by reference), [`PageRefs`]
//! (references on page spans someone else wrote, for reading), and [`FragAlloc`] (a block handed
//! out front to back, the page-fragment allocator pattern).
//!
//! C header: [`include/linux/mm.h`](srctree/include/linux/mm.h).

use crate::base::bindings;
use core::ptr::NonNull;

/// Largest number of page spans a [`PageRefs`] holds (`MAX_SKB_FRAGS`: as many as an skb).
pub(crate) const MAX_SPANS: usize = bindings::TLSNIC_MAX_SKB_FRAGS as usize;

/// A block of directly mapped pages (an order-3 compound page, 32 KiB), on which this value
/// holds one reference. Writable only while no one else holds a reference; skbs that reference
/// it only read it, and the block is freed with the last reference.
///
/// # Invariants
///
/// The pointer is a compound page of order [`PageBlock::ORDER`] in the direct map, on which this
/// value owns one reference.
pub(crate) struct PageBlock(NonNull<bindings::page>);

// SAFETY: a page reference may be held and dropped from any context.
unsafe impl Send for PageBlock {}
// SAFETY: shared access only reads the block.
unsafe impl Sync for PageBlock {}

impl PageBlock {
    const ORDER: u32 = 3;
    /// Bytes in the block.
    pub(crate) const SIZE: usize = kernel::page::PAGE_SIZE << Self::ORDER;

    /// Allocates a block (any context; atomic allocation). `None` when out of memory.
    pub(crate) fn alloc() -> Option<Self> {
        let gfp = bindings::TLSNIC_GFP_ATOMIC_NOWARN | bindings::TLSNIC_GFP_COMP;
        // SAFETY: plain page allocation; atomic, so any context.
        let page = unsafe { bindings::tlsnic_alloc_pages(gfp, Self::ORDER) };
        // INVARIANT: a compound page of `ORDER` (`__GFP_COMP`), without `__GFP_HIGHMEM` so in the
        // direct map, with the one reference the allocation gives.
        NonNull::new(page).map(Self)
    }

    /// Whether others (skbs) reference the block: it must not be written then.
    pub(crate) fn is_shared(&self) -> bool {
        // SAFETY: we hold a reference, so the page is live.
        unsafe { bindings::tlsnic_page_ref_count(self.0.as_ptr()) > 1 }
    }

    fn addr(&self) -> *mut u8 {
        // SAFETY: the block is live (type invariant); a directly mapped page has an address.
        unsafe { bindings::tlsnic_page_address(self.0.as_ptr()).cast::<u8>() }
    }

    /// The block's bytes, for reading.
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: the block is `SIZE` bytes of directly mapped memory, live while we hold our
        // reference. Holders of other references (skbs) only read it.
        unsafe { core::slice::from_raw_parts(self.addr(), Self::SIZE) }
    }

    /// The block's bytes, for writing: only while no one else references it.
    pub(crate) fn bytes_mut(&mut self) -> Option<&mut [u8]> {
        if self.is_shared() {
            return None;
        }
        // SAFETY: as in `bytes`; ours is the only reference, and `&mut self` excludes our own
        // readers.
        Some(unsafe { core::slice::from_raw_parts_mut(self.addr(), Self::SIZE) })
    }

    pub(in crate::base) fn as_raw(&self) -> *mut bindings::page {
        self.0.as_ptr()
    }
}

impl Drop for PageBlock {
    fn drop(&mut self) {
        // SAFETY: we own one reference; the block is freed with the last one.
        unsafe { bindings::tlsnic_put_page(self.0.as_ptr()) }
    }
}

/// One referenced page span: `len` bytes at offset `off` of `page` (which may be compound).
#[derive(Clone, Copy)]
pub(in crate::base) struct PageSpan {
    pub(in crate::base) page: NonNull<bindings::page>,
    pub(in crate::base) off: u32,
    pub(in crate::base) len: u32,
}

/// References on up to [`MAX_SPANS`] page spans that hold a run of bytes someone else wrote,
/// released on drop. Read-only: the pages may be shared with anyone.
///
/// # Invariants
///
/// This value owns one reference on the page of each of its `n` spans.
pub(crate) struct PageRefs {
    spans: [Option<PageSpan>; MAX_SPANS],
    n: usize,
    len: u32,
}

// SAFETY: page references may be held and released from any context.
unsafe impl Send for PageRefs {}
// SAFETY: shared access only reads the immutable spans.
unsafe impl Sync for PageRefs {}

impl PageRefs {
    /// No spans.
    pub(in crate::base) const fn new() -> Self {
        Self {
            spans: [None; MAX_SPANS],
            n: 0,
            len: 0,
        }
    }

    /// Adds a span. Returns `false` (adding nothing) when full or the length overflows.
    ///
    /// # Safety
    ///
    /// The caller passes ownership of one reference on `span.page`, whose bytes
    /// `[off, off + len)` stay readable while it is held.
    pub(in crate::base) unsafe fn push(&mut self, span: PageSpan) -> bool {
        let Some(len) = self.len.checked_add(span.len) else {
            return false;
        };
        if self.n == MAX_SPANS {
            return false;
        }
        self.spans[self.n] = Some(span);
        self.n += 1;
        self.len = len;
        true
    }

    /// Bytes covered.
    pub(crate) fn len(&self) -> u32 {
        self.len
    }

    /// The referenced spans, in order.
    pub(in crate::base) fn spans(&self) -> impl Iterator<Item = PageSpan> + '_ {
        self.spans[..self.n].iter().flatten().copied()
    }

    /// Copies bytes `[skip, skip + dst.len())` into `dst`. Returns `false` if there are fewer.
    pub(crate) fn copy_at(&self, mut skip: u32, dst: &mut [u8]) -> bool {
        let mut pos = 0usize;
        for span in self.spans() {
            if pos == dst.len() {
                break;
            }
            if skip >= span.len {
                skip -= span.len;
                continue;
            }
            let n = ((span.len - skip) as usize).min(dst.len() - pos);
            // One base page at a time (`memcpy_from_page` maps one).
            let mut at = span.off + skip;
            for chunk in dst[pos..pos + n].chunks_mut(kernel::page::PAGE_SIZE) {
                let in_page = kernel::page::PAGE_SIZE - at as usize % kernel::page::PAGE_SIZE;
                let (head, tail) = chunk.split_at_mut(in_page.min(chunk.len()));
                for part in [head, tail] {
                    if part.is_empty() {
                        continue;
                    }
                    // SAFETY: we hold a reference on the page (type invariant); `[at, at +
                    // part.len())` is within the span and within one base page; `part` is
                    // writable for its length.
                    unsafe {
                        bindings::tlsnic_memcpy_from_page(
                            part.as_mut_ptr().cast(),
                            span.page.as_ptr(),
                            at,
                            part.len() as u32,
                        )
                    };
                    at += part.len() as u32;
                }
            }
            pos += n;
            skip = 0;
        }
        pos == dst.len()
    }
}

impl Drop for PageRefs {
    fn drop(&mut self) {
        for span in self.spans() {
            // SAFETY: each reference is owned by this value (type invariant) and released once.
            unsafe { bindings::tlsnic_put_page(span.page.as_ptr()) };
        }
    }
}

/// A page block handed out front to back in fresh regions: a region, once attached to an skb,
/// is never written again; only bytes past the fill mark are handed out for writing. The block
/// can thus be shared with skbs still queued somewhere while the owner writes on.
pub(crate) struct FragAlloc {
    block: Option<PageBlock>,
    /// Bytes of `block` handed out so far.
    used: usize,
    /// Blocks before `block`, kept from the [`FragAlloc::reserve_run`] that started their
    /// successors for as long as that run's regions may borrow them: until the next call.
    prev: [Option<PageBlock>; MAX_RUN - 1],
}

/// A fresh region of a [`FragAlloc`] block, writable until attached to an skb.
pub(crate) struct FragRegion<'a> {
    pub(in crate::base) block: &'a PageBlock,
    pub(in crate::base) off: usize,
    bytes: &'a mut [u8],
}

/// Most regions in a [`FragRun`]: enough for a frame of up to 64 KiB whatever the room left in
/// the current block.
pub(crate) const MAX_RUN: usize = 3;

/// Fresh bytes of a [`FragAlloc`] in consecutive regions, one per block they lie in.
pub(crate) struct FragRun<'a> {
    regions: [Option<FragRegion<'a>>; MAX_RUN],
}

impl FragAlloc {
    /// Regions smaller than this are not cut from the end of a block: a new block starts.
    const MIN_PIECE: usize = 2048;

    /// Nothing allocated yet.
    pub(crate) const fn new() -> Self {
        Self {
            block: None,
            used: 0,
            prev: [const { None }; MAX_RUN - 1],
        }
    }

    /// Hands out the next fresh bytes, up to `max` of them, as a run of up to [`MAX_RUN`]
    /// regions: the rest of the current block (a new block is started outright when the room
    /// left is small), then the start of new blocks while more is wanted. The run is shorter
    /// than `max` when `max` exceeds the room left plus [`MAX_RUN`]` - 1` blocks, or when a
    /// further block cannot be had. `None` when out of memory or `max` is 0.
    pub(crate) fn reserve_run(&mut self, max: usize) -> Option<FragRun<'_>> {
        // The last run's regions are attached by now (they borrowed `self`).
        self.prev = [const { None }; MAX_RUN - 1];
        if max == 0 {
            return None;
        }
        let room = if self.block.is_some() {
            PageBlock::SIZE - self.used
        } else {
            0
        };
        if room < max.min(Self::MIN_PIECE) {
            self.block = Some(PageBlock::alloc()?);
            self.used = 0;
        }
        let mut lens = [0usize; MAX_RUN];
        let first_off = self.used;
        lens[0] = max.min(PageBlock::SIZE - first_off);
        let mut left = max - lens[0];
        // New blocks: the regions after the first start at their offset 0.
        let mut fresh = 0;
        while left > 0 && fresh + 1 < MAX_RUN {
            let Some(next) = PageBlock::alloc() else {
                break;
            };
            // The current block is handed out to its end; the new one takes over.
            self.prev[fresh] = self.block.replace(next);
            fresh += 1;
            lens[fresh] = left.min(PageBlock::SIZE);
            left -= lens[fresh];
        }
        if fresh == 0 {
            self.used += lens[0];
        } else {
            self.used = lens[fresh];
        }
        let mut run = FragRun {
            regions: [const { None }; MAX_RUN],
        };
        for (i, len) in lens.into_iter().enumerate().take(fresh + 1) {
            let block = if i == fresh {
                self.block.as_ref()?
            } else {
                self.prev[i].as_ref()?
            };
            let off = if i == 0 { first_off } else { 0 };
            // The fill mark only grows within a block, so `[first_off, first_off + lens[0])` lies
            // past every region handed out of its block before, and the later regions are the
            // start of blocks nobody else references yet: no skb and no other `FragRegion` refers
            // to these bytes, and the run borrows `self` mutably, so no other run can be handed
            // out meanwhile. `prev` and `block` (the regions' blocks) stay until the next call.
            // SAFETY: `SIZE` bytes of directly mapped memory, live while we hold our reference;
            // `[off, off + len)` is within them and referenced by nobody else (see above).
            let bytes = unsafe { core::slice::from_raw_parts_mut(block.addr().add(off), len) };
            run.regions[i] = Some(FragRegion { block, off, bytes });
        }
        Some(run)
    }
}

impl<'a> FragRun<'a> {
    /// The regions' bytes, in order (empty for none).
    pub(crate) fn parts(&mut self) -> [&mut [u8]; MAX_RUN] {
        self.regions
            .each_mut()
            .map(|r| r.as_mut().map_or(&mut [][..], FragRegion::bytes))
    }

    /// The regions, in order, to attach.
    pub(crate) fn into_regions(self) -> impl Iterator<Item = FragRegion<'a>> {
        self.regions.into_iter().flatten()
    }
}

impl FragRegion<'_> {
    /// The region's bytes.
    pub(crate) fn bytes(&mut self) -> &mut [u8] {
        self.bytes
    }

    /// The region's length.
    pub(crate) fn len(&self) -> usize {
        self.bytes.len()
    }
}
