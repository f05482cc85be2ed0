//! Raw bytes as one cluster file (`kubectl get -A -o yaml` output, or anyone's manifests).
//!
//! The bytes are decoded as UTF-8 (lossily), read as YAML documents (or JSON when the first
//! byte says so), sorted into an inventory, listed by `connectivity`, asked of by `explain
//! --cluster` for the first two workloads, and imported. Nothing may panic, and the
//! import's proof must hold: whatever it would write admits exactly what the input
//! admits where it speaks (a mismatch is a meshward bug, as `meshward import` exits 3).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let json = data.first() == Some(&b'{');
    let text = String::from_utf8_lossy(data).into_owned();
    let (objects, _) = meshward::inventory::read_text("fuzz.yaml", text, json);
    let (inv, _) = meshward::inventory::inventory(objects);
    let listing = meshward::connectivity::connectivity(&inv);
    let _ = meshward::connectivity::render_text(&listing);
    if let [a, b, ..] = inv.workloads.as_slice() {
        let (from, to) = (format!("{}.{}", a.name, a.namespace), format!("{}.{}", b.name, b.namespace));
        let _ = meshward::connectivity::explain_cluster(&inv, &from, &to, None, None);
        let _ = meshward::connectivity::explain_cluster(&inv, &from, &to, Some("80"), Some(("GET", "/")));
    }
    let out = meshward::import::import(&inv);
    assert!(out.mismatches.is_empty(), "import's proof failed: {:#?}", out.mismatches);
});
