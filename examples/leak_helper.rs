// examples/leak_helper.rs: an intentional leak in Rust, with leakaudit.rs
// (std only), beside an accidental one.  Under leakaudit the configuration
// (and the String it owns) is "intentional", marked at load_config(); the
// vector forget() loses is a leak.
#[path = "../bindings/rust/leakaudit.rs"]
mod leakaudit;

struct Config {
    name: String,
    workers: u32,
}

#[inline(never)]
fn load_config() -> &'static Config {
    let cfg = Box::new(Config {
        name: String::from("a configuration name long enough to live on the heap"),
        workers: 4,
    });
    leakaudit::leak(cfg, "configuration, loaded once")
}

#[inline(never)]
fn forget() {
    let v = std::hint::black_box(vec![7u8; 100]);
    std::mem::forget(v);
}

fn main() {
    let cfg = load_config();
    forget();
    println!("{}: {}", cfg.name, cfg.workers);
}
