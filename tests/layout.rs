//! The source layout rule, checked on every test run so that it still holds as the code grows.
//!
//! Every folder under src/ is a small layered package: its `mod.rs` is the top of the folder
//! (the module doc, the `mod` declarations, the `pub use` re-exports that keep public paths
//! working, entry functions that only call children) and may depend on any child, while no
//! child ever imports its `mod.rs`. An item that children share lives in a sibling file named
//! by the noun it holds, and children import it from that sibling, never through the parent's
//! re-export. Siblings, folders included, depend on each other as a DAG, so no two files of the
//! crate import each other, directly or around a loop, and each file reads knowing only the
//! files it imports. `#[cfg(test)]` modules may use anything. No file under src/ is over 500
//! lines: past that, a file holds more than one thing and is split by noun.
//!
//! The graph is read from the sources with `syn`, without compiling: file A depends on file B
//! when A names module B or an item inside it, in a `use` tree or in a path anywhere in the
//! code (macro arguments included), or declares it (`mod b;`: a parent depends on its children).
//! A path counts for the longest module prefix that is a file, so `super::Item` re-exported by
//! the parent is an edge to the parent.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use syn::buffer::{Cursor, TokenBuffer};
use syn::visit::{self, Visit};

const MAX_LINES: usize = 500;

/// A module path from the crate root: `["explain", "port"]` is `explain::port`.
type Module = Vec<String>;

/// For each module that is a file, the other files it names.
type Graph = BTreeMap<Module, BTreeSet<Module>>;

#[test]
fn no_file_under_src_is_over_500_lines() {
    let long: Vec<String> = read_src()
        .iter()
        .map(|(file, text)| (file, text.lines().count()))
        .filter(|(_, lines)| *lines > MAX_LINES)
        .map(|(file, lines)| format!("src/{file}: {lines} lines"))
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines, split them by noun:\n{}",
        long.join("\n")
    );
}

#[test]
fn no_import_cycle_between_files() {
    let report = report(&graph(&read_src()));
    assert!(
        report.is_empty(),
        "import cycles between files (the rule is in the //! of tests/layout.rs):\n{report}"
    );
}

/// Every file under src/, keyed by its path relative to src/.
fn read_src() -> BTreeMap<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let (mut dirs, mut files) = (vec![root.clone()], BTreeMap::new());
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("src/ is readable").path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                let text = std::fs::read_to_string(&path).expect("sources are UTF-8");
                files.insert(
                    path.strip_prefix(&root).unwrap().display().to_string(),
                    text,
                );
            }
        }
    }
    files
}

fn is_test(module: &syn::ItemMod) -> bool {
    let cfg_test = |attr: &syn::Attribute| {
        attr.path().is_ident("cfg")
            && matches!(&attr.meta, syn::Meta::List(list) if list.tokens.to_string() == "test")
    };
    module.ident == "tests" || module.attrs.iter().any(cfg_test)
}

/// The library's files, parsed, by module: lib.rs and what its `mod x;` declarations reach
/// (x.rs or x/mod.rs), test modules left out.
fn parse(sources: &BTreeMap<String, String>) -> BTreeMap<Module, syn::File> {
    let mut files = BTreeMap::new();
    let mut queue = vec![(Module::new(), "lib.rs".to_string())];
    while let Some((module, file)) = queue.pop() {
        let ast = syn::parse_file(&sources[&file]).unwrap_or_else(|e| panic!("src/{file}: {e}"));
        let path = Path::new(&file);
        let stem = path.file_stem().unwrap().to_string_lossy();
        let mut dir = path.parent().unwrap().to_path_buf();
        if !matches!(&*stem, "lib" | "mod") {
            dir.push(&*stem);
        }
        for item in &ast.items {
            let syn::Item::Mod(decl @ syn::ItemMod { content: None, .. }) = item else {
                continue;
            };
            if is_test(decl) {
                continue;
            }
            let child = decl.ident.to_string();
            let candidates = [
                dir.join(format!("{child}.rs")),
                dir.join(&child).join("mod.rs"),
            ];
            let mut found = candidates.iter().map(|path| path.display().to_string());
            let child_file = found.find(|file| sources.contains_key(file));
            let child_file =
                child_file.unwrap_or_else(|| panic!("src/{file}: no file for `mod {child};`"));
            queue.push(([&module[..], &[child]].concat(), child_file));
        }
        files.insert(module, ast);
    }
    files
}

