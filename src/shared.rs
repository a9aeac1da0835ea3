//! Parameters shared by all training threads without locks (Hogwild!), and the row handles
//! through which everything reads and writes them.
//!
//! This module holds the `unsafe` that shares the matrices between threads and the invariants
//! of the handles; the vector kernels (`kernels`) load and store through the handles, relying
//! on those invariants and nothing else.
//!
//! # What is not guaranteed: the Hogwild race
//!
//! Training threads read and write the same rows at the same time, unsynchronised, as word2vec
//! does. In Rust's memory model, as in C's, a write to a location concurrent with another
//! access to it, neither atomic, is a data race, and a data race is undefined behaviour. We
//! accept that on purpose: atomic accesses would rule out the SIMD loads and stores of the
//! kernels, and locks would serialise the threads. The race is let in at one place, the `Sync`
//! impl of [`SharedMatrix`]; nothing else here relies on it being benign.
//!
//! What the hardware does with it (x86-64, AArch64): aligned `f32` loads and stores are single
//! accesses, so a reader sees the old or the new value of each element, never a torn one; a
//! vector load may mix old and new elements, and one thread's update may overwrite another's.
//! Those stale or lost updates are the accepted cost of Hogwild SGD (Recht et al., 2011):
//! updates are sparse, so collisions are rare and act as a little gradient noise. The
//! compiler, for its part, may assume no other thread writes a row meanwhile (and, say, load
//! an element once where the code reads it twice); that too only changes which float values
//! are used. No index, length or pointer is ever read from shared storage: racing values only
//! flow into float arithmetic, and where one chooses a table entry (the sigmoid table) the
//! index is bounds-checked.
//!
//! # What is guaranteed
//!
//! - Bounds: every row index is checked against the row count and every handle carries its
//!   row's length; the kernels check lengths before they touch memory, so no access leaves
//!   the allocation.
//! - No reallocation or free while threads run: a [`SharedMatrix`] mutably borrows its storage
//!   for its whole life, so its owner can neither read, resize nor drop it until the matrix
//!   and every handle taken from it are gone; the training threads are scoped within that.
//! - No Rust reference into shared storage: rows are handed out as [`Row`] / [`RowMut`], a
//!   pointer and a length like `&[Cell<f32>]`, never as `&[f32]` / `&mut [f32]`. So no
//!   reference is ever live over memory another thread writes, no two `&mut` alias, and the
//!   compiler is never told a row is unaliased or unchanging.
//! - Lifetimes: a handle borrows the matrix (or the buffer) it came from and cannot outlive
//!   it. Handles are neither `Send` nor `Sync`; a thread takes its own from the shared matrix.
//! - Within one thread all is sequential and defined: several handles may view one row, and a
//!   write through one is seen by reads through the others, as with `Cell`.

use std::marker::PhantomData;

/// A read-only view of a row of floats that other threads may write meanwhile: a pointer and
/// a length, not a reference. Made from a [`SharedMatrix`], a [`RowMut`] or a slice.
///
/// Invariant: `ptr` is valid for reads of `len` floats for `'a`.
#[derive(Clone, Copy, Debug)]
pub struct Row<'a> {
    ptr: *const f32,
    len: usize,
    _borrow: PhantomData<&'a [f32]>,
}

/// A readable and writable view of a row of floats, like `&'a [Cell<f32>]`: it may be copied,
/// and other handles (and other threads, for a shared row) may view the same row.
///
/// Invariant: `ptr` is valid for reads and writes of `len` floats for `'a`, and no Rust
/// reference to those floats is live during `'a`.
#[derive(Clone, Copy, Debug)]
pub struct RowMut<'a> {
    ptr: *mut f32,
    len: usize,
    _borrow: PhantomData<&'a mut [f32]>,
}

