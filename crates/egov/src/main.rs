//! `egov`: one binary, several roles. Everything lives in the `egov` library and the crates it uses.
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    egov::cli::main()
}
