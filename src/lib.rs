//! meshward compiles per-service `.intent` files into matched Kubernetes NetworkPolicy and
//! Istio AuthorizationPolicy, PeerAuthentication, VirtualService and DestinationRule YAML.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! load ──▶ parse ──▶ check ──▶ compile ──▶ render ──▶ emit ──▶ output
//! files    AST       ir::Mesh  L4 tables   objects    YAML     tree on disk
//! ```
//!
//! [`pipeline`] runs them in memory for every command; [`cli`] is the command line.

pub mod ast;
pub mod cache;
pub mod check;
pub mod cli;
pub mod code;
pub mod compile;
pub mod connectivity;
pub mod diagnostic;
pub mod diff;
pub mod emit;
pub mod evaluate;
pub mod exit;
pub mod explain;
pub mod fmt;
pub mod graph;
pub mod guard;
pub mod import;
pub mod inventory;
pub mod ir;
pub mod load;
pub mod output;
pub mod parse;
pub mod pipeline;
pub mod render;
pub mod report;
pub mod selfcheck;
pub mod source;
pub mod suggest;
pub mod synth;
pub mod template;
pub mod timings;
