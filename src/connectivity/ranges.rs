//! Address ranges outside the cluster, as the connectivity listing names them: the whole
//! space of each family cut at every `ipBlock`/CIDR boundary the policies name, so that
//! every address of a piece gets the same verdicts; pieces are written back as CIDRs.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// One family's space as integers: IPv4 in 0..2^32, IPv6 in 0..2^128 (inclusive ends).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    fn max(self) -> u128 {
        match self {
            Family::V4 => u128::from(u32::MAX),
            Family::V6 => u128::MAX,
        }
    }

    fn bits(self) -> u32 {
        match self {
            Family::V4 => 32,
            Family::V6 => 128,
        }
    }

    pub fn address(self, value: u128) -> IpAddr {
        match self {
            Family::V4 => IpAddr::V4(Ipv4Addr::from(value as u32)),
            Family::V6 => IpAddr::V6(Ipv6Addr::from(value)),
        }
    }
}

/// `10.0.0.0/8` (or a bare address) as (family, first, last); `None` when it does not
/// parse.
pub fn parse(cidr: &str) -> Option<(Family, u128, u128)> {
    let (address, prefix) = match cidr.split_once('/') {
        Some((a, p)) => (a.parse::<IpAddr>().ok()?, p.parse::<u32>().ok()?),
        None => {
            let a = cidr.parse::<IpAddr>().ok()?;
            (a, if a.is_ipv4() { 32 } else { 128 })
        }
    };
    let (family, value) = match address {
        IpAddr::V4(a) => (Family::V4, u128::from(u32::from(a))),
        IpAddr::V6(a) => (Family::V6, u128::from(a)),
    };
    if prefix > family.bits() {
        return None;
    }
    let host = family.bits() - prefix;
    let mask = if host >= 128 {
        u128::MAX
    } else {
        (1u128 << host) - 1
    };
    let first = value & !mask & family.max();
    Some((family, first, (first | mask) & family.max()))
}

/// Whether RANGES together hold every address of both families (what `anyone` reaches).
pub fn covers_everything(ranges: &[(Family, u128, u128)]) -> bool {
    [Family::V4, Family::V6].into_iter().all(|family| {
        let mut rs: Vec<(u128, u128)> = ranges
            .iter()
            .filter(|r| r.0 == family)
            .map(|r| (r.1, r.2))
            .collect();
        rs.sort_unstable();
        let mut next = 0u128;
        for (first, last) in rs {
            if first > next {
                return false;
            }
            if last >= family.max() {
                return true;
            }
            next = next.max(last + 1);
        }
        false
    })
}

/// The pieces of each family's space that the BLOCKS cut it into, as (family, first,
/// last), in order.
pub fn pieces(blocks: &[String]) -> Vec<(Family, u128, u128)> {
    let mut out = Vec::new();
    for family in [Family::V4, Family::V6] {
        // Every piece starts at 0 or just after a range ends, or where a range starts.
        let mut starts: BTreeSet<u128> = [0].into();
        for (f, first, last) in blocks.iter().filter_map(|b| parse(b)) {
            if f == family {
                starts.insert(first);
                if last < family.max() {
                    starts.insert(last + 1);
                }
            }
        }
        let starts: Vec<u128> = starts.into_iter().collect();
        for (i, &start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(family.max(), |next| next - 1);
            out.push((family, start, end));
        }
    }
    out
}

/// The fewest CIDRs that cover FIRST..=LAST exactly.
pub fn cidrs(family: Family, first: u128, last: u128) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = first;
    loop {
        // The largest aligned block starting at AT that stays within LAST.
        let mut size_bits = if at == 0 {
            family.bits()
        } else {
            at.trailing_zeros().min(family.bits())
        };
        while size_bits > 0 {
            let span = if size_bits >= 128 {
                u128::MAX
            } else {
                (1u128 << size_bits) - 1
            };
            if at.checked_add(span).is_some_and(|end| end <= last) {
                break;
            }
            size_bits -= 1;
        }
        let span = if size_bits >= 128 {
            u128::MAX
        } else {
            (1u128 << size_bits) - 1
        };
        out.push(format!(
            "{}/{}",
            family.address(at),
            family.bits() - size_bits
        ));
        let end = at + span;
        if end >= last {
            break;
        }
        at = end + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cut_the_space_and_pieces_write_back_as_cidrs() {
        let p = pieces(&["10.0.0.0/8".into(), "10.1.0.0/16".into()]);
        let v4: Vec<Vec<String>> = p
            .iter()
            .filter(|(f, _, _)| *f == Family::V4)
            .map(|&(f, a, b)| cidrs(f, a, b))
            .collect();
        assert_eq!(v4[1], ["10.0.0.0/16"]);
        assert_eq!(v4[2], ["10.1.0.0/16"]);
        assert_eq!(v4[3].first().map(String::as_str), Some("10.2.0.0/15"));
        assert_eq!(v4[0].first().map(String::as_str), Some("0.0.0.0/5"));
        assert_eq!(cidrs(Family::V4, 0, u128::from(u32::MAX)), ["0.0.0.0/0"]);
        assert_eq!(cidrs(Family::V6, 0, u128::MAX), ["::/0"]);
    }
}
