//! The `mesh` block and its statements, lowered from pest's pairs.

use super::pairs::Lower;
use crate::ast;
use crate::parse::grammar::Rule;
use crate::source::Span;
use pest::iterators::Pair;

impl Lower {
    pub(crate) fn mesh(&self, pair: Pair<Rule>) -> ast::Mesh {
        let span = self.span(&pair);
        let mut statements = Vec::new();
        for p in pair.into_inner() {
            let pspan = self.span(&p);
            let statement = match p.as_rule() {
                Rule::trust_domain => {
                    ast::MeshStatement::TrustDomain(self.first_of(p, Rule::domain, pspan))
                }
                Rule::cluster_domain => {
                    ast::MeshStatement::ClusterDomain(self.first_of(p, Rule::domain, pspan))
                }
                Rule::istiod | Rule::dns => {
                    let is_dns = p.as_rule() == Rule::dns;
                    let namespace = p
                        .clone()
                        .into_inner()
                        .find(|q| q.as_rule() == Rule::word)
                        .map(|q| self.word(&q))
                        .unwrap_or_else(|| self.empty_word(pspan));
                    let labels = self.labels_of(p);
                    if is_dns {
                        ast::MeshStatement::Dns {
                            span: pspan,
                            namespace,
                            labels,
                        }
                    } else {
                        ast::MeshStatement::Istiod {
                            span: pspan,
                            namespace,
                            labels,
                        }
                    }
                }
                Rule::scraper => {
                    let (name, namespace) = self.name_in(p, pspan);
                    ast::MeshStatement::Scraper {
                        span: pspan,
                        name,
                        namespace,
                    }
                }
                Rule::workload => ast::MeshStatement::Workload(self.workload(p, pspan)),
                Rule::cluster_cidrs => ast::MeshStatement::ClusterCidrs {
                    span: pspan,
                    cidrs: self.all_of(p, Rule::cidr_range),
                },
                Rule::sidecar_scoping => {
                    ast::MeshStatement::SidecarScoping(self.first_of(p, Rule::switch, pspan))
                }
                Rule::sync_waves => {
                    ast::MeshStatement::SyncWaves(self.first_of(p, Rule::switch, pspan))
                }
                Rule::network => ast::MeshStatement::Network(self.first_of(p, Rule::word, pspan)),
                Rule::dataplane => {
                    ast::MeshStatement::Dataplane(self.first_of(p, Rule::word, pspan))
                }
                Rule::waypoint => {
                    let (name, namespace) = self.name_in(p, pspan);
                    ast::MeshStatement::Waypoint {
                        span: pspan,
                        name,
                        namespace,
                    }
                }
                Rule::dry_run => ast::MeshStatement::DryRun {
                    span: pspan,
                    namespaces: self.all_of(p, Rule::word),
                },
                Rule::jwt => ast::MeshStatement::Jwt(self.jwt(p, pspan)),
                Rule::cluster_def => ast::MeshStatement::Cluster(self.cluster(p, pspan)),
                Rule::eastwest => ast::MeshStatement::Eastwest {
                    span: pspan,
                    namespace: self.first_of(p.clone(), Rule::word, pspan),
                    labels: self.labels_of(p),
                },
                _ => continue,
            };
            statements.push(statement);
        }
        ast::Mesh {
            span: Span {
                end: span.start + "mesh".len() as u32,
                ..span
            },
            statements,
        }
    }

    /// The two words of `KEYWORD NAME in NAMESPACE` (`scraper`, `waypoint`); a missing one
    /// is empty, at the statement.
    fn name_in(&self, pair: Pair<Rule>, span: Span) -> (ast::Word, ast::Word) {
        let mut words = pair
            .into_inner()
            .filter(|q| q.as_rule() == Rule::word)
            .map(|q| self.word(&q));
        let name = words.next().unwrap_or_else(|| self.empty_word(span));
        let namespace = words.next().unwrap_or_else(|| self.empty_word(span));
        (name, namespace)
    }

