use std::process::ExitCode;

fn main() -> ExitCode {
    machi::cli::main()
}
