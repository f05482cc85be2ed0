//! One run of `meshward diff`: read the template, if any, before anything else (a broken
//! template fails fast, without git work), compare the two sides, print the changes in
//! the asked form, and say how the run ended.

use super::change::widens;
use super::context::Context;
use super::options::{Format, Options};
use super::render::{render_json, render_text};
use super::side::changes;
use super::template::Template;
use crate::exit::Exit;
use std::path::Path;

/// `meshward diff`, the changes rendered by `template` when one is given, else in
/// `options.format`; errors go to `err` in the form that format asks for.
pub fn run(
    options: &Options,
    template: Option<&Path>,
    out: &mut dyn std::io::Write,
    err: &mut dyn std::io::Write,
) -> Exit {
    let errors = options.format.errors();
    let template = match template.map(Template::read).transpose() {
        Ok(template) => template,
        Err(e) => {
            let _ = err.write_all(e.render(errors).as_bytes());
            return Exit::Input;
        }
    };
    let found = match changes(&options.dir, &options.base) {
        Ok(found) => found,
        Err(e) => {
            let _ = err.write_all(e.render(options.format).as_bytes());
            return if e.is_fault() {
                Exit::Fault
            } else {
                Exit::Input
            };
        }
    };
    let context = || Context::new(&found).compared(&options.base, &options.dir);
    let text = match (template, options.format) {
        (Some(template), _) => template.render(&context()),
        (None, Format::Markdown) => Template::builtin().render(&context()),
        (None, Format::Text) => Ok(render_text(&found)),
        (None, Format::Json) => Ok(render_json(&found)),
    };
    match text {
        Ok(text) => {
            let _ = out.write_all(text.as_bytes());
        }
        Err(e) => {
            let _ = err.write_all(e.render(errors).as_bytes());
            return Exit::Input;
        }
    }
    if options.exit_code && widens(&found) {
        Exit::Widens
    } else {
        Exit::Ok
    }
}
