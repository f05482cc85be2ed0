//! Results the process keeps until it exits: `build` and `check` hand their model, tree
//! and sources here instead of dropping them, so the end of a large run costs nothing.

/// Never free VALUE: for the large results of `build` and `check`, which the process
/// holds until it exits. Freeing a 10,000-service model, tree and sources one allocation at
/// a time costs tens of milliseconds of one core at the very end of the run; exiting
/// returns the memory at once. Only for commands that end the process (`cli::run` is called
/// once, from `main`).
pub(crate) fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}
