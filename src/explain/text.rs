//! The text form of an explanation: one block per port, one line per layer, then the
//! verdict.

use super::answer::Explanation;

/// The text form, for a terminal.
pub fn render_text(e: &Explanation) -> String {
    let mut out = String::new();
    for p in &e.ports {
        if e.kind == "service" {
            out.push_str(&format!(
                "{} → {} port {} (Service port {} → target port {}/{})\n",
                e.from, e.to, p.port, p.service_port, p.target_port, p.protocol
            ));
        } else {
            out.push_str(&format!(
                "{} → {} port {} ({}/{})\n",
                e.from, e.to, p.port, p.target_port, p.protocol
            ));
        }
        for l in &p.layers {
            let mark = if l.allowed { "ok  " } else { "DENY" };
            out.push_str(&format!("  {mark} {:<10} {}\n", l.layer, l.detail));
        }
        for line in &p.allowed_by {
            out.push_str(&format!("  intent     {line}\n"));
        }
        for line in &p.nearest {
            out.push_str(&format!("  nearest    {line}\n"));
        }
        for line in &p.notes {
            out.push_str(&format!("  note       {line}\n"));
        }
        if let Some(now) = p.allowed_now {
            out.push_str(&format!(
                "  now        {} while {} {} in dry-run (observed, not enforced)\n",
                verdict(now),
                e.dry_run.join(" and "),
                if e.dry_run.len() == 1 { "is" } else { "are" }
            ));
        }
        out.push_str(match (p.allowed, p.allowed_now) {
            (true, None) => "  => allowed\n",
            (false, None) => "  => denied\n",
            (true, Some(_)) => "  => allowed once enforced\n",
            (false, Some(_)) => "  => denied once enforced\n",
        });
    }
    if let Some(now) = e.allowed_now {
        out.push_str(&format!(
            "dry-run: {} now, {} once {} {} enforced\n",
            verdict(now),
            verdict(e.allowed),
            e.dry_run.join(" and "),
            if e.dry_run.len() == 1 { "is" } else { "are" }
        ));
    }
    out.push_str(if e.allowed { "ALLOWED\n" } else { "DENIED\n" });
    out
}

fn verdict(allowed: bool) -> &'static str {
    if allowed {
        "allowed"
    } else {
        "denied"
    }
}
