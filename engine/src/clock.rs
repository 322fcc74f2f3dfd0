//! Time for the engine, which never reads a clock of its own: the page
//! passes `performance.now()`, native code an `Instant`, tests a counter.
//! Batches are timed with it, and so are the stages inside a batch.

/// Milliseconds from any fixed origin: `performance.now()` in the page,
/// `Instant` natively, a counter in tests.
pub trait Clock {
    fn now_ms(&self) -> f64;
}

/// The native clock: milliseconds since it was made. (`Instant` panics in
/// the browser's wasm, so there the page's clock is passed in instead.)
#[cfg(not(target_arch = "wasm32"))]
pub struct Monotonic(std::time::Instant);

#[cfg(not(target_arch = "wasm32"))]
impl Monotonic {
    pub fn new() -> Monotonic {
        Monotonic(std::time::Instant::now())
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Default for Monotonic {
    fn default() -> Monotonic {
        Monotonic::new()
    }
}

#[cfg(not(target_arch = "wasm32"))]
impl Clock for Monotonic {
    fn now_ms(&self) -> f64 {
        self.0.elapsed().as_secs_f64() * 1e3
    }
}
