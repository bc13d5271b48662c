// rust_leaks.rs: Rust's Box::leak, marked once through the shim's
// leak_mark (found with dlsym, std only), and leaked unmarked in a loop.
use std::ffi::{c_char, c_int, c_void, CStr};

extern "C" {
    fn dlsym(handle: *mut c_void, symbol: *const c_char) -> *mut c_void;
}

/// Calls leakaudit's leak_mark when the shim is loaded; a no-op otherwise.
fn mark<T: ?Sized>(value: &T, why: &CStr) -> i32 {
    type MarkFn = unsafe extern "C" fn(*const c_void, *const c_char) -> c_int;
    unsafe {
        let f = dlsym(std::ptr::null_mut(), c"leak_mark".as_ptr());
        if f.is_null() {
            return 0;
        }
        let f: MarkFn = std::mem::transmute(f);
        f(value as *const T as *const c_void, why.as_ptr())
    }
}

struct Config {
    name: String,
    workers: u32,
}

#[inline(never)]
fn load_config() -> &'static Config {
    let cfg: &'static mut Config = Box::leak(Box::new(Config {
        name: "rust".to_string(),
        workers: 3,
    }));
    mark(cfg, c"config for the whole run");
    cfg
}

#[inline(never)]
fn leak_buffer(i: u64) -> &'static mut [u64; 16] {
    Box::leak(Box::new([i; 16]))
}

fn main() {
    let cfg = load_config();
    let mut sum = 0;
    for i in 0..std::hint::black_box(5) {
        sum += leak_buffer(i)[0];
    }
    println!("{} {} {}", cfg.name, cfg.workers, sum);
}
