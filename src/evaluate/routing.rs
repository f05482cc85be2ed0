//! VirtualService routing as the caller's proxy applies it to one request: the `http`
//! routes of the VirtualServices for the host, in order, the first whose `match` holds
//! (one of its match entries: the port, when given, and every header, `exact` only)
//! decides, and its `route` destinations (subset and weight) are where the request goes.
//! A route without `match` matches everything. Only the fields meshward writes are
//! read; anything else in a match (a URI, a prefix header match) makes that entry fail,
//! so an unexpected field shows as a route that never matches.

use serde_json::Value;

/// One destination of the deciding route: its subset (`None`: the whole Service) and
/// weight (`None` when not written).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    pub subset: Option<String>,
    pub weight: Option<u64>,
}

/// The route a request to HOST on Service port PORT with HEADERS (names lower case)
/// takes: its name and destinations; `None` when no route of any VirtualService for the
/// host matches (the request goes to the Service as a whole).
pub fn route(
    objects: &[&Value],
    host: &str,
    port: u16,
    headers: &[(String, String)],
) -> Option<(String, Vec<Hop>)> {
    let services = objects.iter().filter(|o| {
        o.get("kind").and_then(Value::as_str) == Some("VirtualService")
            && o.pointer("/spec/hosts")
                .and_then(Value::as_array)
                .is_some_and(|h| h.iter().any(|x| x == host))
    });
    for vs in services {
        let routes = vs.pointer("/spec/http").and_then(Value::as_array);
        for r in routes.into_iter().flatten() {
            let matches = r.get("match").and_then(Value::as_array);
            let holds = match matches {
                None => true,
                Some(ms) if ms.is_empty() => true,
                Some(ms) => ms.iter().any(|m| entry_holds(m, port, headers)),
            };
            if !holds {
                continue;
            }
            let hops = r
                .get("route")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|d| Hop {
                    subset: d
                        .pointer("/destination/subset")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    weight: d.get("weight").and_then(Value::as_u64),
                })
                .collect();
            let name = r
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            return Some((name, hops));
        }
    }
    None
}

fn entry_holds(m: &Value, port: u16, headers: &[(String, String)]) -> bool {
    let Some(fields) = m.as_object() else {
        return false;
    };
    fields.iter().all(|(key, value)| match key.as_str() {
        "port" => value.as_u64() == Some(u64::from(port)),
        "headers" => value.as_object().is_some_and(|hs| {
            hs.iter().all(|(name, matcher)| {
                let sent = headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str());
                match (matcher.as_object(), sent) {
                    (Some(mm), Some(v)) if mm.len() == 1 => {
                        mm.get("exact").and_then(Value::as_str) == Some(v)
                    }
                    _ => false,
                }
            })
        }),
        _ => false,
    })
}
