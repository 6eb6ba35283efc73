//! Standard input as one blob (`aivenguard scan -`).

use std::io::Read;

use crate::scan::Scanner;

/// Reads all of stdin and scans it under `name`.
pub fn scan(scanner: &Scanner, name: &str, max: u64) {
    let mut buf = Vec::new();
    match std::io::stdin().lock().take(max.saturating_add(1)).read_to_end(&mut buf) {
        Ok(_) if buf.len() as u64 > max => {
            scanner.error(format!("{name}: standard input is larger than --max-file-size ({max} bytes); not scanned"))
        }
        Ok(_) => {
            scanner.blob(&buf, name, None);
        }
        Err(e) => scanner.error(format!("{name}: cannot read standard input: {e}")),
    }
}
