//! `egov`: one binary, several roles. Everything lives in the `egov` library and the crates it uses.
#![forbid(unsafe_code)]

/// mimalloc returns freed memory to the system promptly; glibc's allocator kept every Argon2
/// block it ever served (one per worker thread), which grew a sign-in storm to gigabytes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    egov::cli::main()
}
