//! Connecting to a host with several addresses: one after the other, or "happy eyeballs"
//! (RFC 8305) as asyncio 3.8+ does with `happy_eyeballs_delay` and `interleave`.
//!
//! Without a delay, each address is tried once the one before it failed, in the resolver's
//! order. With a delay, the next attempt also starts when the one before it has not
//! connected within the delay; attempts then race and the first to connect wins (the others
//! are dropped, which closes their sockets). `interleave` reorders the addresses first so
//! that families alternate: that many of the first family, then one of each in turn, so a
//! broken IPv6 route costs one delay, not one per IPv6 address.

use std::future::{Future, poll_fn};
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use super::TcpStream;
use crate::coordination::time::Sleep;

/// Reorders `addrs` so families alternate, the first family leading with
/// `first_family_count` addresses (asyncio's `_interleave_addrinfos`); 0 keeps the order.
pub(crate) fn interleave(addrs: Vec<SocketAddr>, first_family_count: usize) -> Vec<SocketAddr> {
    if first_family_count == 0 {
        return addrs;
    }
    let first_is_v4 = addrs.first().is_some_and(SocketAddr::is_ipv4);
    let (first, other): (Vec<_>, Vec<_>) =
        addrs.into_iter().partition(|a| a.is_ipv4() == first_is_v4);
    let lead = (first_family_count - 1).min(first.len());
    let mut out = first[..lead].to_vec();
    let (mut a, mut b) = (first[lead..].iter(), other.iter());
    loop {
        match (a.next(), b.next()) {
            (None, None) => return out,
            (x, y) => out.extend(x.into_iter().chain(y)),
        }
    }
}

/// Runs `attempt` on the addresses in order, starting the next when one fails or, with a
/// `delay`, when the one before has not succeeded by then; the first success wins.
pub(crate) async fn staggered<T, F, Fut>(
    addrs: &[SocketAddr],
    delay: Option<Duration>,
    attempt: F,
) -> io::Result<T>
where
    F: Fn(SocketAddr) -> Fut,
    Fut: Future<Output = io::Result<T>>,
{
    let mut running: Vec<Pin<Box<Fut>>> = Vec::new();
    let mut next = 0;
    let mut timer: Option<Pin<Box<Sleep>>> = None;
    let mut errors: Vec<io::Error> = Vec::new();
    poll_fn(|cx| {
        loop {
            // An attempt starts when none runs, or when the last one has had its delay.
            let due = timer
                .as_mut()
                .is_some_and(|t| t.as_mut().poll(cx).is_ready());
            if due {
                timer = None;
            }
            let mut start = running.is_empty() || due;
            let mut i = 0;
            while i < running.len() {
                match running[i].as_mut().poll(cx) {
                    Poll::Ready(Ok(won)) => return Poll::Ready(Ok(won)),
                    Poll::Ready(Err(e)) => {
                        errors.push(e);
                        drop(running.swap_remove(i));
                        // A failure starts the next one at once (asyncio's staggered race).
                        start = true;
                    }
                    Poll::Pending => i += 1,
                }
            }
            if start && next < addrs.len() {
                running.push(Box::pin(attempt(addrs[next])));
                next += 1;
                timer = delay.map(|d| Box::pin(crate::sleep(d)));
                continue; // poll the new attempt, and the others again
            }
            if running.is_empty() {
                return Poll::Ready(Err(combined(std::mem::take(&mut errors))));
            }
            return Poll::Pending;
        }
    })
    .await
}

/// The attempts' errors as one, as asyncio's `create_connection` raises them: the only
/// one, or the first if all say the same, else "Multiple exceptions: ...".
fn combined(mut errors: Vec<io::Error>) -> io::Error {
    if errors.is_empty() {
        return io::Error::new(io::ErrorKind::InvalidInput, "no address to connect to");
    }
    let first = errors[0].to_string();
    if errors.iter().all(|e| e.to_string() == first) {
        return errors.swap_remove(0);
    }
    let all: Vec<String> = errors.iter().map(ToString::to_string).collect();
    io::Error::new(
        errors[0].kind(),
        format!("Multiple exceptions: {}", all.join(", ")),
    )
}

