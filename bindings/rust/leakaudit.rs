//! leakaudit.rs: Rust helpers for leakaudit, one file, std only.
//!
//! Copy it into a crate (or `#[path = ".../leakaudit.rs"] mod leakaudit;`):
//!
//! ```ignore
//! let cfg: &'static mut Config = leakaudit::leak(Box::new(cfg), "config");
//! ```
//!
//! `leak` is `Box::leak` that also marks the block as an intentional leak
//! through the shim's `leak_mark` (found with `dlsym` at run time: no link
//! dependency), so that it and what it owns are not reported as leaks.
//! Without the shim it is `Box::leak` and nothing more.  Builds without a
//! warning with Rust 1.82 and later (its `unsafe extern` block, which the
//! 2024 edition requires), in the 2018, 2021 and 2024 editions.
#![allow(dead_code)]

use std::ffi::CString;
use std::os::raw::{c_char, c_int, c_void};
use std::sync::atomic::{AtomicUsize, Ordering};

unsafe extern "C" {
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

/// The shim's function NAME (with its NUL), looked up once into CACHE:
/// 0 not looked up yet, 1 no shim, else the address.
fn lookup(name: &'static [u8], cache: &AtomicUsize) -> Option<usize> {
    let mut f = cache.load(Ordering::Acquire);
    if f == 0 {
        // A null handle is RTLD_DEFAULT.
        f = unsafe { dlsym(std::ptr::null_mut(), name.as_ptr() as *const c_char) } as usize;
        if f == 0 {
            f = 1;
        }
        cache.store(f, Ordering::Release);
    }
    if f == 1 {
        None
    } else {
        Some(f)
    }
}

/// Marks the heap block that `value` lives in as an intentional leak,
/// with `why`.  True when marked, or when the shim is not loaded.
#[inline(never)]
pub fn mark<T: ?Sized>(value: &T, why: &str) -> bool {
    static CACHE: AtomicUsize = AtomicUsize::new(0);
    type MarkFn = unsafe extern "C" fn(*const c_void, *const c_char) -> c_int;
    let f = match lookup(b"leak_mark\0", &CACHE) {
        Some(f) => f,
        None => return true,
    };
    // A why with a NUL inside is cut there.
    let why = CString::new(why.split('\0').next().unwrap_or("")).unwrap_or_default();
    let f: MarkFn = unsafe { std::mem::transmute(f) };
    unsafe { f(value as *const T as *const c_void, why.as_ptr()) == 0 }
}

/// `Box::leak`, marked as an intentional leak with `why`.  Zero-sized
/// values have no heap block and are not marked.
#[inline(never)]
pub fn leak<T>(b: Box<T>, why: &str) -> &'static mut T {
    let value: &'static mut T = Box::leak(b);
    if std::mem::size_of::<T>() != 0 {
        mark(&*value, why);
    }
    value
}

/// `leak_snapshot()`: the live blocks recorded now, as a snapshot run,
/// while the program goes on.  True when taken, or without the shim.
pub fn snapshot() -> bool {
    static CACHE: AtomicUsize = AtomicUsize::new(0);
    type SnapshotFn = unsafe extern "C" fn() -> c_int;
    match lookup(b"leak_snapshot\0", &CACHE) {
        Some(f) => {
            let f: SnapshotFn = unsafe { std::mem::transmute(f) };
            unsafe { f() == 0 }
        }
        None => true,
    }
}