impl<'a> Row<'a> {
    /// A row of no floats.
    pub const EMPTY: Row<'static> = Row {
        ptr: std::ptr::NonNull::dangling().as_ptr(),
        len: 0,
        _borrow: PhantomData,
    };

    #[inline(always)]
    pub fn len(self) -> usize {
        self.len
    }

    /// Only where the `internals` feature exports the type (clippy asks for it beside `len`).
    #[cfg(feature = "internals")]
    #[inline(always)]
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The start of the row: valid for reads of [`Row::len`] floats while the row lives.
    #[inline(always)]
    pub fn as_ptr(self) -> *const f32 {
        self.ptr
    }

    /// Element `i`; panics when out of range.
    #[inline(always)]
    pub fn get(self, i: usize) -> f32 {
        assert!(i < self.len());
        // SAFETY: `i < len`, and `ptr` is valid for reads of `len` floats (type invariant).
        unsafe { self.ptr.add(i).read() }
    }

    /// The elements one by one.
    #[inline(always)]
    pub fn iter(self) -> impl Iterator<Item = f32> + 'a {
        (0..self.len()).map(move |i| self.get(i))
    }

    #[cfg(test)]
    pub fn to_vec(self) -> Vec<f32> {
        self.iter().collect()
    }
}

impl<'a> From<&'a [f32]> for Row<'a> {
    /// Borrows the slice for `'a`, so nothing writes it meanwhile.
    #[inline(always)]
    fn from(s: &'a [f32]) -> Row<'a> {
        Row {
            ptr: s.as_ptr(),
            len: s.len(),
            _borrow: PhantomData,
        }
    }
}

impl<'a> From<&'a Vec<f32>> for Row<'a> {
    #[inline(always)]
    fn from(v: &'a Vec<f32>) -> Row<'a> {
        Row::from(v.as_slice())
    }
}

impl<'a> RowMut<'a> {
    #[inline(always)]
    pub fn len(self) -> usize {
        self.len
    }

    /// Only where the `internals` feature exports the type (clippy asks for it beside `len`).
    #[cfg(feature = "internals")]
    #[inline(always)]
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    /// The same row, read-only.
    #[inline(always)]
    pub fn as_row(self) -> Row<'a> {
        Row {
            ptr: self.ptr,
            len: self.len,
            _borrow: PhantomData,
        }
    }

    /// The start of the row: valid for reads and writes of [`RowMut::len`] floats while the
    /// row lives.
    #[inline(always)]
    pub fn as_mut_ptr(self) -> *mut f32 {
        self.ptr
    }

    /// Element `i`; panics when out of range.
    #[inline(always)]
    pub fn get(self, i: usize) -> f32 {
        self.as_row().get(i)
    }

    /// Sets element `i`; panics when out of range.
    #[inline(always)]
    pub fn set(self, i: usize, value: f32) {
        assert!(i < self.len());
        // SAFETY: `i < len`, and `ptr` is valid for writes of `len` floats (type invariant).
        unsafe { self.ptr.add(i).write(value) }
    }
}

impl<'a> From<RowMut<'a>> for Row<'a> {
    #[inline(always)]
    fn from(r: RowMut<'a>) -> Row<'a> {
        r.as_row()
    }
}

impl<'a> From<&'a mut [f32]> for RowMut<'a> {
    /// Borrows the slice mutably for `'a`, so no reference to it is used meanwhile.
    #[inline(always)]
    fn from(s: &'a mut [f32]) -> RowMut<'a> {
        RowMut {
            ptr: s.as_mut_ptr(),
            len: s.len(),
            _borrow: PhantomData,
        }
    }
}

/// A row-major matrix that many threads may read and write concurrently, through row
/// handles only.
pub struct SharedMatrix<'a> {
    ptr: *mut f32,
    rows: usize,
    cols: usize,
    _borrow: PhantomData<&'a mut [f32]>,
}

// SAFETY: a `SharedMatrix` stands for the `&'a mut [f32]` it was made from (a pointer, not
// a reference, into that borrow), and `&mut [f32]` may move to another thread.
unsafe impl Send for SharedMatrix<'_> {}

