//! What every user template runs inside, whichever command renders it (`diff --template`,
//! `report --template`, and the built-in templates, which are rendered the same way): a
//! template is the user's input, and meshward must not crash nor hang on any input.
//!
//! minijinja bounds block nesting, recursion and repeated strings itself; what is left is
//! bounded here: the file's size (so the nesting of one expression, which minijinja parses
//! and drops recursively, is bounded too), a thread with a stack that holds that nesting,
//! no `namespace()` (the one way to grow a value without bound across loop iterations,
//! which would be dropped recursively), the size of the output, and the work a render may
//! do (minijinja's fuel: an endless or enormous loop stops with an error).
//!
//! Each caller keeps what makes its templates its own: the syntax settings, escaping,
//! filters, and how an error is said.

use minijinja::value::Value;
use minijinja::{Environment, ErrorKind, UndefinedBehavior};
use std::path::Path;

/// A template file is read whole; a template is a page or two, 64 KiB is plenty.
pub const MAX_TEMPLATE_BYTES: u64 = 64 * 1024;

/// The stack of the thread that compiles and renders: every level of an expression's
/// nesting costs a few hundred bytes of it, and the file's size bounds the nesting, with a
/// wide margin.
const STACK_BYTES: usize = 256 * 1024 * 1024;

/// The work one render may do, in minijinja's fuel (about one instruction, or 64 bytes of
/// data made). The built-in reports of 10,000 services, the largest renders meshward is
/// measured on, use under 5 million (`MESHWARD_TIMINGS=1` prints it), a twentieth; a loop
/// that never ends reaches it in seconds.
pub const FUEL: u64 = 100_000_000;

/// Why a template file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The file cannot be opened or read.
    Unreadable(std::io::Error),
    /// It is larger than [`MAX_TEMPLATE_BYTES`].
    TooLarge,
    /// It is not UTF-8.
    NotUtf8,
}

/// The text of the template at `path`, without a byte order mark.
pub fn read(path: &Path) -> Result<String, ReadError> {
    let size = std::fs::metadata(path)
        .map_err(ReadError::Unreadable)?
        .len();
    if size > MAX_TEMPLATE_BYTES {
        return Err(ReadError::TooLarge);
    }
    let bytes = std::fs::read(path).map_err(ReadError::Unreadable)?;
    // The size is checked again on what was read: the file may have grown in between.
    if bytes.len() as u64 > MAX_TEMPLATE_BYTES {
        return Err(ReadError::TooLarge);
    }
    let text = String::from_utf8(bytes).map_err(|_| ReadError::NotUtf8)?;
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

/// An environment with the limits set: an undefined name is an error (a typo must not
/// print an empty cell in a security review), no `namespace()`, and the fuel. The caller
/// adds its syntax, escaping and filters.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.remove_global("namespace");
    env.set_fuel(Some(FUEL));
    env
}

/// Why a render stopped.
#[derive(Debug)]
pub enum RenderError {
    /// The template printed more than the caller's cap, in bytes.
    TooMuchOutput(usize),
    /// The template used up its [`FUEL`].
    TooLong,
    /// Any other error, for the caller to place and say.
    Engine(minijinja::Error),
}

impl RenderError {
    /// The sentence for a limit that was reached; `None` for an engine error, which the
    /// caller says in its own way.
    pub fn limit(&self) -> Option<String> {
        match self {
            RenderError::TooMuchOutput(cap) => {
                Some(format!("the template printed more than {cap} bytes"))
            }
            RenderError::TooLong => Some(format!(
                "the template ran too long and was stopped (more than {FUEL} steps)"
            )),
            RenderError::Engine(_) => None,
        }
    }
}

/// `template` rendered with `context` into at most `cap` bytes: far more than the command
/// prints for any tree, far less than what exhausts memory. With `MESHWARD_TIMINGS` set,
/// the fuel it used goes to stderr, for measuring the headroom.
pub fn render(
    template: &minijinja::Template,
    context: Value,
    cap: usize,
) -> Result<String, RenderError> {
    let mut out = Capped {
        bytes: Vec::new(),
        cap,
        full: false,
    };
    match template.render_captured_to(context, &mut out) {
        Ok(captured) => {
            if std::env::var_os("MESHWARD_TIMINGS").is_some() {
                if let Some((used, _)) = captured.state().fuel_levels() {
                    eprintln!(
                        "meshward: template {} used {used} of {FUEL} fuel",
                        template.name()
                    );
                }
            }
            Ok(String::from_utf8_lossy(&out.bytes).into_owned())
        }
        Err(_) if out.full => Err(RenderError::TooMuchOutput(cap)),
        Err(e) if e.kind() == ErrorKind::OutOfFuel => Err(RenderError::TooLong),
        Err(e) => Err(RenderError::Engine(e)),
    }
}

/// Why [`on_large_stack`] could not give the work's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stopped {
    /// The work panicked: a bug in meshward or minijinja.
    Panicked,
    /// The work could not be started.
    NotRun,
}

/// `work` on a thread whose stack holds the deepest expression a template of at most
/// [`MAX_TEMPLATE_BYTES`] can nest; on this thread where no such thread can be had (a
/// system that refuses the reservation), and an error, never a crash, if it panics.
pub fn on_large_stack<T: Send>(work: impl FnOnce() -> T + Send) -> Result<T, Stopped> {
    let slot = std::sync::Mutex::new(Some(work));
    let take = || slot.lock().ok().and_then(|mut w| w.take());
    let ran = std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("template".into())
            .stack_size(STACK_BYTES)
            .spawn_scoped(scope, || take().map(|work| work()));
        spawned.ok().map(|thread| thread.join())
    });
    match ran {
        Some(Ok(Some(result))) => Ok(result),
        Some(Err(_)) => Err(Stopped::Panicked),
        Some(Ok(None)) => Err(Stopped::NotRun),
        None => take().map(|work| work()).ok_or(Stopped::NotRun),
    }
}

/// The output of a render, which refuses to grow past `cap` bytes.
struct Capped {
    bytes: Vec<u8>,
    cap: usize,
    /// Set when a write was refused, so the render error is told apart from others.
    full: bool,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.cap {
            self.full = true;
            return Err(std::io::Error::other("the output is too large"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
