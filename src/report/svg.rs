//! The picture of who may call what, as one inline SVG element: the HTML report must be a
//! single file that loads nothing, so the layout is computed here instead of by a
//! JavaScript library or Graphviz.
//!
//! Namespaces are columns left to right (as [`super::picture`] orders them), nodes are
//! stacked in each column, edges are curves from the caller's side to the destination's
//! side, coloured by the caller's breadth. Every position is an integer derived from the
//! order alone, so the same graph always gives the same bytes. All text is escaped; a
//! label too long for its box is cut with `…`, and every node and edge carries the full
//! text in a `<title>` (a tooltip, and what a screen reader says).

use super::model::{Breadth, Graph, Node};
use std::collections::BTreeMap;
use std::fmt::Write as _;

const COLUMN_WIDTH: i64 = 164;
const COLUMN_GAP: i64 = 56;
const MARGIN: i64 = 16;
const HEADER: i64 = 30;
const NODE_HEIGHT: i64 = 30;
const NODE_GAP: i64 = 14;
const NODE_INSET: i64 = 12;
/// Characters that fit in a node at 12px (about 7px each).
const LABEL_CHARS: usize = 19;
const LEGEND: i64 = 36;

/// The stroke colour of an edge, and the fill of a node reached that widely.
fn colours(breadth: Breadth) -> (&'static str, &'static str) {
    match breadth {
        Breadth::Anyone => ("#c62828", "#ffebee"),
        Breadth::NamespaceWide => ("#e08a00", "#fff3e0"),
        Breadth::Named => ("#546e7a", "#eceff1"),
        Breadth::Nothing => ("#546e7a", "#ffffff"),
    }
}

/// Text for an SVG text node or attribute value.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// LABEL cut to fit a box of `max` characters.
fn fit(label: &str, max: usize) -> String {
    if label.chars().count() <= max {
        label.to_string()
    } else {
        let mut cut: String = label.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// Where a node is drawn: its box's left, top, and its column.
#[derive(Clone, Copy)]
struct Place {
    x: i64,
    y: i64,
    column: usize,
}

/// GRAPH as an `<svg>` element with its own size; an empty graph gives a small picture
/// that says so.
pub fn svg(graph: &Graph) -> String {
    let mut places: BTreeMap<&str, Place> = BTreeMap::new();
    let tallest = graph
        .columns
        .iter()
        .map(|c| c.nodes.len() as i64)
        .max()
        .unwrap_or(0);
    let columns = graph.columns.len().max(1) as i64;
    let width = 2 * MARGIN + columns * COLUMN_WIDTH + (columns - 1) * COLUMN_GAP;
    let column_height = HEADER + tallest * (NODE_HEIGHT + NODE_GAP) + NODE_GAP;
    let height = 2 * MARGIN + column_height + LEGEND;
    // The widest breadth reaching each node, for its fill.
    let mut reached: BTreeMap<&str, Breadth> = BTreeMap::new();
    for edge in &graph.edges {
        let widest = reached.entry(edge.to.as_str()).or_insert(Breadth::Nothing);
        *widest = (*widest).max(edge.breadth);
    }
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"who may call what\" \
font-family=\"system-ui, -apple-system, 'Segoe UI', sans-serif\" font-size=\"12\">"
    );
    out.push_str("<title>Who may call what</title>");
    out.push_str("<defs>");
    for breadth in [Breadth::Named, Breadth::NamespaceWide, Breadth::Anyone] {
        let _ = write!(
            out,
            "<marker id=\"arrow-{}\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" \
markerWidth=\"7\" markerHeight=\"7\" orient=\"auto-start-reverse\">\
<path d=\"M0,0 L10,5 L0,10 z\" fill=\"{}\"/></marker>",
            breadth.rank(),
            colours(breadth).0
        );
    }
    out.push_str("</defs>");
    // Nodes are drawn after the edges, over them, so a line passing a box never hides
    // its label.
    let mut nodes = String::new();
    for (i, column) in graph.columns.iter().enumerate() {
        let x = MARGIN + i as i64 * (COLUMN_WIDTH + COLUMN_GAP);
        let dash = if column.outside {
            " stroke-dasharray=\"4 3\""
        } else {
            ""
        };
        let _ = write!(
            out,
            "<g class=\"column\"><rect x=\"{x}\" y=\"{MARGIN}\" width=\"{COLUMN_WIDTH}\" \
height=\"{column_height}\" rx=\"8\" fill=\"#f7f9fb\" stroke=\"#b0bec5\"{dash}/>\
<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\" fill=\"#263238\">{}</text></g>",
            x + COLUMN_WIDTH / 2,
            MARGIN + 20,
            escape(&fit(&column.name, LABEL_CHARS + 2))
        );
        for (j, node) in column.nodes.iter().enumerate() {
            let place = Place {
                x: x + NODE_INSET,
                y: MARGIN + HEADER + NODE_GAP / 2 + j as i64 * (NODE_HEIGHT + NODE_GAP),
                column: i,
            };
            places.insert(&node.id, place);
            let fill = colours(
                reached
                    .get(node.id.as_str())
                    .copied()
                    .unwrap_or(Breadth::Nothing),
            )
            .1;
            node_svg(&mut nodes, node, place, fill);
        }
    }
    for edge in &graph.edges {
        let (Some(from), Some(to)) = (places.get(edge.from.as_str()), places.get(edge.to.as_str()))
        else {
            continue;
        };
        let (stroke, _) = colours(edge.breadth);
        let box_width = COLUMN_WIDTH - 2 * NODE_INSET;
        let (y1, y2) = (from.y + NODE_HEIGHT / 2, to.y + NODE_HEIGHT / 2);
        let d = if from.column < to.column {
            let (x1, x2) = (from.x + box_width, to.x);
            let bend = (x2 - x1) / 2;
            format!(
                "M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}",
                x1 + bend,
                x2 - bend
            )
        } else if from.column > to.column {
            let (x1, x2) = (from.x, to.x + box_width);
            let bend = (x1 - x2) / 2;
            format!(
                "M{x1},{y1} C{},{y1} {},{y2} {x2},{y2}",
                x1 - bend,
                x2 + bend
            )
        } else {
            // Same column: out of the right side and back in, into the gap.
            let x = from.x + box_width;
            let out_x = x + COLUMN_GAP / 2 + NODE_INSET;
            format!("M{x},{y1} C{out_x},{y1} {out_x},{y2} {x},{y2}")
        };
        let ports = if edge.ports.is_empty() {
            String::new()
        } else {
            format!(" ({})", edge.ports.join(", "))
        };
        let _ = write!(
            out,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{stroke}\" stroke-width=\"1.5\" \
marker-end=\"url(#arrow-{})\"><title>{} → {}{}</title></path>",
            edge.breadth.rank(),
            escape(&edge.from),
            escape(&edge.to),
            escape(&ports)
        );
    }
    out.push_str(&nodes);
    legend(&mut out, height - MARGIN - LEGEND / 2);
    if graph.columns.is_empty() {
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"#546e7a\">nothing to draw</text>",
            MARGIN + 8,
            MARGIN + 20
        );
    }
    out.push_str("</svg>");
    out
}

