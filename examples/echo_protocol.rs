//! The echo server and client of asyncio's docs ("TCP Echo Server" / "TCP Echo Client"
//! using protocols), in one program: the loop calls the protocols, nothing awaits a socket.
//!
//! ```python
//! class EchoServerProtocol(asyncio.Protocol):
//!     def connection_made(self, transport):
//!         print('Connection from {}'.format(transport.get_extra_info('peername')))
//!         self.transport = transport
//!
//!     def data_received(self, data):
//!         message = data.decode()
//!         print('Data received: {!r}'.format(message))
//!         print('Send: {!r}'.format(message))
//!         self.transport.write(data)
//!         print('Close the client socket')
//!         self.transport.close()
//!
//! class EchoClientProtocol(asyncio.Protocol):
//!     def __init__(self, message, on_con_lost):
//!         self.message = message
//!         self.on_con_lost = on_con_lost
//!
//!     def connection_made(self, transport):
//!         transport.write(self.message.encode())
//!         print('Data sent: {!r}'.format(self.message))
//!
//!     def data_received(self, data):
//!         print('Data received: {!r}'.format(data.decode()))
//!
//!     def connection_lost(self, exc):
//!         print('The server closed the connection')
//!         self.on_con_lost.set_result(True)
//! ```
//!
//! Server and client run on one loop, so their lines interleave; each line says whose it is.
//!
//! Run: `cargo run --example echo_protocol`

use evloop::transport::{Protocol, Transport, create_connection, create_server};

struct EchoServerProtocol {
    transport: Option<Transport>,
}

impl Protocol for EchoServerProtocol {
    fn connection_made(&mut self, transport: &Transport) {
        // The peer's port changes from run to run; print only its host.
        let peer = transport.peer_addr().map(|a| a.ip());
        println!("server: Connection from {peer:?}");
        self.transport = Some(transport.clone());
    }

    fn data_received(&mut self, data: &[u8]) {
        let message = String::from_utf8_lossy(data);
        println!("server: Data received: {message:?}");
        println!("server: Send: {message:?}");
        let transport = self.transport.as_ref().expect("connection_made came first");
        transport.write(data);
        println!("server: Close the client socket");
        transport.close();
    }
}

struct EchoClientProtocol {
    message: String,
    on_con_lost: evloop::Future<bool>,
}

impl Protocol for EchoClientProtocol {
    fn connection_made(&mut self, transport: &Transport) {
        transport.write(self.message.as_bytes());
        println!("client: Data sent: {:?}", self.message);
    }

    fn data_received(&mut self, data: &[u8]) {
        println!("client: Data received: {:?}", String::from_utf8_lossy(data));
    }

    fn connection_lost(&mut self, _exc: Option<std::io::Error>) {
        println!("client: The server closed the connection");
        let _ = self.on_con_lost.set_result(true);
    }
}

async fn main_() -> Result<(), Box<dyn std::error::Error>> {
    let server = create_server(|| EchoServerProtocol { transport: None }, "127.0.0.1", 0)?;
    let port = server.local_addr()?.port();

    let on_con_lost = evloop::Future::new();
    let client = EchoClientProtocol {
        message: "Hello World!".to_string(),
        on_con_lost: on_con_lost.clone(),
    };
    let _transport = create_connection(move || client, "127.0.0.1", port).await?;
    // Wait until the protocol signals that the connection is lost.
    on_con_lost.await?;

    server.close();
    server.wait_closed().await;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    evloop::run(main_())?
}
