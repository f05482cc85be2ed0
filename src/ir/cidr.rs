//! Address ranges, as the language writes them and NetworkPolicy matches them.

/// An IPv4 or IPv6 range whose host bits are zero: `10.20.0.0/16`, `2001:db8::/48`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    pub address: std::net::IpAddr,
    pub prefix: u8,
}

impl Cidr {
    /// The range's width in bits: 32 for IPv4, 128 for IPv6.
    pub fn bits(&self) -> u8 {
        if self.address.is_ipv4() {
            32
        } else {
            128
        }
    }

    pub fn is_ipv4(&self) -> bool {
        self.address.is_ipv4()
    }

    fn value(ip: std::net::IpAddr) -> u128 {
        match ip {
            std::net::IpAddr::V4(a) => u128::from(u32::from(a)),
            std::net::IpAddr::V6(a) => u128::from(a),
        }
    }

    /// Whether IP lies in the range; an address of the other family never does.
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        if ip.is_ipv4() != self.is_ipv4() {
            return false;
        }
        let shift = u32::from(self.bits() - self.prefix);
        shift >= 128 || Self::value(self.address) >> shift == Self::value(ip) >> shift
    }

    /// Whether the two ranges share an address (one then holds the other).
    pub fn overlaps(&self, other: &Cidr) -> bool {
        self.contains(other.address) || other.contains(self.address)
    }

    /// Whether OTHER is inside this range and narrower: what Kubernetes requires of an
    /// ipBlock's `except`.
    pub fn strictly_contains(&self, other: &Cidr) -> bool {
        self.contains(other.address) && other.prefix > self.prefix
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}
