//! The `aivenguard` binary: parses the command line and hands over to the library.

fn main() -> std::process::ExitCode {
    aivenguard::app::main()
}
