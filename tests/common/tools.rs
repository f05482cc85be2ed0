//! Programs some tests need beside meshward (chromium, man, zsh, vim): whether one runs,
//! and what to do when it does not. Under CI (`.ci/run` installs them all) a missing
//! program fails the test; elsewhere the check is skipped with a note.

use std::process::{Command, Stdio};

/// Whether PROGRAM runs at all (`PROGRAM --version` succeeds).
pub fn available(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|out| out.status.success())
}

/// A program a check needs is missing: under CI that is a failure, elsewhere a note.
pub fn missing(program: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{program} is required when CI is set (.ci/run installs it), but it is not available"
    );
    eprintln!(
        "note: {program} is not available; skipping this check (it is required when CI is set)"
    );
}
