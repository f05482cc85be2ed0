//! The `meshward` binary: everything lives in the library; this maps it to an exit code.

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    meshward::cli::run(std::env::args_os()).into()
}
