//! The command line as clap parses it: every subcommand, option and accepted value.
//!
//! In: the raw words. Out: one [`Command`] whose arguments convert to the options the
//! library takes (`diff::Options`, `graph::Options`, `explain::Question`); clap itself
//! rejects unknown words and values, with exit 2. The value names of the format enums
//! are spelled out here so that no other module depends on clap.

use crate::diagnostic::Format;
use clap::builder::PossibleValue;
use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "meshward",
    version = env!("MESHWARD_VERSION"),
    about = "Compile per-service .intent files into matched NetworkPolicy and Istio policy YAML",
    long_about = "meshward compiles a tree of .intent files (who may call each service, on which ports, \
with which HTTP methods and paths) into Kubernetes NetworkPolicy and Istio AuthorizationPolicy, \
PeerAuthentication, VirtualService and DestinationRule YAML that always agree.",
    after_help = "Examples:\n  meshward build examples/shop --out deploy/mesh\n  meshward check examples/shop --out deploy/mesh"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compile every intent under DIR and write the output tree to OUT.
    #[command(
        after_help = "Example:\n  meshward build examples/shop --out deploy/mesh\n\n\
Exit codes: 0 written; 2 errors in the input (nothing is written)."
    )]
    Build(BuildArgs),
    /// Compile in memory and compare with OUT, printing a unified diff of what would change.
    #[command(
        after_help = "Example (in CI, after a pull request changes an intent):\n  meshward check examples/shop --out deploy/mesh\n\n\
Exit codes: 0 up to date; 1 OUT is stale (run `meshward build`); 2 errors in the input."
    )]
    Check(BuildArgs),
    /// Say whether FROM may call TO, at L4 and at L7, and which intent line allows it.
    #[command(
        after_help = "Examples:\n  meshward explain examples/shop frontend.web catalog.shop\n  meshward explain examples/shop frontend.web catalog.shop http GET /api/products\n  meshward explain examples/shop payments.billing external:stripe https\n\n\
FROM and TO are NAME.NAMESPACE; TO may also be external:NAME. PORT is a port name or number of TO.\n\
In a tree of several clusters, NAME.NAMESPACE@CLUSTER names the cluster (without it: FROM's first, TO in FROM's if it runs there).\n\
On anyone's Kubernetes YAML instead of intents: meshward explain --cluster PATH... FROM TO [PORT [METHOD PATH]] [--trust-domain DOMAIN]\n\
(FROM and TO are workloads NAME.NAMESPACE; see `meshward connectivity --help` for what is read).\n\
Exit codes: 0 allowed (on at least one port, without PORT); 1 denied; 2 errors."
    )]
    Explain(ExplainArgs),
    /// Access changes between the intents at a git revision and the working tree.
    #[command(
        after_help = "Examples:\n  meshward diff intents\n  meshward diff intents --base origin/main --format markdown\n  meshward diff intents --base origin/main --template .github/mesh-comment.md.jinja\n\n\
Exit codes: 0; 1 with --exit-code when a change widens access; 2 errors in either side, in git or in the template; 3 self-check failed."
    )]
    Diff(DiffArgs),
    /// Who may call what, as a Mermaid flowchart or a Graphviz digraph.
    #[command(
        after_help = "Example:\n  meshward graph examples/shop --format dot | dot -Tsvg > mesh.svg\n\nExit codes: 0; 2 errors in the input."
    )]
    Graph(GraphArgs),
    /// Every connection anyone's Kubernetes YAML admits between workloads, at L4 and L7.
    #[command(
        after_help = "Examples:\n  kubectl get -A -o yaml ns,pods,deploy,sts,ds,rs,jobs,cronjobs,netpol,authorizationpolicies,peerauthentications > cluster.yaml\n  meshward connectivity cluster.yaml\n  meshward connectivity manifests/ --format json\n\n\
PATH is a .yaml, .yml or .json file, or a folder searched for them.\n\
Exit codes: 0; 2 unreadable input."
    )]
    Connectivity(ConnectivityArgs),
    /// Intent files from anyone's Kubernetes YAML, proven to admit exactly what it admits.
    #[command(
        after_help = "Examples:\n  kubectl get -A -o yaml ns,pods,deploy,sts,ds,rs,jobs,cronjobs,netpol,authorizationpolicies,peerauthentications,requestauthentications > cluster.yaml\n  meshward import cluster.yaml --out intents\n  meshward build intents --out out\n\n\
The intents are built in memory and both readings are compared before anything is written.\n\
What the intent language cannot say is listed as FILE:LINE: not imported: ... and left out.\n\
Exit codes: 0 proven equal; 1 some policies not expressible (the rest written); 2 unreadable input or OUT not empty; 3 the proof failed (a meshward bug; nothing written)."
    )]
    Import(ImportArgs),
    /// Rewrite intent files in the canonical layout, keeping their comments.
    #[command(
        after_help = "Examples:\n  meshward fmt intents\n  meshward fmt --check intents\n\n\
PATH is an intent file or a folder, searched for `*.intent` files.\n\
Exit codes: 0; 1 with --check when a file would change; 2 syntax errors (nothing is written)."
    )]
    Fmt(FmtArgs),
    /// An exposure report: who may reach each service and how widely, as HTML or Markdown.
    #[command(
        after_help = "Examples:\n  meshward report examples/shop --out exposure.html\n  meshward report examples/shop --format markdown > exposure.md\n  meshward report examples/shop --template team.md.jinja\n\n\
Exit codes: 0; 2 errors in the input, the template or writing FILE (nothing is written)."
    )]
    Report(ReportArgs),
    /// Print a completion script for SHELL to stdout.
    #[command(
        after_help = "Examples:\n  meshward completions bash > ~/.local/share/bash-completion/completions/meshward\n  meshward completions zsh > ~/.zfunc/_meshward\n  meshward completions fish > ~/.config/fish/completions/meshward.fish\n\n\
Exit codes: 0."
    )]
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout: every command, its options and exit codes.
    #[command(
        after_help = "Examples:\n  meshward man | man -l -\n  meshward man > ~/.local/share/man/man1/meshward.1\n\nExit codes: 0."
    )]
    Man,
}

