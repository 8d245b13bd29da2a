//! Piping data through `sort` with a subprocess, then killing one (asyncio's
//! `create_subprocess_exec`, `communicate`, `kill`, `wait`, `returncode`).
//!
//! ```python
//! async def main():
//!     proc = await asyncio.create_subprocess_exec(
//!         'sort', stdin=PIPE, stdout=PIPE, stderr=PIPE)
//!     print(f'[sort started, returncode {proc.returncode}]')
//!     stdout, stderr = await proc.communicate(b'banana\ncherry\napple\n')
//!     print(f'[sort exited with {proc.returncode}]')
//!     print(stdout.decode(), end='')
//!
//!     proc = await asyncio.create_subprocess_exec('sleep', '30')
//!     proc.kill()
//!     print(f'[sleep killed: {await proc.wait()}]')
//!
//! asyncio.run(main())
//! ```
//!
//! Run: `cargo run --example subprocess_sort`

use evloop::process::create_subprocess_exec;

/// Python prints `None` for a missing return code.
fn show(code: Option<i32>) -> String {
    code.map_or("None".to_string(), |c| c.to_string())
}

async fn main_() -> Result<(), Box<dyn std::error::Error>> {
    let mut proc = create_subprocess_exec("sort", Vec::<&str>::new())?;
    println!("[sort started, returncode {}]", show(proc.returncode()));
    let (stdout, _stderr) = proc.communicate(Some(b"banana\ncherry\napple\n")).await?;
    println!("[sort exited with {}]", show(proc.returncode()));
    print!("{}", String::from_utf8_lossy(&stdout));

    let proc = create_subprocess_exec("sleep", ["30"])?;
    proc.kill()?;
    println!("[sleep killed: {}]", proc.wait().await);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    evloop::run(main_())?
}
