//! hyper 1.x on evloop through `evloop::compat::hyper` (feature `hyper`): a server and a
//! client, HTTP/1 and HTTP/2, both on one loop, as hyper-util's tokio adapters do on tokio.

use std::cell::Cell;
use std::convert::Infallible;
use std::rc::Rc;

use bytes::Bytes;
use evloop::compat::hyper::{HyperExecutor, HyperIo, HyperTimer};
use evloop::net::{TcpListener, TcpStream};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Incoming;
use hyper::{Request, Response};

/// Answers `hello <path> #n`, counting requests in `Rc` state (no `Send` needed).
fn hello(
    count: Rc<Cell<u32>>,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
> + Clone {
    hyper::service::service_fn(move |req: Request<Incoming>| {
        let count = count.clone();
        async move {
            count.set(count.get() + 1);
            let body = format!("hello {} #{}", req.uri().path(), count.get());
            Ok::<_, Infallible>(Response::new(Full::new(Bytes::from(body))))
        }
    })
}

async fn body_text(response: Response<Incoming>) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn get(path: &str) -> Request<Empty<Bytes>> {
    Request::get(format!("http://localhost{path}"))
        .body(Empty::new())
        .unwrap()
}

#[test]
fn http1_server_and_client_on_one_loop() {
    let bodies = evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let count = Rc::new(Cell::new(0));
        evloop::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            hyper::server::conn::http1::Builder::new()
                .timer(HyperTimer)
                .serve_connection(HyperIo::new(stream), hello(count))
                .await
                .unwrap();
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (mut sender, conn) = hyper::client::conn::http1::handshake(HyperIo::new(stream))
            .await
            .unwrap();
        hyper::rt::Executor::execute(&HyperExecutor, async move { conn.await.unwrap() });
        let mut bodies = Vec::new();
        for path in ["/a", "/b"] {
            let response = sender.send_request(get(path)).await.unwrap();
            bodies.push(body_text(response).await);
        }
        bodies
    })
    .unwrap();
    assert_eq!(bodies, ["hello /a #1", "hello /b #2"]);
}

#[test]
fn http2_server_and_client_multiplex_on_one_loop() {
    let mut bodies = evloop::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let count = Rc::new(Cell::new(0));
        evloop::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            hyper::server::conn::http2::Builder::new(HyperExecutor)
                .timer(HyperTimer)
                .serve_connection(HyperIo::new(stream), hello(count))
                .await
                .unwrap();
        });
        let stream = TcpStream::connect(addr).await.unwrap();
        let (sender, conn) = hyper::client::conn::http2::Builder::new(HyperExecutor)
            .timer(HyperTimer)
            .handshake(HyperIo::new(stream))
            .await
            .unwrap();
        hyper::rt::Executor::execute(&HyperExecutor, async move { conn.await.unwrap() });
        // Three requests in flight at once on the one connection.
        let requests = ["/x", "/y", "/z"].map(|path| {
            let mut sender = sender.clone();
            evloop::spawn(
                async move { body_text(sender.send_request(get(path)).await.unwrap()).await },
            )
        });
        let mut bodies = Vec::new();
        for r in requests {
            bodies.push(r.await.unwrap());
        }
        bodies
    })
    .unwrap();
    bodies.sort();
    let paths: Vec<&str> = bodies.iter().map(|b| &b[6..8]).collect();
    assert_eq!(paths, ["/x", "/y", "/z"]);
    assert!(bodies.iter().all(|b| b.contains('#')), "{bodies:?}");
}
