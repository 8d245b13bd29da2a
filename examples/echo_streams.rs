//! An echo server and client with the streams API (asyncio's `start_server` /
//! `open_connection`), in one program.
//!
//! ```python
//! async def handle_echo(reader, writer):
//!     data = await reader.readline()
//!     writer.write(data)
//!     await writer.drain()
//!     writer.close()
//!     await writer.wait_closed()
//!
//! server = await asyncio.start_server(handle_echo, '127.0.0.1', 8888)
//! ```
//!
//! Run: `cargo run --example echo_streams`

use evloop::streams::{StreamReader, StreamWriter, open_connection, start_server};

async fn handle_echo(mut reader: StreamReader, writer: StreamWriter) {
    while let Ok(line) = reader.readline().await {
        if line.is_empty() {
            break; // the client closed its side
        }
        println!(
            "server: echoing {:?}",
            String::from_utf8_lossy(&line).trim_end()
        );
        writer.write(&line);
        if writer.drain().await.is_err() {
            break;
        }
    }
    writer.close();
    let _ = writer.wait_closed().await;
}

async fn main_() -> std::io::Result<()> {
    let server = start_server(handle_echo, "127.0.0.1", 0)?;
    let port = server.local_addr()?.port();

    let (mut reader, writer) = open_connection("127.0.0.1", port).await?;
    for message in ["hello", "world", "bye"] {
        writer.write(format!("{message}\n").as_bytes());
        writer.drain().await?;
        let reply = reader.readline().await.map_err(std::io::Error::other)?;
        println!(
            "client: got {:?}",
            String::from_utf8_lossy(&reply).trim_end()
        );
    }
    writer.close();
    writer.wait_closed().await?;

    server.close();
    server.wait_closed().await;
    println!("server closed");
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    evloop::run(main_())??;
    Ok(())
}
