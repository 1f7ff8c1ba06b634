// SPDX-License-Identifier: GPL-2.0

//! A fixed-capacity FIFO (ring buffer) that never allocates: the device's queue of packets
//! waiting for an asynchronous crypto engine, filled in atomic context.

/// At most `N` items in order; a consumer that cannot handle the head puts it back in front.
pub struct Fifo<T, const N: usize> {
    slots: [Option<T>; N],
    head: usize,
    len: usize,
}

impl<T, const N: usize> Default for Fifo<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> Fifo<T, N> {
    /// Empty.
    pub const fn new() -> Self {
        Self {
            slots: [const { None }; N],
            head: 0,
            len: 0,
        }
    }

    /// Items queued.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends `item`; gives it back if the queue is full.
    pub fn push_back(&mut self, item: T) -> Result<(), T> {
        if self.len == N {
            return Err(item);
        }
        self.slots[(self.head + self.len) % N] = Some(item);
        self.len += 1;
        Ok(())
    }

    /// Puts `item` in front (a head taken with [`Fifo::pop_front`] that must wait); gives it back
    /// if the queue is full.
    pub fn push_front(&mut self, item: T) -> Result<(), T> {
        if self.len == N {
            return Err(item);
        }
        self.head = (self.head + N - 1) % N;
        self.slots[self.head] = Some(item);
        self.len += 1;
        Ok(())
    }

    /// Takes the oldest item.
    pub fn pop_front(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = self.slots[self.head].take();
        self.head = (self.head + 1) % N;
        self.len -= 1;
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_capacity_and_put_back() {
        let mut q: Fifo<u32, 3> = Fifo::new();
        assert!(q.is_empty());
        assert_eq!(q.pop_front(), None);
        for i in 0..3 {
            assert_eq!(q.push_back(i), Ok(()));
        }
        assert_eq!(q.push_back(9), Err(9));
        assert_eq!(q.push_front(9), Err(9));
        assert_eq!(q.pop_front(), Some(0));
        assert_eq!(q.push_front(0), Ok(()));
        assert_eq!(q.len(), 3);
        // Wrap around many times; order is kept.
        let mut next = 3;
        let mut expect = 0;
        for _ in 0..10 {
            assert_eq!(q.pop_front(), Some(expect));
            expect += 1;
            assert_eq!(q.push_back(next), Ok(()));
            next += 1;
        }
        while let Some(v) = q.pop_front() {
            assert_eq!(v, expect);
            expect += 1;
        }
        assert_eq!(expect, next);
    }
}
