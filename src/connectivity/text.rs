//! The text form of the connectivity listing: one line per connection,
//! `FROM[KIND] => TO[KIND]: PROTOCOL PORTS, ... (l7 WHAT)`.

use super::listing::Connectivity;

fn ports(ranges: &[[u16; 2]]) -> String {
    ranges
        .iter()
        .map(|r| {
            if r[0] == r[1] {
                r[0].to_string()
            } else {
                format!("{}-{}", r[0], r[1])
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The listing for a terminal.
pub fn render_text(c: &Connectivity) -> String {
    let mut out = String::new();
    for conn in &c.connections {
        let l4: Vec<String> = conn
            .l4
            .iter()
            .map(|p| format!("{} {}", p.protocol, ports(&p.ports)))
            .collect();
        out.push_str(&format!(
            "{}[{}] => {}[{}]: {} (l7 {})\n",
            conn.from,
            conn.from_kind,
            conn.to,
            conn.to_kind,
            l4.join("; "),
            conn.l7
        ));
    }
    if c.connections.is_empty() {
        out.push_str("no connection is admitted\n");
    }
    out
}