/// `meshward completions SHELL`
#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell the script is for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
pub struct ExplainArgs {
    /// Folder of `.intent` files.
    pub dir: PathBuf,
    /// The caller, `NAME.NAMESPACE` (a service or a declared workload); `@CLUSTER` after it
    /// in a tree of several clusters.
    pub from: String,
    /// What is called: a service or a workload with ports, `NAME.NAMESPACE` (`@CLUSTER`
    /// after a service in a tree of several clusters), or an external, `external:NAME`.
    pub to: String,
    /// A port name or number of TO; without it, every port.
    pub port: Option<String>,
    /// An HTTP method, with PATH.
    #[arg(requires = "path")]
    pub method: Option<String>,
    /// An HTTP path such as `/api/orders/7`.
    pub path: Option<String>,
    /// A header the request carries (repeatable); without it, none.
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// A valid end-user token the request carries: its issuer, then any claims
    /// (`https://accounts.google.com:groups=admin`); without it, no token.
    #[arg(long, value_name = "ISSUER[:CLAIM=VALUE]...", value_parser = parse_jwt)]
    pub jwt: Option<crate::evaluate::Token>,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

impl ExplainArgs {
    /// What `explain` is asked.
    pub fn question(&self) -> crate::explain::Question {
        crate::explain::Question {
            from: self.from.clone(),
            to: self.to.clone(),
            port: self.port.clone(),
            request: self.method.clone().zip(self.path.clone()),
            headers: self.headers.clone(),
            token: self.jwt.clone(),
        }
    }
}

/// `--header NAME=VALUE`: NAME as HTTP allows it (letters, digits, `-`), read in lower
/// case as the proxy does.
fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not NAME=VALUE"))?;
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return Err(format!(
            "`{name}` is not a header name (letters, digits and `-`)"
        ));
    }
    Ok((name.to_ascii_lowercase(), value.to_string()))
}

/// `--jwt ISSUER[:CLAIM=VALUE]...`: the issuer is a URL with colons of its own, so claims
/// are read from the right, as long as the last `:`-part is `NAME=VALUE`. A claim given
/// twice holds every value given (a list claim). The subject is `explain`.
fn parse_jwt(text: &str) -> Result<crate::evaluate::Token, String> {
    let mut issuer = text;
    let mut claims: Vec<(String, String)> = Vec::new();
    while let Some((rest, last)) = issuer.rsplit_once(':') {
        let Some((name, value)) = last.split_once('=') else {
            break;
        };
        let is_claim = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !is_claim {
            break;
        }
        claims.push((name.to_string(), value.to_string()));
        issuer = rest;
    }
    if issuer.is_empty() {
        return Err("the token's issuer is missing: ISSUER[:CLAIM=VALUE]...".to_string());
    }
    claims.reverse();
    let mut token = crate::evaluate::Token::new(issuer, "explain");
    for (name, value) in claims {
        match token.claims.iter_mut().find(|(n, _)| *n == name) {
            Some((_, values)) => values.push(value),
            None => token.claims.push((name, vec![value])),
        }
    }
    Ok(token)
}

#[derive(clap::Args, Debug)]
pub struct BuildArgs {
    /// Folder of `.intent` files.
    pub dir: PathBuf,
    /// Output folder (created if missing).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Neither use nor write the local record of compiled trees (`check` of an unchanged
    /// tree then compiles in full). The cache is already off when `CI` is set.
    #[arg(long)]
    pub no_cache: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// How diagnostics are shown; shared by every command that reports them.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// How diagnostics are printed: `github` writes workflow commands that GitHub Actions
    /// shows as annotations on the pull request.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
    /// Colour the text form: `auto` colours a terminal unless NO_COLOR is set.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

impl OutputArgs {
    /// Whether the text form is coloured: `auto` asks whether stderr is a terminal that
    /// wants colour.
    pub fn colour(&self) -> bool {
        match self.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                std::io::stderr().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
            }
        }
    }
}

