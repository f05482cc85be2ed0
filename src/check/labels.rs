//! Label sets: each `key=value` of a selector validated, and the overlap rule that keeps
//! two selectors of one namespace apart (services and workloads alike).

use super::names;
use super::sink::Sink;
use crate::ast;
use crate::code::Code;
use crate::ir::Labels;

/// Validated labels; duplicates and bad syntax are reported, the rest kept.
pub(crate) fn checked(labels: &[ast::Label], sink: &mut Sink) -> Labels {
    let mut out = Labels::new();
    for label in labels {
        let key_ok = sink.ok(
            Code::InvalidLabel,
            label.key.span,
            names::label_key(&label.key.text),
        );
        let value_ok = sink.ok(
            Code::InvalidLabel,
            label.value.span,
            names::label_value(&label.value.text),
        );
        if !(key_ok && value_ok) {
            continue;
        }
        if out.contains_key(&label.key.text) {
            sink.error(
                Code::DuplicateLabelKey,
                label.key.span,
                format!("label key `{}` is given twice", label.key.text),
            );
            continue;
        }
        out.insert(label.key.text.clone(), label.value.text.clone());
    }
    out
}

/// True when one selector's labels are a subset of the other's, so it picks every pod the
/// other picks.
pub(crate) fn overlap(a: &Labels, b: &Labels) -> bool {
    let subset = |x: &Labels, y: &Labels| x.iter().all(|(k, v)| y.get(k) == Some(v));
    subset(a, b) || subset(b, a)
}
