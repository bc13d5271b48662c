// rust_leaks.rs: Rust's ways to leak, with a known answer.
//   intentional  Box::leak of a config, marked once through the shim's
//                leak_mark (found with dlsym, std only); owns its name
//   leak         Box::leak in a loop: 5 of 5 (per call)
//   leak         Box::leak in a spawned thread, unmarked
//   cycle        two Rc nodes owning each other
// Leaked pointers are never returned; the stack is scrubbed at the end.
use std::cell::RefCell;
use std::ffi::{c_char, c_int, c_void, CStr};
use std::hint::black_box;
use std::rc::Rc;

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

struct Node {
    other: RefCell<Option<Rc<Node>>>,
    payload: [u64; 4],
}

#[inline(never)]
fn load_config() -> u32 {
    let cfg: &'static mut Config = Box::leak(Box::new(Config {
        name: "a name long enough to be on the heap".to_string(),
        workers: 3,
    }));
    mark(cfg, c"config for the whole run");
    cfg.workers + cfg.name.len() as u32
}

#[inline(never)]
fn leak_buffer(i: u64) -> u64 {
    let b: &'static mut [u64; 16] = Box::leak(Box::new([i; 16]));
    // black_box on the pointer keeps the allocation (LLVM may drop it).
    black_box(b as *mut [u64; 16]);
    b[3]
}

#[inline(never)]
fn make_cycle() -> u64 {
    let a = Rc::new(Node { other: RefCell::new(None), payload: [1; 4] });
    let b = Rc::new(Node { other: RefCell::new(Some(a.clone())), payload: [2; 4] });
    *a.other.borrow_mut() = Some(b.clone());
    a.payload[0] + b.payload[0]
}

#[inline(never)]
fn leak_in_thread() -> u64 {
    std::thread::spawn(|| {
        let v: &'static mut Vec<u64> = Box::leak(Box::new(vec![7; 10]));
        black_box(v as *mut Vec<u64>);
        v[0]
    })
    .join()
    .unwrap()
}

#[inline(never)]
fn scrub() {
    let zeros = black_box([0u8; 32768]);
    black_box(&zeros);
}

fn main() {
    let w = load_config();
    let mut sum = 0;
    for i in 0..black_box(5) {
        sum += leak_buffer(i);
    }
    sum += make_cycle();
    sum += leak_in_thread();
    scrub();
    println!("rust {} {}", w, sum);
}