/// Connects to `host` and `port`: resolved off the loop's thread, interleaved, then tried
/// one by one or raced with `delay` (see the module docs).
pub(crate) async fn connect_host(
    host: &str,
    port: u16,
    delay: Option<Duration>,
    interleave_count: Option<usize>,
) -> io::Result<TcpStream> {
    let addrs = crate::io::resolve::resolve(host, port).await?;
    // asyncio: interleave defaults to 1 when a delay is given, else 0.
    let count = interleave_count.unwrap_or(usize::from(delay.is_some()));
    let addrs = interleave(addrs, count);
    staggered(&addrs, delay, TcpStream::connect_one).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(n: u8) -> SocketAddr {
        SocketAddr::from(([10, 0, 0, n], 80))
    }
    fn v6(n: u16) -> SocketAddr {
        SocketAddr::from(([0xfd00, 0, 0, 0, 0, 0, 0, n], 80))
    }

    /// asyncio's `_interleave_addrinfos` on [6a, 6b, 4a, 4b, 6c] (CPython 3.11):
    /// 1 → 6a 4a 6b 4b 6c; 2 → 6a 6b 4a 6c 4b; 3 → 6a 6b 6c 4a 4b.
    #[test]
    fn interleave_matches_asyncio() {
        let addrs = vec![v6(1), v6(2), v4(1), v4(2), v6(3)];
        assert_eq!(interleave(addrs.clone(), 0), addrs);
        assert_eq!(
            interleave(addrs.clone(), 1),
            [v6(1), v4(1), v6(2), v4(2), v6(3)]
        );
        assert_eq!(
            interleave(addrs.clone(), 2),
            [v6(1), v6(2), v4(1), v6(3), v4(2)]
        );
        assert_eq!(interleave(addrs, 3), [v6(1), v6(2), v6(3), v4(1), v4(2)]);
        assert_eq!(interleave(Vec::new(), 1), []);
    }

    /// A stand-in for connecting: address .1 never answers, .2 connects after 10 ms, .3
    /// fails at once.
    async fn fake(addr: SocketAddr) -> io::Result<u8> {
        let SocketAddr::V4(a) = addr else {
            unreachable!()
        };
        match a.ip().octets()[3] {
            1 => std::future::pending().await,
            2 => {
                crate::sleep(Duration::from_millis(10)).await;
                Ok(2)
            }
            n => Err(io::Error::other(format!("refused {n}"))),
        }
    }

    #[test]
    fn a_delay_races_past_an_address_that_never_answers() {
        crate::run(async {
            let delay = Some(Duration::from_millis(50));
            let won = staggered(&[v4(1), v4(2)], delay, fake).await.unwrap();
            assert_eq!(won, 2);
            // One after the other, the first attempt is waited on for good.
            let addrs = [v4(1), v4(2)];
            let sequential = staggered(&addrs, None, fake);
            let late = crate::wait_for(sequential, Duration::from_millis(300)).await;
            assert!(
                late.is_err(),
                "without a delay the second address never starts"
            );
        })
        .unwrap();
    }

    #[test]
    fn a_failure_starts_the_next_attempt_at_once() {
        crate::run(async {
            let start = std::time::Instant::now();
            let delay = Some(Duration::from_secs(60));
            let won = staggered(&[v4(3), v4(2)], delay, fake).await.unwrap();
            assert_eq!(won, 2);
            assert!(start.elapsed() < Duration::from_secs(30), "no delay waited");
        })
        .unwrap();
    }

    /// asyncio: one error as it is; all alike, the first; else "Multiple exceptions: ...".
    #[test]
    fn errors_combine_as_asyncio_raises_them() {
        crate::run(async {
            let one = staggered(&[v4(3)], None, fake).await.err().unwrap();
            assert_eq!(one.to_string(), "refused 3");
            let alike = staggered(&[v4(3), v4(3)], None, fake).await.err().unwrap();
            assert_eq!(alike.to_string(), "refused 3");
            let two = staggered(&[v4(3), v4(4)], None, fake).await.err().unwrap();
            assert_eq!(two.to_string(), "Multiple exceptions: refused 3, refused 4");
            let none = staggered(&[], None, fake).await.err().unwrap();
            assert_eq!(none.kind(), io::ErrorKind::InvalidInput);
        })
        .unwrap();
    }
}
