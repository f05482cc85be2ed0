//! The words of the intent language: the reserved words, which are never names, and the
//! keywords, each with the grammar rule that matches it and the statements it starts.
//!
//! One table for every stage that needs them: the fast reader refuses reserved words as
//! names, parse errors name keywords and suggest them for misspellings, and the checker
//! refuses reserved words where a name is validated. `grammar/intent.pest` spells the
//! same words in its own syntax; a test below reads it and fails when the two differ.

use super::grammar::Rule;

/// Words the grammar gives meaning to where a name could stand (`allow web in shop to
/// http`, `allow namespace ops`, `allow anyone`, `calls external stripe`), so they are
/// never names.
pub const RESERVED: [&str; 5] = ["in", "to", "namespace", "anyone", "external"];

/// A keyword of the language.
pub(crate) struct Keyword {
    /// The grammar rule of the keyword token itself (`kw_*`).
    pub rule: Rule,
    /// The keyword as written.
    pub text: &'static str,
    /// The keyword in backticks, as error messages quote it.
    pub quoted: &'static str,
    /// The rules whose first token is this keyword: pest often expects the statement
    /// rather than the token, and the error should still name the keyword.
    pub starts: &'static [Rule],
}

macro_rules! keywords {
    ($($rule:ident $text:literal [$($starts:ident),*]),* $(,)?) => {
        /// Every keyword, in the order of the grammar.
        pub(crate) const KEYWORDS: &[Keyword] = &[$(Keyword {
            rule: Rule::$rule,
            text: $text,
            quoted: concat!("`", $text, "`"),
            starts: &[$(Rule::$starts),*],
        }),*];
    };
}

keywords! {
    kw_service "service" [service],
    kw_mesh "mesh" [mesh],
    kw_in "in" [],
    kw_to "to" [],
    kw_account "account" [account],
    kw_selector "selector" [selector],
    kw_port "port" [port],
    kw_mtls "mtls" [mtls],
    kw_allow "allow" [allow],
    kw_namespace "namespace" [namespace_caller],
    kw_anyone "anyone" [anyone_caller],
    kw_calls "calls" [calls],
    kw_route "route" [route],
    kw_timeout "timeout" [timeout],
    kw_retries "retries" [retries],
    kw_per_try "per-try" [],
    kw_on "on" [],
    kw_split "split" [split],
    kw_trust "trust-domain" [trust_domain],
    kw_cluster "cluster-domain" [cluster_domain],
    kw_istiod "istiod" [istiod],
    kw_dns "dns" [dns],
    kw_scraper "scraper" [scraper],
    kw_workload "workload" [workload],
    kw_external "external" [external],
    kw_host "host" [hosts],
    kw_cidr "cidr" [cidrs],
    kw_cluster_cidrs "cluster-cidrs" [cluster_cidrs],
    kw_sidecar_scoping "sidecar-scoping" [sidecar_scoping],
    kw_sync_waves "sync-waves" [sync_waves],
    kw_dry_run "dry-run" [dry_run],
    kw_network "network" [network],
    kw_dataplane "dataplane" [dataplane],
    kw_waypoint "waypoint" [waypoint],
    kw_cluster_def "cluster" [cluster_def],
    kw_pod_cidrs "pod-cidrs" [pod_cidrs],
    kw_gateway "gateway" [gateway],
    kw_eastwest "eastwest" [eastwest],
    kw_clusters "clusters" [clusters],
    kw_deny "deny" [deny],
    kw_when "when" [],
    kw_and "and" [],
    kw_header "header" [header_condition],
    kw_claim "claim" [claim_condition],
    kw_jwt "jwt" [jwt, jwt_condition],
    kw_issuer "issuer" [issuer],
    kw_jwks "jwks" [jwks],
    kw_match "match" [header_route],
    kw_connections "connections" [connections],
    kw_pending "pending" [pending],
    kw_requests "requests" [requests],
    kw_eject "eject" [eject],
    kw_errors "errors" [],
    kw_every "every" [],
    kw_for "for" [],
    kw_max "max" [],
}

/// The keyword a rule is, or starts with.
pub(crate) fn keyword(rule: Rule) -> Option<&'static Keyword> {
    KEYWORDS
        .iter()
        .find(|k| k.rule == rule || k.starts.contains(&rule))
}

#[cfg(test)]
mod tests {
    use crate::parse::keywords::{KEYWORDS, RESERVED};

    const GRAMMAR: &str = include_str!("../../grammar/intent.pest");

    /// The grammar's rules as `(name, body)`, comments dropped.
    fn rules() -> Vec<(&'static str, &'static str)> {
        GRAMMAR
            .lines()
            .map(str::trim)
            .filter(|line| !line.starts_with("//"))
            .filter_map(|line| line.split_once('='))
            .map(|(name, body)| (name.trim(), body.trim()))
            .collect()
    }

    /// The double-quoted strings of `text`.
    fn literals(text: &str) -> Vec<&str> {
        text.split('"').skip(1).step_by(2).collect()
    }

    #[test]
    fn the_reserved_words_are_the_grammars() {
        let (_, body) = rules()
            .into_iter()
            .find(|(name, _)| *name == "reserved")
            .expect("the grammar has a `reserved` rule");
        assert_eq!(literals(body), RESERVED);
    }

    #[test]
    fn the_keywords_are_the_grammars() {
        let grammar: Vec<(String, String)> = rules()
            .into_iter()
            .filter(|(name, _)| name.starts_with("kw_"))
            .map(|(name, body)| {
                assert!(
                    body.ends_with(r#"~ !word_char }"#),
                    "`{name}` is not a keyword rule: {body}"
                );
                let words = literals(body);
                assert_eq!(words.len(), 1, "`{name}` matches one word");
                (name.to_string(), words[0].to_string())
            })
            .collect();
        let table: Vec<(String, String)> = KEYWORDS
            .iter()
            .map(|k| (format!("{:?}", k.rule), k.text.to_string()))
            .collect();
        assert_eq!(table, grammar);
    }

    #[test]
    fn each_statement_starts_with_its_keyword() {
        let rules = rules();
        for keyword in KEYWORDS {
            for start in keyword.starts {
                let name = format!("{start:?}");
                let (_, body) = rules
                    .iter()
                    .find(|(n, _)| *n == name)
                    .unwrap_or_else(|| panic!("the grammar has no rule `{name}`"));
                let first = body
                    .trim_start_matches(['_', '@', '$', '{'])
                    .split_whitespace()
                    .next();
                assert_eq!(
                    first,
                    Some(format!("{:?}", keyword.rule).as_str()),
                    "{name}"
                );
            }
        }
    }

    #[test]
    fn quoted_is_text_in_backticks() {
        for keyword in KEYWORDS {
            assert_eq!(keyword.quoted, format!("`{}`", keyword.text));
        }
    }
}
