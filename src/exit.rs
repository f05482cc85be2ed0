//! The process exit codes, one variant per meaning.
//!
//! Several meanings share a number because each command has at most one of them: 1 is
//! "stale" for `check`, "denied" for `explain`, "widens" for `diff --exit-code` and
//! "unformatted" for `fmt --check`, "partial" for `import`. The
//! numbers are part of the command-line contract (docs/cli.md) and never change; `main`
//! turns an [`Exit`] into the process's exit code, nothing else does.

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: done; `check` up to date, `explain` allowed, `diff` without a gating change.
    Ok,
    /// 1: `check` found OUT different from what `build` would write.
    Stale,
    /// 1: `explain` found the call denied.
    Denied,
    /// 1: `diff --exit-code` found a change that widens access.
    Widens,
    /// 1: `fmt --check` found a file that is not in the canonical layout.
    Unformatted,
    /// 1: `import` left out what the intent language cannot say (the rest is written).
    Partial,
    /// 2: errors in the input, the command line, OUT, or git; nothing was written.
    Input,
    /// 3: meshward's self-check found its own output disagreeing with the intents (a bug).
    Fault,
}

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Stale | Exit::Denied | Exit::Widens | Exit::Unformatted | Exit::Partial => 1,
            Exit::Input => 2,
            Exit::Fault => 3,
        }
    }
}

impl From<Exit> for u8 {
    fn from(exit: Exit) -> u8 {
        exit.code()
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> std::process::ExitCode {
        std::process::ExitCode::from(exit.code())
    }
}
