//! The `external` block read by the fast reader, as in `grammar/intent.pest`; its `port`
//! and `allow` lines are the service's. `None` at the first byte it does not expect.

use super::reader::Reader;
use crate::ast;

impl Reader<'_> {
    pub(crate) fn external(&mut self) -> Option<ast::External> {
        let keyword = self.keyword("external")?;
        self.skip();
        let name = self.word()?;
        self.skip();
        self.punct(b'{')?;
        self.skip();
        let statements = self.block_items(Self::external_statement)?;
        Some(ast::External {
            span: keyword,
            name,
            statements,
        })
    }

    fn external_statement(&mut self) -> Option<ast::ExternalStatement> {
        if let Some(keyword) = self.keyword("host") {
            self.skip();
            let hosts = self.list(Self::loose)?;
            Some(ast::ExternalStatement::Hosts { keyword, hosts })
        } else if let Some(keyword) = self.keyword("cidr") {
            self.skip();
            let cidrs = self.list(Self::loose)?;
            Some(ast::ExternalStatement::Cidrs { keyword, cidrs })
        } else if self.keyword("port").is_some() {
            self.skip();
            Some(ast::ExternalStatement::Port(self.port()?))
        } else if let Some(keyword) = self.keyword("allow") {
            self.skip();
            Some(ast::ExternalStatement::Allow(self.allow(keyword)?))
        } else {
            None
        }
    }
}
