//! What shells, `man` and packagers read from meshward, through the real binary:
//! `completions SHELL` for every shell clap_complete knows, `man`, and `--version`.
//!
//! The scripts and the page are checked by the programs that read them: `bash -n` and
//! `zsh -n` parse the completion scripts, `man -l` formats the page. `man` and `zsh` are
//! required when the environment variable `CI` is set (.ci/run installs them); elsewhere a
//! check that needs a missing one prints a note and passes.

mod common;

use common::{available, missing, Meshward};
use std::path::Path;
use std::process::Command;

const SHELLS: [&str; 5] = ["bash", "zsh", "fish", "powershell", "elvish"];

/// The commands `meshward --help` lists, `help` aside: every one must be completed and
/// documented, including any added later.
fn commands() -> Vec<String> {
    let help = Meshward::new().arg("--help").expect_exit(0).run().stdout;
    let list: Vec<String> = help
        .lines()
        .skip_while(|line| *line != "Commands:")
        .skip(1)
        .take_while(|line| line.starts_with("  "))
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect();
    assert!(
        list.len() >= 7 && list.iter().any(|c| c == "man"),
        "cannot read the commands of --help:\n{help}"
    );
    list
}

fn completions(shell: &str) -> String {
    Meshward::new()
        .args(["completions", shell])
        .expect_exit(0)
        .run()
        .stdout
}

#[test]
fn completions_for_every_shell_name_every_command() {
    let commands = commands();
    for shell in SHELLS {
        let script = completions(shell);
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        for command in &commands {
            assert!(
                script.contains(command.as_str()),
                "{shell}: the script does not mention `{command}`"
            );
        }
    }
}

#[test]
fn completions_reject_an_unknown_shell() {
    let r = Meshward::new()
        .args(["completions", "tcsh"])
        .expect_exit(2)
        .run();
    assert!(r.stdout.is_empty(), "{}", r.stdout);
    assert!(r.stderr.contains("possible values"), "{}", r.stderr);
}

/// Assert that `PROGRAM -n` accepts the completion script for PROGRAM.
fn shell_parses(program: &str) {
    if !available(program) {
        return missing(program);
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join(format!("meshward.{program}"));
    std::fs::write(&file, completions(program)).expect("write script");
    let out = Command::new(program)
        .arg("-n")
        .arg(&file)
        .output()
        .expect("run the shell");
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "`{program} -n` rejects the completion script:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bash_completion_passes_bash_n() {
    shell_parses("bash");
}

#[test]
fn zsh_completion_passes_zsh_n() {
    shell_parses("zsh");
}

/// The page as `man -l` shows it on an 80-column terminal, with any bold or underline
/// taken out.
fn rendered_page(page: &Path) -> Option<String> {
    let out = Command::new("man")
        .arg("-l")
        .arg(page)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .env("COLUMNS", "80")
        .env("MANWIDTH", "80")
        .env("LC_ALL", "C.UTF-8")
        .env_remove("MAN_KEEP_FORMATTING")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "`man -l` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(plain(&text))
}

/// TEXT without overstrike (`X\bX`, `_\bX`) and terminal escape sequences.
fn plain(text: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{8}' => {
                out.pop();
            }
            '\u{1b}' => {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            c => out.push(c),
        }
    }
    out.into_iter().collect()
}

#[test]
fn man_page_renders_with_every_command() {
    let page = Meshward::new().arg("man").expect_exit(0).run().stdout;
    assert!(
        page.lines().any(|line| line.starts_with(".TH ")),
        "not a roff page:\n{page}"
    );
    if !available("man") {
        return missing("man");
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("meshward.1");
    std::fs::write(&file, &page).expect("write page");
    let Some(text) = rendered_page(&file) else {
        return missing("man");
    };
    let headings: Vec<&str> = text
        .lines()
        .filter(|line| line.starts_with(|c: char| c.is_ascii_uppercase()))
        .collect();
    for heading in ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "COMMANDS"] {
        assert!(headings.contains(&heading), "no {heading} section:\n{text}");
    }
    for command in commands() {
        let section = format!("MESHWARD {}", command.to_uppercase());
        assert!(
            headings.contains(&section.as_str()),
            "no {section} section:\n{text}"
        );
        assert!(
            text.contains(&format!("meshward {command} ")),
            "no synopsis of `meshward {command}`:\n{text}"
        );
    }
    for line in text.lines() {
        assert!(
            line.chars().count() <= 80,
            "a line wider than the terminal:\n{line}"
        );
        assert!(
            !line.starts_with('.') && !line.contains("\\f") && !line.contains("\\-"),
            "roff left in the page:\n{line}"
        );
    }
}

/// The commit `git` says the crate root is at, when the root is a git checkout.
fn head_commit() -> Option<String> {
    let root = common::root();
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(&root)
            .output()
            .ok()
            .filter(|out| out.status.success())
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
    };
    git(&["ls-files", "--error-unmatch", "--", "Cargo.toml"])?;
    git(&["rev-parse", "--verify", "HEAD"]).map(|sha| sha[..12].to_string())
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    for flag in ["--version", "-V"] {
        let out = Meshward::new().arg(flag).expect_exit(0).run().stdout;
        let line = out.strip_suffix('\n').expect("one line");
        let rest = line
            .strip_prefix("meshward ")
            .expect("starts with the name");
        let (version, commit) = match rest.split_once(' ') {
            Some((version, commit)) => (version, Some(commit)),
            None => (rest, None),
        };
        assert_eq!(version, env!("CARGO_PKG_VERSION"), "{line}");
        let commit = commit.map(|c| {
            let hex = c
                .strip_prefix('(')
                .and_then(|c| c.strip_suffix(')'))
                .unwrap_or_else(|| panic!("not `(COMMIT)`: {line}"));
            assert!(
                hex.len() == 12 && hex.bytes().all(|b| b.is_ascii_hexdigit()),
                "not 12 hex digits: {line}"
            );
            hex.to_string()
        });
        match head_commit() {
            Some(head) => assert_eq!(commit, Some(head), "{line}"),
            None => eprintln!("note: the crate is not in a git checkout; `{line}` is not compared"),
        }
    }
}
