//! The `meshward` binary: everything lives in the library; this maps it to an exit code.

fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(meshward::cli::run(std::env::args_os()))
}
