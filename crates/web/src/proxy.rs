//! Who the client is: the socket's peer address, or, only when that peer is
//! a configured reverse proxy, the address the proxies say they received
//! the request from. **Security-sensitive**: the client address is what
//! sign-in throttling and anonymous objections are counted against, and
//! what the audit log records.
//!
//! `X-Forwarded-For` is a list every hop appends to, so anything left of
//! the last trusted proxy's entry may be forged by the client. The client is
//! therefore the right-most address that is not a trusted proxy. With no
//! proxies configured (the default) the header is ignored.

use std::net::IpAddr;

/// The reverse proxies whose `X-Forwarded-For` is believed: addresses or
/// CIDR networks (`10.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies {
    networks: Vec<(IpAddr, u8)>,
}

/// An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn in_network(ip: IpAddr, (net, bits): (IpAddr, u8)) -> bool {
    match (canonical(ip), net) {
        (IpAddr::V4(a), IpAddr::V4(n)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - u32::from(bits)) };
            u32::from(a) & mask == u32::from(n) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(n)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - u32::from(bits)) };
            u128::from(a) & mask == u128::from(n) & mask
        }
        _ => false,
    }
}

/// An address as written in a header: `1.2.3.4`, `1.2.3.4:5678`, `::1` or
/// `[::1]:5678`.
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    if let Ok(ip) = text.parse::<IpAddr>() {
        return Some(canonical(ip));
    }
    if let Ok(sock) = text.parse::<std::net::SocketAddr>() {
        return Some(canonical(sock.ip()));
    }
    None
}

impl TrustedProxies {
    /// Parses a list separated by commas or spaces; an entry that is not an
    /// address or network is an error naming it.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut networks = Vec::new();
        for entry in list.split([',', ' ', '\n', '\t']).map(str::trim).filter(|e| !e.is_empty()) {
            let (addr, bits) = match entry.split_once('/') {
                Some((a, b)) => (a, Some(b)),
                None => (entry, None),
            };
            let ip =
                canonical(addr.parse::<IpAddr>().map_err(|_| format!("不是IP地址或网段 / not an address: {entry}"))?);
            let max = if ip.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                None => max,
                Some(b) => b
                    .parse::<u8>()
                    .ok()
                    .filter(|b| *b <= max)
                    .ok_or_else(|| format!("网段长度不正确 / bad prefix: {entry}"))?,
            };
            networks.push((ip, bits));
        }
        Ok(TrustedProxies { networks })
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.networks.is_empty()
    }

    /// Whether `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.networks.iter().any(|n| in_network(ip, *n))
    }

    /// The client's address given the socket's peer and the
    /// `X-Forwarded-For` values (in header order): the peer unless it is a
    /// trusted proxy; then the right-most forwarded address that is not one.
    /// A forwarded entry that is not an address stops the walk at the last
    /// trusted hop. Without a peer (in-process tests), `unknown`.
    pub fn client(&self, peer: Option<IpAddr>, forwarded: &[&str]) -> String {
        let Some(peer) = peer.map(canonical) else { return "unknown".to_string() };
        if !self.contains(peer) {
            return peer.to_string();
        }
        let mut client = peer;
        for hop in forwarded.iter().rev().flat_map(|v| v.rsplit(',')) {
            let Some(ip) = parse_hop(hop) else { break };
            client = ip;
            if !self.contains(ip) {
                break;
            }
        }
        client.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn without_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(none.client(ip("203.0.113.9"), &["1.2.3.4"]), "203.0.113.9");
        assert_eq!(none.client(None, &["1.2.3.4"]), "unknown");
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.1 ::1").unwrap();
        // The client forged the first entry; the proxy appended the real one.
        assert_eq!(proxies.client(ip("10.0.0.2"), &["6.6.6.6, 198.51.100.7"]), "198.51.100.7");
        // Two proxies in a row, the header split over two lines.
        assert_eq!(proxies.client(ip("10.0.0.2"), &["6.6.6.6", "198.51.100.7, 192.168.1.1"]), "198.51.100.7");
        // Only proxies: the left-most.
        assert_eq!(proxies.client(ip("::1"), &["10.1.1.1"]), "10.1.1.1");
        // No header from a proxy: the proxy itself.
        assert_eq!(proxies.client(ip("10.0.0.2"), &[]), "10.0.0.2");
        // Garbage stops the walk at the last trusted hop.
        assert_eq!(proxies.client(ip("10.0.0.2"), &["1.2.3.4, <script>"]), "10.0.0.2");
        // A peer outside the list is the client, whatever it sends.
        assert_eq!(proxies.client(ip("203.0.113.9"), &["10.0.0.2"]), "203.0.113.9");
        assert_eq!(proxies.client(ip("::ffff:10.0.0.2"), &["198.51.100.7:4711"]), "198.51.100.7");
    }

    #[test]
    fn lists_are_checked() {
        assert!(TrustedProxies::parse("").unwrap().is_empty());
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.local").is_err());
        let p = TrustedProxies::parse("fd00::/8,0.0.0.0/0").unwrap();
        assert!(p.contains("fd12::1".parse().unwrap()));
        assert!(p.contains("8.8.8.8".parse().unwrap()));
        assert!(!p.contains("2001:db8::1".parse().unwrap()));
    }
}
