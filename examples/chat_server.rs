//! A line-based chat server with the streams API: each client gives a name, then every line
//! it sends goes to everybody else. Three scripted clients talk on the same loop.
//!
//! Try it by hand: `cargo run --example chat_server -- --serve 8888`, then
//! `nc 127.0.0.1 8888` in a few terminals.
//!
//! The shape in asyncio:
//!
//! ```python
//! clients = {}
//!
//! async def handle(reader, writer):
//!     writer.write(b'name?\n')
//!     name = (await reader.readline()).decode().strip()
//!     broadcast(f'* {name} joined\n', skip=None)
//!     writer.write(f'welcome {name}\n'.encode())
//!     clients[name] = writer
//!     while line := await reader.readline():
//!         broadcast(f'{name}: {line.decode()}', skip=name)
//!     del clients[name]
//!     broadcast(f'* {name} left\n', skip=None)
//! ```

use std::cell::RefCell;
use std::rc::Rc;

use evloop::streams::{StreamReader, StreamWriter, open_connection, start_server};

/// Everybody connected, by name.
type Clients = Rc<RefCell<Vec<(String, Rc<StreamWriter>)>>>;

/// Sends `text` to every client but `skip`.
fn broadcast(clients: &Clients, text: &str, skip: Option<&str>) {
    for (name, writer) in clients.borrow().iter() {
        if Some(name.as_str()) != skip {
            writer.write(text.as_bytes());
        }
    }
}

async fn handle(clients: Clients, mut reader: StreamReader, writer: StreamWriter) {
    writer.write(b"name?\n");
    let Ok(name) = reader.readline().await else {
        return;
    };
    let name = String::from_utf8_lossy(&name).trim().to_string();
    println!("server: {name} joined");
    broadcast(&clients, &format!("* {name} joined\n"), None);
    writer.write(format!("welcome {name}\n").as_bytes());
    clients.borrow_mut().push((name.clone(), Rc::new(writer)));
    while let Ok(line) = reader.readline().await {
        if line.is_empty() {
            break; // the client left
        }
        let text = format!("{name}: {}", String::from_utf8_lossy(&line));
        broadcast(&clients, &text, Some(&name));
    }
    clients.borrow_mut().retain(|(n, _)| *n != name);
    println!("server: {name} left");
    broadcast(&clients, &format!("* {name} left\n"), None);
}

/// A scripted client: its reader, writer and name.
struct Client {
    name: &'static str,
    reader: StreamReader,
    writer: StreamWriter,
}

impl Client {
    async fn join(port: u16, name: &'static str) -> std::io::Result<Client> {
        let (mut reader, writer) = open_connection("127.0.0.1", port).await?;
        reader.readline().await.map_err(std::io::Error::other)?; // "name?"
        writer.write(format!("{name}\n").as_bytes());
        // The welcome says the server has us on its list: from now on we hear everything.
        reader.readline().await.map_err(std::io::Error::other)?;
        Ok(Client {
            name,
            reader,
            writer,
        })
    }

    fn say(&self, text: &str) {
        println!("client: {} says {text:?}", self.name);
        self.writer.write(format!("{text}\n").as_bytes());
    }

    async fn hear(&mut self) -> std::io::Result<()> {
        let line = self
            .reader
            .readline()
            .await
            .map_err(std::io::Error::other)?;
        let line = String::from_utf8_lossy(&line);
        println!("client: {} hears {:?}", self.name, line.trim_end());
        Ok(())
    }
}

async fn main_(serve_port: Option<u16>) -> std::io::Result<()> {
    let clients: Clients = Rc::default();
    let server = start_server(
        move |r, w| handle(clients.clone(), r, w),
        "127.0.0.1",
        serve_port.unwrap_or(0),
    )?;
    if serve_port.is_some() {
        server.serve_forever().await;
        return Ok(());
    }
    let port = server.local_addr()?.port();

    let mut alice = Client::join(port, "alice").await?;
    let mut bob = Client::join(port, "bob").await?;
    alice.hear().await?; // * bob joined
    let carol = Client::join(port, "carol").await?;
    alice.hear().await?; // * carol joined
    bob.hear().await?;

    alice.say("hi all");
    bob.hear().await?;
    let mut carol = carol;
    carol.hear().await?;
    bob.say("hey alice");
    alice.hear().await?;
    carol.hear().await?;

    carol.writer.close(); // carol leaves
    carol.writer.wait_closed().await?;
    alice.hear().await?;
    bob.hear().await?;

    server.close();
    server.wait_closed().await;
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let serve_port = match args.iter().position(|a| a == "--serve") {
        Some(i) => Some(args.get(i + 1).map_or(Ok(8888), |p| p.parse())?),
        None => None,
    };
    evloop::run(main_(serve_port))??;
    Ok(())
}