/// Walks one file and collects the files its paths point into.
struct Names<'c> {
    files: &'c BTreeMap<Module, syn::File>,
    file: Module,
    /// The module being walked: `file`, or an inline module inside it.
    scope: Module,
    /// Modules that files `use` by name: `use crate::evaluate;` then `evaluate::read::x`.
    aliases: BTreeMap<String, Module>,
    deps: BTreeSet<Module>,
}

impl Names<'_> {
    /// Where `path`, written in the current scope, points from the crate root; `None` for names
    /// outside the crate and local items (a bare name is never a module).
    fn absolute(&self, path: &[String]) -> Option<Module> {
        let (first, mut rest) = path.split_first()?;
        let mut base = match first.as_str() {
            "crate" => Module::new(),
            "self" => self.scope.clone(),
            "super" => self.scope[..self.scope.len().checked_sub(1)?].to_vec(),
            _ if rest.is_empty() => return None,
            name => {
                let child = [&self.file[..], &path[..1]].concat(); // declared with `mod child;`
                if self.scope == self.file && self.files.contains_key(&child) {
                    child
                } else {
                    self.aliases.get(name)?.clone()
                }
            }
        };
        while let Some((_, tail)) = rest.split_first().filter(|(first, _)| *first == "super") {
            base.pop()?;
            rest = tail;
        }
        base.extend_from_slice(rest);
        Some(base)
    }

    fn note(&mut self, path: &[String]) {
        if let Some(target) = self.absolute(path) {
            let file = (0..=target.len())
                .rev()
                .map(|n| &target[..n])
                .find(|m| self.files.contains_key(*m));
            let file = file.expect("the crate root is a file").to_vec();
            if file != self.file {
                self.deps.insert(file);
            }
        }
    }

    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        let (ident, alias) = match tree {
            syn::UseTree::Name(n) => (&n.ident, &n.ident),
            syn::UseTree::Rename(r) => (&r.ident, &r.rename),
            syn::UseTree::Glob(_) => return self.note(prefix),
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.to_string());
                self.use_tree(prefix, &p.tree);
                prefix.pop();
                return;
            }
            syn::UseTree::Group(g) => {
                for item in &g.items {
                    self.use_tree(prefix, item);
                }
                return;
            }
        };
        let mut path = prefix.clone();
        if ident != "self" {
            path.push(ident.to_string());
        }
        self.note(&path);
        let alias = if alias == "self" {
            path.last().cloned()
        } else {
            Some(alias.to_string())
        };
        if let (Some(alias), Some(target)) = (alias, self.absolute(&path)) {
            if self.files.contains_key(&target) {
                self.aliases.insert(alias, target);
            }
        }
    }

    /// Paths inside macro arguments are tokens to syn: take every `a::b::c` run of them (a
    /// lone `self`, `super` or `crate` there is a receiver or a visibility, not a path).
    fn scan(&mut self, mut cursor: Cursor) {
        let mut path = Vec::new();
        while !cursor.eof() {
            if let Some((ident, next)) = cursor.ident() {
                path.push(ident.to_string());
                cursor = next;
                if let Some(after) = after_colons(cursor) {
                    cursor = after;
                    continue;
                }
            } else if let Some((inner, _, _, next)) = cursor.any_group() {
                self.scan(inner);
                cursor = next;
            } else {
                cursor = cursor.token_tree().expect("not at the end").1;
            }
            if path.len() > 1 {
                self.note(&path);
            }
            path.clear();
        }
        if path.len() > 1 {
            self.note(&path);
        }
    }
}

/// The cursor past `::` when it is at one.
fn after_colons(cursor: Cursor) -> Option<Cursor> {
    let (first, next) = cursor.punct()?;
    let (second, after) = next.punct()?;
    (first.as_char() == ':' && second.as_char() == ':').then_some(after)
}

