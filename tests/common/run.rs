//! [`Meshward`]: the one way the integration tests run the real binary, so that every test
//! starts it with the same environment and a wrong exit code fails the same way, showing
//! the command line, stdout and stderr.
//!
//! By default the run does not use the check cache (`MESHWARD_CACHE=off`: a test must not
//! read or leave records in the user's cache) and prints no colour (`NO_COLOR=1`:
//! diagnostics are compared as plain text). A test that is about either sets it again.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// A `meshward` command line being put together; [`Meshward::run`] runs it.
pub struct Meshward {
    command: Command,
    /// The arguments and settings as a reader of a failure message wants to see them.
    shown: Vec<String>,
    expected_exit: Option<i32>,
}

/// What a finished run printed (decoded lossily) and its exit code (`None`: killed by a
/// signal).
pub struct Output {
    pub stdout: String,
    pub stderr: String,
    pub code: Option<i32>,
}

impl Default for Meshward {
    fn default() -> Self {
        Self::new()
    }
}

impl Meshward {
    pub fn new() -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_meshward"));
        command.env("MESHWARD_CACHE", "off").env("NO_COLOR", "1");
        Meshward {
            command,
            shown: vec!["meshward".to_string()],
            expected_exit: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.shown.push(arg.as_ref().to_string_lossy().into_owned());
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        args.into_iter().fold(self, Meshward::arg)
    }

    /// The folder the binary runs in (relative paths in its arguments start there).
    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.shown
            .insert(0, format!("(in {})", dir.as_ref().display()));
        self.command.current_dir(dir);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.shown
            .insert(0, format!("{key}={}", value.as_ref().to_string_lossy()));
        self.command.env(key, value);
        self
    }

    pub fn env_remove(mut self, key: &str) -> Self {
        self.shown.insert(0, format!("(without {key})"));
        self.command.env_remove(key);
        self
    }

    /// Fail the test, showing stdout and stderr, unless the binary exits with CODE.
    pub fn expect_exit(mut self, code: i32) -> Self {
        self.expected_exit = Some(code);
        self
    }

    /// Run to the end; stdin is empty. A failure points at the test line that ran it.
    #[track_caller]
    pub fn run(mut self) -> Output {
        let out = self
            .command
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run `{}`: {e}", self.shown.join(" ")));
        let out = Output {
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            code: out.status.code(),
        };
        if let Some(expected) = self.expected_exit {
            assert!(
                out.code == Some(expected),
                "`{}` exited with {:?}, expected {expected}\n--- stdout\n{}\n--- stderr\n{}",
                self.shown.join(" "),
                out.code,
                out.stdout,
                out.stderr
            );
        }
        out
    }
}