// SAFETY: not a proof. Sharing lets threads take handles to one row at once and race on its
// elements: the Hogwild data race the module doc accepts on purpose, and the only one. All
// else holds across threads: indices are bounds-checked, the storage is borrowed for 'a and
// outlives every handle, and no reference into it is made.
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

    /// A read-only handle to row `i`; panics when out of range.
    #[inline(always)]
    pub fn row(&self, i: usize) -> Row<'_> {
        self.row_mut(i).as_row()
    }

    /// A writable handle to row `i`; panics when out of range. Handles may coexist, in this
    /// thread and others (see the module doc).
    #[inline(always)]
    pub fn row_mut(&self, i: usize) -> RowMut<'_> {
        assert!(i < self.rows);
        RowMut {
            // SAFETY: `i < rows`, so the offset `i * cols` stays inside the allocation.
            ptr: unsafe { self.ptr.add(i * self.cols) },
            len: self.cols,
            _borrow: PhantomData,
        }
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
                // SAFETY: a prefetch is a hint: it reads nothing the program sees and never
                // faults (SSE, which every x86-64 CPU has); the address is inside row `i`.
                unsafe { _mm_prefetch::<_MM_HINT_T0>(start.wrapping_add(off)) };
                off += 64;
            }
        }
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
            rows.extend(shared.row(r).iter());
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
    pub fn get(&mut self, i: usize) -> Option<RowMut<'_>> {
        let k = i.checked_sub(self.from)?;
        let row = self.rows.get_mut(k * self.cols..(k + 1) * self.cols)?;
        Some(RowMut::from(row))
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
            for (c, (m, b)) in mine.iter_mut().zip(base.iter_mut()).enumerate() {
                let merged = row.get(c) + (*m - *b);
                row.set(c, merged);
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
            m.row_mut(1).set(2, 5.0);
            assert_eq!(m.row(1).to_vec(), [0.0, 0.0, 5.0]);
        }
        assert_eq!(data[5], 5.0);
    }

    #[test]
    fn local_rows_merge_every_threads_change() {
        let mut data = vec![1f32; 8];
        let m = SharedMatrix::new(&mut data, 2);
        let (mut a, mut b) = (LocalRows::new(&m, 2), LocalRows::new(&m, 2));
        assert!(a.get(1).is_none());
        let add = |r: RowMut<'_>, i: usize, x: f32| r.set(i, r.get(i) + x);
        add(a.get(3).unwrap(), 0, 0.5);
        add(b.get(3).unwrap(), 0, 0.25);
        add(b.get(2).unwrap(), 1, -1.0);
        assert_eq!(
            m.row(3).to_vec(),
            [1.0, 1.0],
            "nothing shared before a merge"
        );
        a.merge(&m);
        b.merge(&m);
        assert_eq!(m.row(3).to_vec(), [1.75, 1.0]);
        assert_eq!(m.row(2).to_vec(), [1.0, 0.0]);
        // b took the merged values; a sees b's change after its next merge.
        assert_eq!(b.get(3).unwrap().as_row().to_vec(), [1.75, 1.0]);
        a.merge(&m);
        assert_eq!(a.get(3).unwrap().as_row().to_vec(), [1.75, 1.0]);
        assert_eq!(
            m.row(3).to_vec(),
            [1.75, 1.0],
            "a merge without changes changes nothing"
        );
    }

    /// Handles are views, not borrows: two to one row, in one thread, see each other's
    /// writes at once, as two `&Cell`s would.
    #[test]
    fn handles_to_one_row_see_each_others_writes() {
        let mut data = vec![1f32; 4];
        let m = SharedMatrix::new(&mut data, 2);
        let (a, b) = (m.row_mut(1), m.row_mut(1));
        a.set(0, 3.0);
        assert_eq!(b.get(0), 3.0);
        b.set(0, b.get(0) + 1.0);
        assert_eq!(m.row(1).to_vec(), [4.0, 1.0]);
        assert_eq!(m.row(0).to_vec(), [1.0, 1.0]);
    }

    #[test]
    #[should_panic]
    fn out_of_range_elements_are_refused() {
        let mut data = vec![0f32; 6];
        let m = SharedMatrix::new(&mut data, 3);
        m.row_mut(1).set(3, 1.0);
    }

    #[test]
    #[should_panic]
    fn out_of_range_rows_are_refused() {
        let mut data = vec![0f32; 6];
        let m = SharedMatrix::new(&mut data, 3);
        let _ = m.row(2);
    }
}