    fn cluster(&self, pair: Pair<Rule>, span: Span) -> ast::Cluster {
        let mut cluster = ast::Cluster {
            span: Span {
                end: span.start + "cluster".len() as u32,
                ..span
            },
            name: self.empty_word(span),
            trust_domains: Vec::new(),
            networks: Vec::new(),
            pod_cidrs: Vec::new(),
            gateways: Vec::new(),
        };
        for p in pair.into_inner() {
            let pspan = self.span(&p);
            match p.as_rule() {
                Rule::word => cluster.name = self.word(&p),
                Rule::trust_domain => {
                    cluster
                        .trust_domains
                        .push(self.first_of(p, Rule::domain, pspan))
                }
                Rule::network => cluster.networks.push(self.first_of(p, Rule::word, pspan)),
                Rule::pod_cidrs | Rule::gateway => {
                    let keyword = p
                        .clone()
                        .into_inner()
                        .next()
                        .map_or(pspan, |q| self.span(&q));
                    let list = (keyword, self.all_of(p.clone(), Rule::cidr_range));
                    if p.as_rule() == Rule::pod_cidrs {
                        cluster.pod_cidrs.push(list);
                    } else {
                        cluster.gateways.push(list);
                    }
                }
                _ => {}
            }
        }
        cluster
    }

    fn jwt(&self, pair: Pair<Rule>, span: Span) -> ast::Jwt {
        let mut jwt = ast::Jwt {
            span: Span {
                end: span.start + "jwt".len() as u32,
                ..span
            },
            name: self.empty_word(span),
            issuers: Vec::new(),
            jwks: Vec::new(),
        };
        for p in pair.into_inner() {
            let rule = p.as_rule();
            match rule {
                Rule::word => jwt.name = self.word(&p),
                Rule::issuer | Rule::jwks => {
                    let mut keyword = self.span(&p);
                    let mut url = self.empty_word(keyword);
                    for q in p.into_inner() {
                        match q.as_rule() {
                            Rule::url => url = self.word(&q),
                            _ => keyword = self.span(&q),
                        }
                    }
                    if rule == Rule::issuer {
                        jwt.issuers.push((keyword, url));
                    } else {
                        jwt.jwks.push((keyword, url));
                    }
                }
                _ => {}
            }
        }
        jwt
    }

    fn workload(&self, pair: Pair<Rule>, span: Span) -> ast::Workload {
        let mut words = Vec::new();
        let mut account: Option<(ast::Word, Span)> = None;
        let mut selector: Option<(Vec<ast::Label>, Span)> = None;
        let mut duplicates = Vec::new();
        let mut ports = Vec::new();
        let mut allows = Vec::new();
        for p in pair.into_inner() {
            let pspan = self.span(&p);
            // Point at the keyword, as the other "given twice" errors do.
            let keyword = Span {
                end: pspan.start + p.as_str().split_whitespace().next().map_or(0, str::len) as u32,
                ..pspan
            };
            match p.as_rule() {
                Rule::word => words.push(self.word(&p)),
                Rule::account => match &account {
                    Some((_, first)) => duplicates.push(("account", keyword, *first)),
                    None => account = Some((self.first_word(p, pspan), keyword)),
                },
                Rule::selector => match &selector {
                    Some((_, first)) => duplicates.push(("selector", keyword, *first)),
                    None => selector = Some((self.labels_of(p), keyword)),
                },
                Rule::port => ports.push(self.port(p, pspan)),
                Rule::allow => allows.push(self.allow(p, pspan)),
                _ => {}
            }
        }
        let (account, selector) = (account.map(|(a, _)| a), selector.map(|(l, _)| l));
        let mut words = words.into_iter();
        ast::Workload {
            span: Span {
                end: span.start + "workload".len() as u32,
                ..span
            },
            name: words.next().unwrap_or_else(|| self.empty_word(span)),
            namespace: words.next().unwrap_or_else(|| self.empty_word(span)),
            account,
            selector,
            ports,
            allows,
            duplicates,
        }
    }
}
