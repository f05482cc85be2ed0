//! `meshward explain DIR FROM TO [PORT [METHOD PATH]]`: may FROM call TO, layer by layer.
//!
//! The verdicts come from [`crate::evaluate`] reading the rendered objects (the ones `build`
//! writes), so an explanation shows what the cluster will do, not what meshward meant.
//! The intent side only supplies what a person needs next: the `file:line` that allows
//! the call, or that nothing does and the nearest thing that would.
//!
//! `answer` holds the question and the answer's shape, `resolve` finds the parties and
//! judges each port, `port` judges one port layer by layer, `nearest` finds what comes
//! closest to allowing a denied call, `text` prints the answer for a terminal.

mod answer;
mod nearest;
mod port;
mod resolve;
mod text;

pub use answer::{Explanation, Layer, PortAnswer, Question};
pub use resolve::explain;
pub use text::render_text;
