//! Nothing to use: this package holds evloop's tests that need the ecosystem's heavier
//! crates (rcgen for certificates made at test time, hyper's HTTP/2), so that the root's
//! `cargo test` does not compile them. Run them with `cargo test -p evloop-interop`.