/// `meshward diff DIR [--base REV] [--format text|markdown|json | --template FILE] [--exit-code]`
#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// Folder of `.intent` files, inside a git working tree.
    pub dir: PathBuf,
    /// The git revision to compare the working tree with (a branch, tag or commit).
    #[arg(long, default_value = "HEAD")]
    pub base: String,
    /// `text` for a terminal, `markdown` for a pull request comment, `json` for tools.
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::diff::Format,
    /// Render the changes through this minijinja template instead of a format.
    #[arg(long, value_name = "FILE", conflicts_with = "format")]
    pub template: Option<PathBuf>,
    /// Exit 1 when any change widens access (for a CI gate that asks for a review).
    #[arg(long)]
    pub exit_code: bool,
}

impl DiffArgs {
    pub fn options(&self) -> crate::diff::Options {
        crate::diff::Options {
            dir: self.dir.clone(),
            base: self.base.clone(),
            format: self.format,
            exit_code: self.exit_code,
        }
    }
}

/// `meshward graph DIR [--format mermaid|dot]`
#[derive(clap::Args, Debug)]
pub struct GraphArgs {
    /// Folder of `.intent` files.
    pub dir: PathBuf,
    /// `mermaid` (paste into a ```mermaid block) or `dot` (pipe into `dot -Tsvg`).
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: crate::graph::Format,
}

impl GraphArgs {
    pub fn options(&self) -> crate::graph::Options {
        crate::graph::Options {
            dir: self.dir.clone(),
            format: self.format,
        }
    }
}

/// `meshward connectivity PATH... [--format text|json]`
#[derive(clap::Args, Debug)]
pub struct ConnectivityArgs {
    /// Kubernetes YAML or JSON files, and folders to search for them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// `text` (one line per connection) or `json` (`{"connections": [...]}`).
    #[arg(long, value_enum, default_value = "text")]
    pub format: ListFormat,
    /// The mesh's trust domain: workloads present `<trust-domain>/ns/NS/sa/ACCOUNT`.
    #[arg(long, value_name = "DOMAIN", default_value = "cluster.local", value_parser = trust_domain)]
    pub trust_domain: String,
}

/// `meshward import PATH... --out DIR`
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// Kubernetes YAML or JSON files, and folders to search for them.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The folder to write the intent files into; it must be empty or absent.
    #[arg(long)]
    pub out: PathBuf,
    /// The mesh's trust domain: workloads present `<trust-domain>/ns/NS/sa/ACCOUNT`.
    #[arg(long, value_name = "DOMAIN", default_value = "cluster.local", value_parser = trust_domain)]
    pub trust_domain: String,
}

/// A trust domain as Istio and the intent language write one: lower-case letters,
/// digits, `-` and `.`.
pub fn trust_domain(value: &str) -> Result<String, String> {
    let ok = !value.is_empty()
        && value
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'.')
        && !value.starts_with(['.', '-'])
        && !value.ends_with(['.', '-']);
    if ok {
        Ok(value.to_string())
    } else {
        Err(format!("`{value}` is not a trust domain (lower-case letters, digits, `-` and `.`, such as `cluster.local`)"))
    }
}

/// How a listing is printed.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListFormat {
    Text,
    Json,
}

/// `meshward fmt PATH... [--check]`
#[derive(clap::Args, Debug)]
pub struct FmtArgs {
    /// Intent files, and folders to search for `*.intent` files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Write nothing: list the files that would change, and exit 1 if there are any.
    #[arg(long)]
    pub check: bool,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// `meshward report DIR [--format html|markdown] [--template FILE] [--out FILE]`
#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// Folder of `.intent` files.
    pub dir: PathBuf,
    /// `html` (one self-contained file) or `markdown` (a pull request comment or a wiki page).
    #[arg(long, value_enum, default_value = "html")]
    pub format: crate::report::Format,
    /// A minijinja template to render instead of the built-in one (docs/report.md lists
    /// its context); escaped for HTML when its name ends in `.html` or `.html.jinja`.
    #[arg(long, value_name = "FILE")]
    pub template: Option<PathBuf>,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// `ValueEnum` for a format enum of another module: its variants and their names.
macro_rules! value_names {
    ($type:path { $($variant:ident => $name:literal),* $(,)? }) => {
        impl ValueEnum for $type {
            fn value_variants<'a>() -> &'a [Self] {
                &[$(Self::$variant),*]
            }

            fn to_possible_value(&self) -> Option<PossibleValue> {
                Some(PossibleValue::new(match self {
                    $(Self::$variant => $name,)*
                }))
            }
        }
    };
}

value_names!(Format { Text => "text", Json => "json", Github => "github" });
value_names!(crate::diff::Format { Text => "text", Markdown => "markdown", Json => "json" });
value_names!(crate::graph::Format { Mermaid => "mermaid", Dot => "dot" });
value_names!(crate::report::Format { Html => "html", Markdown => "markdown" });
