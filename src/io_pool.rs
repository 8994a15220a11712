//! A thread pool for work that waits on the disk rather than the CPU:
//! reading postmortems and looking at thousands of files.
//!
//! A read that misses the page cache blocks its thread until the device
//! answers, so with one thread per core the disk's queue holds two requests
//! and the CPU idles. More threads keep more requests in flight: reading
//! the 10,000 postmortems of the benchmark archive cold took 0.83 s on two
//! threads and 0.38 s on eight (2-core VM, caches dropped before each run),
//! and this VM drops its page cache within seconds.

use rayon::ThreadPoolBuilder;

/// Requests kept in flight; beyond eight the cold read above gained nothing.
const THREADS: usize = 8;

/// Runs `work` (which uses rayon's parallel iterators) on a pool of I/O
/// threads, or on the caller's pool if that pool could not be started.
///
/// The pool lives for this call only. Buffers its threads allocate are
/// usually freed on other threads, and mimalloc returns such memory to
/// the system only when the allocating thread comes back to it (a pool
/// kept idle held 50 MB more at the 10k build's peak); a thread that
/// exits hands its memory over to the threads that free it.
pub fn run<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    let pool = ThreadPoolBuilder::new()
        .num_threads(THREADS)
        .thread_name(|i| format!("casebook-io-{i}"))
        .build();
    match pool {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}