fn node_svg(out: &mut String, node: &Node, place: Place, fill: &str) {
    let w = COLUMN_WIDTH - 2 * NODE_INSET;
    let (x, y, h) = (place.x, place.y, NODE_HEIGHT);
    let _ = write!(
        out,
        "<g class=\"node {}\"><title>{}</title>",
        node.kind,
        escape(&node.id)
    );
    match node.kind {
        "external" => {
            let s = 10;
            let _ = write!(
                out,
                "<polygon points=\"{},{y} {},{y} {},{} {},{} {},{} {x},{}\" fill=\"{fill}\" stroke=\"#37474f\"/>",
                x + s,
                x + w - s,
                x + w,
                y + h / 2,
                x + w - s,
                y + h,
                x + s,
                y + h,
                y + h / 2
            );
        }
        "anyone" => {
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"15\" fill=\"#ffebee\" stroke=\"#c62828\"/>"
            );
        }
        "namespace" => {
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"3\" fill=\"#fff3e0\" stroke=\"#e08a00\" stroke-dasharray=\"5 3\"/>"
            );
        }
        "workload" => {
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"12\" fill=\"{fill}\" stroke=\"#78909c\"/>"
            );
        }
        _ => {
            let _ = write!(
                out,
                "<rect x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"3\" fill=\"{fill}\" stroke=\"#37474f\"/>"
            );
        }
    }
    let _ = write!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#263238\">{}</text></g>",
        x + w / 2,
        y + h / 2 + 4,
        escape(&fit(&node.label, LABEL_CHARS))
    );
}

/// What the edge colours mean, on one line under the columns.
fn legend(out: &mut String, y: i64) {
    let mut x = MARGIN;
    for (breadth, text) in [
        (Breadth::Named, "named callers"),
        (Breadth::NamespaceWide, "namespace-wide"),
        (Breadth::Anyone, "anyone"),
    ] {
        let _ = write!(
            out,
            "<line x1=\"{x}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"{}\" stroke-width=\"2\"/>\
<text x=\"{}\" y=\"{}\" fill=\"#263238\">{text}</text>",
            x + 24,
            colours(breadth).0,
            x + 30,
            y + 4
        );
        x += 30 + 8 * text.len() as i64 + 20;
    }
}
