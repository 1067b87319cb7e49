//! Where a webhook may not be delivered: addresses of the portal's own
//! machine and network (server-side request forgery). Checked on the
//! address a name resolves to, when an endpoint is saved and again on the
//! address each delivery connects to.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of address an IP is, for the refusal's wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressKind {
    Public,
    Loopback,
    Private,
    LinkLocal,
    UniqueLocal,
    Multicast,
    Unspecified,
    /// Documentation, benchmarking, broadcast and other reserved ranges.
    Reserved,
}

impl AddressKind {
    pub fn of(ip: IpAddr) -> AddressKind {
        match ip {
            IpAddr::V4(v4) => of_v4(v4),
            IpAddr::V6(v6) => of_v6(v6),
        }
    }

    /// What the refusal calls it ("... resolves to 127.0.0.1, a loopback
    /// address"); None for a public address.
    pub fn refused_as(self) -> Option<&'static str> {
        Some(match self {
            AddressKind::Public => return None,
            AddressKind::Loopback => "a loopback address",
            AddressKind::Private => "a private address",
            AddressKind::LinkLocal => "a link-local address",
            AddressKind::UniqueLocal => "a unique-local address",
            AddressKind::Multicast => "a multicast address",
            AddressKind::Unspecified => "an unspecified address",
            AddressKind::Reserved => "a reserved address",
        })
    }
}

fn of_v4(ip: Ipv4Addr) -> AddressKind {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (0, _, _) => AddressKind::Unspecified,
        (127, _, _) => AddressKind::Loopback,
        (10, _, _) | (192, 168, _) => AddressKind::Private,
        (172, 16..=31, _) => AddressKind::Private,
        // Shared address space (carrier-grade NAT), a provider's private network.
        (100, 64..=127, _) => AddressKind::Private,
        (169, 254, _) => AddressKind::LinkLocal,
        (224..=239, _, _) => AddressKind::Multicast,
        (240..=255, _, _) => AddressKind::Reserved,
        (192, 0, 0) | (192, 0, 2) | (198, 51, 100) | (203, 0, 113) | (198, 18..=19, _) => AddressKind::Reserved,
        _ => AddressKind::Public,
    }
}

fn of_v6(ip: Ipv6Addr) -> AddressKind {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return of_v4(v4);
    }
    let s = ip.segments();
    match s {
        [0, 0, 0, 0, 0, 0, 0, 0] => AddressKind::Unspecified,
        [0, 0, 0, 0, 0, 0, 0, 1] => AddressKind::Loopback,
        // NAT64's well-known prefix reaches the IPv4 address inside it.
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => of_v4(Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))),
        _ if s[0] & 0xffc0 == 0xfe80 => AddressKind::LinkLocal,
        // Site-local, deprecated but still routed inside some networks.
        _ if s[0] & 0xffc0 == 0xfec0 => AddressKind::Private,
        _ if s[0] & 0xfe00 == 0xfc00 => AddressKind::UniqueLocal,
        _ if s[0] & 0xff00 == 0xff00 => AddressKind::Multicast,
        _ if s[0] == 0x2001 && s[1] == 0x0db8 => AddressKind::Reserved,
        _ => AddressKind::Public,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(text: &str) -> AddressKind {
        AddressKind::of(text.parse().unwrap())
    }

    #[test]
    fn each_class_of_address_is_told_apart() {
        for (ip, expected) in [
            ("127.0.0.1", AddressKind::Loopback),
            ("127.255.0.9", AddressKind::Loopback),
            ("::1", AddressKind::Loopback),
            ("10.1.2.3", AddressKind::Private),
            ("172.16.0.1", AddressKind::Private),
            ("172.31.255.255", AddressKind::Private),
            ("192.168.1.1", AddressKind::Private),
            ("100.64.0.1", AddressKind::Private),
            ("fec0::1", AddressKind::Private),
            ("169.254.169.254", AddressKind::LinkLocal),
            ("fe80::1", AddressKind::LinkLocal),
            ("fc00::1", AddressKind::UniqueLocal),
            ("fd12:3456::1", AddressKind::UniqueLocal),
            ("224.0.0.1", AddressKind::Multicast),
            ("ff02::1", AddressKind::Multicast),
            ("0.0.0.0", AddressKind::Unspecified),
            ("::", AddressKind::Unspecified),
            ("255.255.255.255", AddressKind::Reserved),
            ("192.0.2.10", AddressKind::Reserved),
            ("2001:db8::1", AddressKind::Reserved),
            // An IPv4 address written as IPv6 is what it is in IPv4.
            ("::ffff:127.0.0.1", AddressKind::Loopback),
            ("::ffff:10.0.0.1", AddressKind::Private),
            ("64:ff9b::a9fe:a9fe", AddressKind::LinkLocal),
            ("93.184.216.34", AddressKind::Public),
            ("172.32.0.1", AddressKind::Public),
            ("100.128.0.1", AddressKind::Public),
            ("2606:4700::1111", AddressKind::Public),
            ("::ffff:93.184.216.34", AddressKind::Public),
        ] {
            assert_eq!(kind(ip), expected, "{ip}");
        }
    }

    #[test]
    fn only_a_public_address_is_not_refused() {
        assert_eq!(kind("93.184.216.34").refused_as(), None);
        assert_eq!(kind("127.0.0.1").refused_as(), Some("a loopback address"));
        assert_eq!(kind("fd00::1").refused_as(), Some("a unique-local address"));
    }
}
