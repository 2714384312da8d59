//! Who the client is: the one address every per-address limit counts (SMS codes, the
//! captcha before them, handoff short codes, console sign-in).
//!
//! Directly on the internet the client is the TCP peer. Behind a reverse proxy the peer is the
//! proxy, and every applicant behind it would share one allowance, so with `TRUSTED_PROXIES`
//! set the client is read from `X-Forwarded-For`: each proxy appends the address it received
//! the request from, so reading from the right, the first address that is not one of our own
//! proxies is the client. Anything to the left of it was written by the client and is not
//! believed; from a peer that is not a trusted proxy the header is ignored altogether.
//!
//! [`resolve`] puts the answer on each request as [`ClientIp`], which handlers extract and
//! server functions read through `app::api::session::client_ip`.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;
use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::ExtensionRejection;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::{self, Next};
use axum::response::Response;
use ipnet::IpNet;

pub use app::api::session::ClientIp;

/// The proxies whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// Comma-separated addresses (`10.0.0.1`, `::1`) and CIDR blocks (`10.0.0.0/8`).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(|entry| {
                entry
                    .parse::<IpNet>()
                    .map(|net| net.trunc())
                    .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| {
                        format!(
                            "TRUSTED_PROXIES: `{entry}` is neither an IP address nor a CIDR block \
                             such as 10.0.0.0/8"
                        )
                    })
            })
            .collect::<Result<_, _>>()
            .map(Self)
    }
}

impl fmt::Display for TrustedProxies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&entries.join(","))
    }
}

/// The client of a request that arrived from `peer` carrying `headers`.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &TrustedProxies) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(client) {
        return client;
    }
    // Several header lines are one list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|value| value.to_str().unwrap_or("?"))
        .flat_map(|value| value.split(','))
        .collect();
    for hop in hops.into_iter().rev() {
        // Garbage where an address should be: the hop that sent it is as far as we can see.
        let Some(ip) = parse_hop(hop) else {
            return client;
        };
        client = ip;
        if !trusted.contains(ip) {
            return ip;
        }
    }
    // Every hop is one of our proxies: the request began at the left-most.
    client
}

/// One `X-Forwarded-For` entry: an address, some proxies add a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:5678`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|addr| addr.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// `router` with [`ClientIp`] on every request that has a peer address.
pub fn resolve(router: Router, trusted: TrustedProxies) -> Router {
    router.layer(middleware::from_fn_with_state(Arc::new(trusted), attach))
}

async fn attach(
    State(trusted): State<Arc<TrustedProxies>>,
    // Through the extractor, so tests' `MockConnectInfo` counts too.
    peer: Result<ConnectInfo<SocketAddr>, ExtensionRejection>,
    mut request: Request,
    next: Next,
) -> Response {
    if let Ok(ConnectInfo(peer)) = peer {
        let client = client_ip(peer.ip(), request.headers(), &trusted);
        request.extensions_mut().insert(ClientIp(client));
    }
    next.run(request).await
}

/// The address the per-IP cap counts by: an IPv4 address, or the /64 network of an IPv6 one
/// (one subscriber usually gets a whole /64).
pub fn ip_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        assert_eq!(ip_key("203.0.113.9".parse().unwrap()), "203.0.113.9");
        assert_eq!(ip_key("::ffff:203.0.113.9".parse().unwrap()), "203.0.113.9");
        assert_eq!(
            ip_key("2001:db8:1:2:aaaa::1".parse().unwrap()),
            ip_key("2001:db8:1:2:bbbb::2".parse().unwrap())
        );
        assert_eq!(
            ip_key("2001:db8:1:2::1".parse().unwrap()),
            "2001:db8:1:2::/64"
        );
    }

    use super::*;
    use axum::http::HeaderValue;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(lines: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for line in lines {
            headers.append("x-forwarded-for", HeaderValue::from_str(line).unwrap());
        }
        headers
    }

    fn proxies(text: &str) -> TrustedProxies {
        text.parse().unwrap()
    }

    #[test]
    fn settings_parse_addresses_and_blocks_and_refuse_anything_else() {
        let trusted = proxies(" 127.0.0.1, 10.0.0.0/8 ,, 2001:db8::/32,::1");
        assert!(trusted.contains(ip("127.0.0.1")));
        assert!(trusted.contains(ip("10.200.0.9")));
        assert!(trusted.contains(ip("2001:db8::7")));
        assert!(trusted.contains(ip("::1")));
        // A dual-stack listener sees IPv4 peers as mapped IPv6 addresses.
        assert!(trusted.contains(ip("::ffff:10.0.0.1")));
        assert!(!trusted.contains(ip("127.0.0.2")));
        assert!(!trusted.contains(ip("11.0.0.1")));
        assert_eq!(
            trusted.to_string(),
            "127.0.0.1/32,10.0.0.0/8,2001:db8::/32,::1/128"
        );
        // Host bits in a block are dropped rather than refused.
        assert!(proxies("192.168.1.7/24").contains(ip("192.168.1.200")));
        assert!(proxies("").is_empty());
        for bad in ["10.0.0.0/33", "localhost", "10.0.0.1;10.0.0.2", "*"] {
            assert!(bad.parse::<TrustedProxies>().is_err(), "{bad}");
        }
    }

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_it_forwards() {
        let headers = forwarded(&["198.51.100.1"]);
        assert_eq!(
            client_ip(ip("203.0.113.9"), &headers, &TrustedProxies::default()),
            ip("203.0.113.9")
        );
        // A peer outside the trusted list is not believed either.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &headers, &proxies("10.0.0.0/8")),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_right_most_untrusted_hop_is_the_client() {
        let trusted = proxies("10.0.0.0/8");
        // The client forged the first entry; the proxy appended the real peer.
        let headers = forwarded(&["1.1.1.1, 198.51.100.7"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers, &trusted),
            ip("198.51.100.7")
        );
        // Two proxies in a row, one header line each.
        let headers = forwarded(&["6.6.6.6, 198.51.100.7", "10.0.0.3"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers, &trusted),
            ip("198.51.100.7")
        );
        // With ports, IPv6, and IPv4 as mapped IPv6.
        let headers = forwarded(&["[2001:db8::5]:4711"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers, &trusted),
            ip("2001:db8::5")
        );
        let headers = forwarded(&["198.51.100.7:4711"]);
        assert_eq!(
            client_ip(ip("::ffff:10.0.0.2"), &headers, &trusted),
            ip("198.51.100.7")
        );
        let headers = forwarded(&["::ffff:198.51.100.7"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers, &trusted),
            ip("198.51.100.7")
        );
    }

    #[test]
    fn a_trusted_peer_without_a_usable_header_is_the_client_itself() {
        let trusted = proxies("10.0.0.0/8");
        assert_eq!(
            client_ip(ip("10.0.0.2"), &HeaderMap::new(), &trusted),
            ip("10.0.0.2")
        );
        // Only proxies in the chain: the left-most started it (a health check, say).
        let headers = forwarded(&["10.0.0.9, 10.0.0.5"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers, &trusted),
            ip("10.0.0.9")
        );
        // Garbage stops the walk at the last hop that could be read.
        let headers = forwarded(&["198.51.100.7, unknown, 10.0.0.5"]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers, &trusted),
            ip("10.0.0.5")
        );
        let headers = forwarded(&["198.51.100.7, "]);
        assert_eq!(
            client_ip(ip("10.0.0.2"), &headers, &trusted),
            ip("10.0.0.2")
        );
    }
}
