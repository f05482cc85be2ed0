//! The `mesh` block read by the fast reader, statement by statement as in
//! `grammar/intent.pest`; `None` at the first byte it does not expect.

use super::reader::Reader;
use crate::ast::{self, Word};
use crate::source::Span;

impl Reader<'_> {
    pub(crate) fn mesh(&mut self) -> Option<ast::Mesh> {
        let keyword = self.keyword("mesh")?;
        self.skip();
        self.punct(b'{')?;
        self.skip();
        let statements = self.block_items(Self::mesh_statement)?;
        Some(ast::Mesh {
            span: keyword,
            statements,
        })
    }

    fn mesh_statement(&mut self) -> Option<ast::MeshStatement> {
        let start = self.pos;
        if self.keyword("trust-domain").is_some() {
            self.skip();
            Some(ast::MeshStatement::TrustDomain(self.domain()?))
        } else if self.keyword("cluster-domain").is_some() {
            self.skip();
            Some(ast::MeshStatement::ClusterDomain(self.domain()?))
        } else if let Some(kw) = ["istiod", "dns"]
            .into_iter()
            .find(|kw| self.keyword(kw).is_some())
        {
            // `istiod NS LABELS` and `dns NS LABELS` have one shape.
            self.skip();
            let namespace = self.word()?;
            self.skip();
            let labels = self.labels()?;
            let span = self.span_from(start);
            Some(if kw == "dns" {
                ast::MeshStatement::Dns {
                    span,
                    namespace,
                    labels,
                }
            } else {
                ast::MeshStatement::Istiod {
                    span,
                    namespace,
                    labels,
                }
            })
        } else if self.keyword("scraper").is_some() {
            self.skip();
            let (name, namespace) = self.name_in()?;
            Some(ast::MeshStatement::Scraper {
                span: self.span_from(start),
                name,
                namespace,
            })
        } else if let Some(keyword) = self.keyword("workload") {
            self.skip();
            Some(ast::MeshStatement::Workload(self.workload(keyword)?))
        } else if self.keyword("cluster-cidrs").is_some() {
            self.skip();
            let cidrs = self.list(Self::loose)?;
            Some(ast::MeshStatement::ClusterCidrs {
                span: self.span_from(start),
                cidrs,
            })
        } else if self.keyword("sidecar-scoping").is_some() {
            self.skip();
            Some(ast::MeshStatement::SidecarScoping(
                self.run(|b| b.is_ascii_alphanumeric())?,
            ))
        } else if self.keyword("sync-waves").is_some() {
            self.skip();
            Some(ast::MeshStatement::SyncWaves(
                self.run(|b| b.is_ascii_alphanumeric())?,
            ))
        } else if self.keyword("network").is_some() {
            self.skip();
            Some(ast::MeshStatement::Network(self.word()?))
        } else if self.keyword("dataplane").is_some() {
            self.skip();
            Some(ast::MeshStatement::Dataplane(self.word()?))
        } else if self.keyword("waypoint").is_some() {
            self.skip();
            let (name, namespace) = self.name_in()?;
            Some(ast::MeshStatement::Waypoint {
                span: self.span_from(start),
                name,
                namespace,
            })
        } else if self.keyword("dry-run").is_some() {
            self.skip();
            let namespaces = self.list(Self::word)?;
            Some(ast::MeshStatement::DryRun {
                span: self.span_from(start),
                namespaces,
            })
        } else if let Some(keyword) = self.keyword("jwt") {
            self.skip();
            Some(ast::MeshStatement::Jwt(self.jwt(keyword)?))
        } else if let Some(keyword) = self.keyword("cluster") {
            self.skip();
            Some(ast::MeshStatement::Cluster(self.cluster(keyword)?))
        } else if self.keyword("eastwest").is_some() {
            self.skip();
            let namespace = self.word()?;
            self.skip();
            let labels = self.labels()?;
            Some(ast::MeshStatement::Eastwest {
                span: self.span_from(start),
                namespace,
                labels,
            })
        } else {
            None
        }
    }

    /// `NAME in NAMESPACE`, after `scraper` or `waypoint`.
    fn name_in(&mut self) -> Option<(ast::Word, ast::Word)> {
        let name = self.word()?;
        self.skip();
        self.keyword("in")?;
        self.skip();
        Some((name, self.word()?))
    }

    /// `cluster NAME { (trust-domain D | network N | pod-cidrs R, ... | gateway A, ...)* }`.
    fn cluster(&mut self, keyword: Span) -> Option<ast::Cluster> {
        let name = self.word()?;
        self.skip();
        self.punct(b'{')?;
        self.skip();
        let mut cluster = ast::Cluster {
            span: keyword,
            name,
            trust_domains: Vec::new(),
            networks: Vec::new(),
            pod_cidrs: Vec::new(),
            gateways: Vec::new(),
        };
        while self.peek() != Some(b'}') {
            if self.keyword("trust-domain").is_some() {
                self.skip();
                cluster.trust_domains.push(self.domain()?);
            } else if self.keyword("network").is_some() {
                self.skip();
                cluster.networks.push(self.word()?);
            } else if let Some(kw) = self.keyword("pod-cidrs") {
                self.skip();
                cluster.pod_cidrs.push((kw, self.list(Self::loose)?));
            } else if let Some(kw) = self.keyword("gateway") {
                self.skip();
                cluster.gateways.push((kw, self.list(Self::loose)?));
            } else {
                return None;
            }
            self.skip();
        }
        self.punct(b'}')?;
        Some(cluster)
    }

    /// `jwt NAME { (issuer URL | jwks URL)* }`.
    fn jwt(&mut self, keyword: Span) -> Option<ast::Jwt> {
        let name = self.word()?;
        self.skip();
        self.punct(b'{')?;
        self.skip();
        let mut jwt = ast::Jwt {
            span: keyword,
            name,
            issuers: Vec::new(),
            jwks: Vec::new(),
        };
        while self.peek() != Some(b'}') {
            if let Some(kw) = self.keyword("issuer") {
                self.skip();
                jwt.issuers.push((kw, self.loose()?));
            } else if let Some(kw) = self.keyword("jwks") {
                self.skip();
                jwt.jwks.push((kw, self.loose()?));
            } else {
                return None;
            }
            self.skip();
        }
        self.punct(b'}')?;
        Some(jwt)
    }

    fn workload(&mut self, keyword: Span) -> Option<ast::Workload> {
        let name = self.word()?;
        self.skip();
        self.keyword("in")?;
        self.skip();
        let namespace = self.word()?;
        let mut account: Option<(Word, Span)> = None;
        let mut selector: Option<(Vec<ast::Label>, Span)> = None;
        let mut duplicates = Vec::new();
        let mut ports = Vec::new();
        let mut allows = Vec::new();
        if self.then_punct(b'{') {
            while self.peek() != Some(b'}') {
                let start = self.pos;
                if self.keyword("account").is_some() {
                    self.skip();
                    let word = self.word()?;
                    let at = self.statement_keyword(start);
                    match &account {
                        Some((_, first)) => duplicates.push(("account", at, *first)),
                        None => account = Some((word, at)),
                    }
                } else if self.keyword("selector").is_some() {
                    self.skip();
                    let labels = self.labels()?;
                    let at = self.statement_keyword(start);
                    match &selector {
                        Some((_, first)) => duplicates.push(("selector", at, *first)),
                        None => selector = Some((labels, at)),
                    }
                } else if self.keyword("port").is_some() {
                    self.skip();
                    ports.push(self.port()?);
                } else if let Some(keyword) = self.keyword("allow") {
                    self.skip();
                    allows.push(self.allow(keyword)?);
                } else {
                    return None;
                }
                self.skip();
            }
            self.punct(b'}')?;
        }
        Some(ast::Workload {
            span: keyword,
            name,
            namespace,
            account: account.map(|(a, _)| a),
            selector: selector.map(|(l, _)| l),
            ports,
            allows,
            duplicates,
        })
    }

    /// The span `Lower::workload` gives a repeated statement: its first whitespace-separated
    /// chunk, which is the keyword (and any comment glued to it).
    fn statement_keyword(&self, start: usize) -> Span {
        let chunk = self.text[start..self.last_end]
            .split_whitespace()
            .next()
            .map_or(0, str::len);
        self.span(start, start + chunk)
    }
}
