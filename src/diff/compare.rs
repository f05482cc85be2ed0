//! Compares two compiled sides at intent level: every kind of change is collected from its
//! own comparison, then sorted and deduplicated into the one list a diff reports.

use super::access;
use super::change::Change;
use super::dryrun;
use super::model::Model;
use super::outside;
use super::settings;

/// Every change from `old` to `new`, sorted.
pub fn compare(old: Model<'_>, new: Model<'_>) -> Vec<Change> {
    let mut out = Vec::new();
    access::access_changes(old, new, &mut out);
    settings::mtls_changes(old, new, &mut out);
    settings::route_changes(old, new, &mut out);
    settings::scraper_changes(old, new, &mut out);
    settings::identity_changes(old, new, &mut out);
    outside::outside_changes(old, new, &mut out);
    dryrun::enforcement_changes(old, new, &mut out);
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out.dedup();
    out
}