impl<'ast> Visit<'ast> for Names<'_> {
    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        if module.content.is_none() && !is_test(module) {
            // Declaring a child depends on it: the parent is the top of its folder.
            let mut child = self.scope.clone();
            child.push(module.ident.to_string());
            if self.files.contains_key(&child) && child != self.file {
                self.deps.insert(child);
            }
        }
        if module.content.is_some() && !is_test(module) {
            self.scope.push(module.ident.to_string());
            visit::visit_item_mod(self, module);
            self.scope.pop();
        }
    }

    fn visit_use_tree(&mut self, tree: &'ast syn::UseTree) {
        self.use_tree(&mut Vec::new(), tree);
    }

    /// `pub(super)` and `pub(in crate::x)` say who may use an item, not what it uses.
    fn visit_vis_restricted(&mut self, _: &'ast syn::VisRestricted) {}

    fn visit_path(&mut self, path: &'ast syn::Path) {
        if path.leading_colon.is_none() {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            self.note(&segments);
        }
        visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        visit::visit_macro(self, mac);
        self.scan(TokenBuffer::new2(mac.tokens.clone()).begin());
    }
}

/// The file-level dependency graph of the library.
fn graph(sources: &BTreeMap<String, String>) -> Graph {
    let files = parse(sources);
    let deps = |(module, ast): (&Module, &syn::File)| {
        let (file, scope, aliases, deps) = (
            module.clone(),
            module.clone(),
            BTreeMap::new(),
            BTreeSet::new(),
        );
        let mut names = Names {
            files: &files,
            file,
            scope,
            aliases,
            deps,
        };
        names.visit_file(ast); // learns the aliases, wherever in the file their `use` is
        names.visit_file(ast);
        (module.clone(), names.deps)
    };
    files.iter().map(deps).collect()
}

fn name(module: &Module) -> String {
    if module.is_empty() {
        "crate".to_string()
    } else {
        module.join("::")
    }
}

/// The shortest way from `start` back to itself, written `a -> b -> a` from its least module.
fn shortest_cycle(graph: &Graph, start: &Module) -> String {
    let mut came_from: BTreeMap<&Module, &Module> = BTreeMap::new();
    let mut queue = VecDeque::from([start]);
    while let Some(node) = queue.pop_front() {
        if graph[node].contains(start) {
            let mut cycle = vec![node];
            while let Some(prev) = came_from.get(cycle.last().unwrap()) {
                cycle.push(prev);
            }
            cycle.reverse();
            let least = (0..cycle.len()).min_by_key(|&i| cycle[i]).unwrap();
            cycle.rotate_left(least);
            let names: Vec<String> = cycle.iter().chain(&cycle[..1]).map(|m| name(m)).collect();
            return names.join(" -> ");
        }
        for next in &graph[node] {
            if !came_from.contains_key(next) && next != start {
                came_from.insert(next, node);
                queue.push_back(next);
            }
        }
    }
    unreachable!("{} is on a cycle", name(start))
}

