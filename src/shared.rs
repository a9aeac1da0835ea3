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
    #[should_panic]
    fn out_of_range_rows_are_refused() {
        let mut data = vec![0f32; 6];
        let m = SharedMatrix::new(&mut data, 3);
        let _ = m.row(2);
    }
}
