//! How long operations report where they are. The CLI draws a bar, the app forwards each
//! update over a Tauri channel; the core knows neither.

/// Receives progress updates of one long operation. Updates arrive from the task doing the
/// work, at most a few hundred per second.
pub trait Progress<T>: Send + Sync {
    fn report(&self, update: T);
}

impl<T, F: Fn(T) + Send + Sync> Progress<T> for F {
    fn report(&self, update: T) {
        self(update)
    }
}

/// For callers that do not watch.
pub struct Silent;

impl<T> Progress<T> for Silent {
    fn report(&self, _: T) {}
}