/// Empty when the graph has no cycle. Otherwise each group of files that reach each other,
/// with the shortest cycle through each of its files.
fn report(graph: &Graph) -> String {
    let reach = |from: &Module| {
        let (mut seen, mut stack) = (BTreeSet::new(), vec![from]);
        while let Some(node) = stack.pop() {
            for next in &graph[node] {
                if seen.insert(next) {
                    stack.push(next);
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&Module, BTreeSet<&Module>> =
        graph.keys().map(|m| (m, reach(m))).collect();
    let mut groups = BTreeSet::new();
    for (module, reached) in &reaches {
        let group: BTreeSet<&Module> = reached
            .iter()
            .copied()
            .filter(|m| reaches[m].contains(module))
            .collect();
        if !group.is_empty() {
            groups.insert(group); // `module` is on a cycle, with every file of `group`
        }
    }
    let mut out = String::new();
    for group in groups {
        let members: Vec<String> = group.iter().map(|m| name(m)).collect();
        out += &format!("{} reach each other:\n", members.join(", "));
        let cycles: BTreeSet<String> = group.iter().map(|m| shortest_cycle(graph, m)).collect();
        for cycle in cycles {
            out += &format!("  {cycle}\n");
        }
    }
    out
}

/// The graph logic on small crates held in memory.
mod logic {
    use super::*;

    fn crate_of(files: &[(&str, &str)]) -> Graph {
        graph(
            &files
                .iter()
                .map(|(path, text)| (path.to_string(), text.to_string()))
                .collect(),
        )
    }

    fn deps(graph: &Graph, of: &str) -> Vec<String> {
        graph[&of.split("::").map(str::to_string).collect::<Module>()]
            .iter()
            .map(name)
            .collect()
    }

    #[test]
    fn two_files_naming_each_other_are_a_cycle() {
        let g = crate_of(&[
            ("lib.rs", "mod a; mod b;"),
            ("a.rs", "use crate::b::B; pub struct A;"),
            ("b.rs", "pub struct B; fn f() -> crate::a::A { todo!() }"),
        ]);
        assert_eq!(report(&g), "a, b reach each other:\n  a -> b -> a\n");
    }

    #[test]
    fn a_parent_re_exporting_its_child_is_no_cycle() {
        let g = crate_of(&[
            ("lib.rs", "pub mod p;"),
            (
                "p/mod.rs",
                "mod c; pub use c::Item; pub fn run() { c::go() }",
            ),
            (
                "p/c.rs",
                "pub struct Item; pub(super) fn go() {} m! { pub(super) fn h() {} }",
            ),
        ]);
        assert_eq!(deps(&g, "p"), ["p::c"]);
        assert_eq!(report(&g), "");
    }

    #[test]
    fn a_child_naming_an_item_through_its_parent_is_a_cycle() {
        let g = crate_of(&[
            ("lib.rs", "pub mod p;"),
            (
                "p/mod.rs",
                "mod c; mod d; pub use d::Shared; pub struct Own; pub fn run() { c::go() }",
            ),
            (
                "p/c.rs",
                "use super::Own; pub fn go() { let _ = super::Shared; }",
            ),
            ("p/d.rs", "pub struct Shared;"),
        ]);
        assert_eq!(deps(&g, "p::c"), ["p"]);
        assert_eq!(report(&g), "p, p::c reach each other:\n  p -> p::c -> p\n");
    }

    #[test]
    fn declaring_a_child_depends_on_it() {
        let g = crate_of(&[
            ("lib.rs", "pub mod p;"),
            ("p/mod.rs", "mod c; pub struct Own;"),
            ("p/c.rs", "use super::Own;"),
        ]);
        assert_eq!(deps(&g, "p"), ["p::c"]);
        assert_eq!(report(&g), "p, p::c reach each other:\n  p -> p::c -> p\n");
    }

    #[test]
    fn test_modules_are_exempt() {
        let g = crate_of(&[
            ("lib.rs", "pub mod p;"),
            (
                "p/mod.rs",
                "mod c; pub use c::go; pub struct Own; #[cfg(test)] mod tests; #[cfg(test)] use tests::Fixture;",
            ),
            (
                "p/c.rs",
                "pub fn go() {} #[cfg(test)] mod tests { use super::super::Own; }",
            ),
            ("p/tests.rs", "use super::*; use crate::p::c::go;"),
        ]);
        assert_eq!(deps(&g, "p"), ["p::c"]);
        assert_eq!(report(&g), "");
    }

    #[test]
    fn use_groups_renames_globs_and_macro_arguments_resolve_to_files() {
        let g = crate_of(&[
            ("lib.rs", "mod p; mod q; mod r; mod s;"),
            ("p/mod.rs", "mod a; mod b; mod x;"),
            ("p/a.rs", ""),
            ("p/b/mod.rs", "pub mod c;"),
            ("p/b/c.rs", ""),
            (
                "p/x.rs",
                "use super::{a, b::c::Item as Thing}; use crate::q::*; fn f() { g!(crate::r::N) }",
            ),
            ("q.rs", ""),
            ("r.rs", ""),
            ("s.rs", "fn f() { top::b::c::go(); } use crate::p as top;"),
        ]);
        assert_eq!(deps(&g, "p::x"), ["p::a", "p::b::c", "q", "r"]);
        assert_eq!(deps(&g, "s"), ["p", "p::b::c"]);
    }
}
