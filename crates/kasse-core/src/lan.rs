//! The machine's address on the shop's network, for demo mode's `--lan`: the simulator then
//! listens on every interface and its checkout URLs carry this address, so a phone on the same
//! network can open the QR. Found without sending anything: a UDP socket "connected" to a
//! private address only asks the kernel which source address it would route from
//! ([`probe`]); [`pick`] chooses among the answers (a pure function).

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

/// Private addresses (one per RFC 1918 range) whose route gives the source address. Nothing
/// is sent to them: `connect` on a UDP socket only picks the route.
const ROUTE_PROBES: [Ipv4Addr; 3] = [
    Ipv4Addr::new(192, 168, 254, 254),
    Ipv4Addr::new(10, 254, 254, 254),
    Ipv4Addr::new(172, 16, 254, 254),
];

/// The source addresses this machine would use towards the private ranges (none without a
/// network).
pub fn probe() -> Vec<IpAddr> {
    ROUTE_PROBES
        .iter()
        .filter_map(|ip| {
            let socket = UdpSocket::bind(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))).ok()?;
            socket.connect(SocketAddr::from((*ip, 9))).ok()?;
            socket.local_addr().ok().map(|a| a.ip())
        })
        .collect()
}

/// The address a phone on the same network can reach: the first private IPv4 address among
/// `candidates`, else the first other IPv4 address that is not loopback, link-local,
/// unspecified or broadcast; `None` when there is none.
pub fn pick(candidates: &[IpAddr]) -> Option<IpAddr> {
    let v4 = || {
        candidates.iter().filter_map(|ip| match ip {
            IpAddr::V4(v4) => Some(*v4),
            IpAddr::V6(_) => None,
        })
    };
    let usable = |ip: &Ipv4Addr| {
        !(ip.is_loopback()
            || ip.is_link_local()
            || ip.is_unspecified()
            || ip.is_broadcast()
            || ip.is_multicast())
    };
    v4().find(|ip| ip.is_private())
        .or_else(|| v4().find(usable))
        .map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_lan_address_is_a_private_one_never_loopback() {
        assert_eq!(pick(&[]), None);
        assert_eq!(pick(&[ip("127.0.0.1")]), None);
        assert_eq!(pick(&[ip("0.0.0.0"), ip("169.254.3.4"), ip("::1")]), None);
        assert_eq!(
            pick(&[ip("127.0.0.1"), ip("192.168.1.23")]),
            Some(ip("192.168.1.23"))
        );
        // A private address wins over a public one; the first private one is taken.
        assert_eq!(
            pick(&[ip("84.210.1.2"), ip("10.0.0.7"), ip("172.16.5.5")]),
            Some(ip("10.0.0.7"))
        );
        // Without a private one, another reachable address does.
        assert_eq!(pick(&[ip("84.210.1.2")]), Some(ip("84.210.1.2")));
    }
}
