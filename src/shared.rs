//! Parameters shared by all training threads without locks (Hogwild!).
//!
//! This module holds every `unsafe` that lets threads write the same matrices at once.
//!
//! Invariant, and why it is sound enough: a [`SharedMatrix`] mutably borrows its storage for its
//! whole life, so nothing outside the training threads can see it. Inside, threads hand each
//! other no references: each training step takes a row slice, reads or writes it within one
//! short kernel call, and drops it. Two threads can touch the same row at the same time; then
//! the race is on individual aligned `f32` values, which x86-64 and AArch64 load and store
//! whole, so a reader sees either the old or the new value of each element, never a torn one.
//! Lost or stale updates are the accepted cost of Hogwild SGD (Recht et al., 2011): updates are
//! sparse, so collisions are rare and act as small gradient noise. Row indices are always
//! bounds-checked, so no access leaves the allocation.

use std::marker::PhantomData;

/// A row-major matrix that many threads may read and write concurrently.
pub struct SharedMatrix<'a> {
    ptr: *mut f32,
    rows: usize,
    cols: usize,
    _borrow: PhantomData<&'a mut [f32]>,
}

// SAFETY: see the module invariant; the pointer comes from a `&'a mut [f32]` held for 'a.
unsafe impl Send for SharedMatrix<'_> {}
unsafe impl Sync for SharedMatrix<'_> {}

impl<'a> SharedMatrix<'a> {
    pub fn new(data: &'a mut [f32], cols: usize) -> Self {
        assert!(cols > 0 && data.len().is_multiple_of(cols), "whole rows");
        SharedMatrix {
            ptr: data.as_mut_ptr(),
            rows: data.len() / cols,
            cols,
            _borrow: PhantomData,
        }
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    #[inline(always)]
    pub fn row(&self, i: usize) -> &[f32] {
        assert!(i < self.rows);
        // SAFETY: in bounds; concurrent writes are tolerated per the module invariant.
        unsafe { std::slice::from_raw_parts(self.ptr.add(i * self.cols), self.cols) }
    }

    /// Asks the CPU to start loading row `i` into cache; the tree path and the next context
    /// word are known ahead, and waiting for their rows is most of the training time.
    #[inline(always)]
    pub fn prefetch(&self, i: usize) {
        #[cfg(target_arch = "x86_64")]
        if i < self.rows {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let start = self.ptr.wrapping_add(i * self.cols) as *const i8;
            let bytes = self.cols * 4;
            let mut off = 0;
            while off < bytes {
                // SAFETY: a prefetch never faults; the address is inside the allocation.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(off)) };
                off += 64;
            }
        }
    }

    /// A writable view of row `i`. Callers keep it only for one kernel call.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub fn row_mut(&self, i: usize) -> &mut [f32] {
        assert!(i < self.rows);
        // SAFETY: in bounds; concurrent access is tolerated per the module invariant.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(i * self.cols), self.cols) }
    }
}

/// A thread's private copy of the last rows of a shared matrix, merged back now and then.
///
/// Hierarchical softmax writes the rows next to the root on nearly every step. With two
/// threads writing them at once each write moves the row's cache lines from one core to the
/// other, and on a 1,600-word vocabulary two threads ran slower than one. A thread instead
/// updates its own copy and, every few hundred words, adds its change since the last merge
/// to the shared rows and takes their sum: the same updates, seen by other threads a little
/// later, as delayed Hogwild updates are.
pub struct LocalRows {
    from: usize,
    cols: usize,
    rows: Vec<f32>,
    /// The values at the last merge; `rows - base` is this thread's change since.
    base: Vec<f32>,
}

impl LocalRows {
    /// Copies rows `from..` of `shared`.
    pub fn new(shared: &SharedMatrix<'_>, from: usize) -> LocalRows {
        let from = from.min(shared.rows);
        let mut rows = Vec::with_capacity((shared.rows - from) * shared.cols);
        for r in from..shared.rows {
            rows.extend_from_slice(shared.row(r));
        }
        LocalRows {
            from,
            cols: shared.cols,
            base: rows.clone(),
            rows,
        }
    }

    /// The private copy of row `i`, if it is one of the copied rows.
    #[inline(always)]
    pub fn get(&mut self, i: usize) -> Option<&mut [f32]> {
        let k = i.checked_sub(self.from)?;
        self.rows.get_mut(k * self.cols..(k + 1) * self.cols)
    }

    /// Adds this thread's change since the last merge to the shared rows and continues from
    /// their current values (which include other threads' merged changes).
    pub fn merge(&mut self, shared: &SharedMatrix<'_>) {
        for (k, (mine, base)) in self
            .rows
            .chunks_exact_mut(self.cols)
            .zip(self.base.chunks_exact_mut(self.cols))
            .enumerate()
        {
            let row = shared.row_mut(self.from + k);
            for ((s, m), b) in row.iter_mut().zip(mine.iter_mut()).zip(base.iter_mut()) {
                let merged = *s + (*m - *b);
                *s = merged;
                *m = merged;
                *b = merged;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_view_the_borrowed_storage() {
        let mut data = vec![0f32; 6];
        {
            let m = SharedMatrix::new(&mut data, 3);
            assert_eq!(m.rows(), 2);
            m.row_mut(1)[2] = 5.0;
            assert_eq!(m.row(1), &[0.0, 0.0, 5.0]);
        }
        assert_eq!(data[5], 5.0);
    }

    #[test]
    fn local_rows_merge_every_threads_change() {
        let mut data = vec![1f32; 8];
        let m = SharedMatrix::new(&mut data, 2);
        let (mut a, mut b) = (LocalRows::new(&m, 2), LocalRows::new(&m, 2));
        assert!(a.get(1).is_none());
        a.get(3).unwrap()[0] += 0.5;
        b.get(3).unwrap()[0] += 0.25;
        b.get(2).unwrap()[1] -= 1.0;
        assert_eq!(m.row(3), &[1.0, 1.0], "nothing shared before a merge");
        a.merge(&m);
        b.merge(&m);
        assert_eq!(m.row(3), &[1.75, 1.0]);
        assert_eq!(m.row(2), &[1.0, 0.0]);
        // b took the merged values; a sees b's change after its next merge.
        assert_eq!(b.get(3).unwrap(), &[1.75, 1.0]);
        a.merge(&m);
        assert_eq!(a.get(3).unwrap(), &[1.75, 1.0]);
        assert_eq!(
            m.row(3),
            &[1.75, 1.0],
            "a merge without changes changes nothing"
        );
    }

    #[test]
    #[should_panic]
    fn out_of_range_rows_are_refused() {
        let mut data = vec![0f32; 6];
        let m = SharedMatrix::new(&mut data, 3);
        let _ = m.row(2);
    }
}
