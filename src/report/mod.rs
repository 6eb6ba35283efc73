//! Reports: text, JSON, JSONL and SARIF. Only this module writes to stdout (or to `--output`,
//! atomically: a temp file in the same folder, renamed into place when complete).

pub mod json;
pub mod sarif;
pub mod text;

use std::io::Write;
use std::path::Path;

use crate::config::Format;
use crate::finding::Finding;
use crate::rules::Rule;
use crate::scan::Summary;

/// What a report is made of.
pub struct Report<'a> {
    /// Sorted findings.
    pub findings: &'a [Finding],
    /// Every rule that ran (SARIF lists them all).
    pub rules: &'a [Rule],
    /// Counters.
    pub summary: &'a Summary,
    /// Print secrets in full.
    pub show_secrets: bool,
    /// Colour text output.
    pub color: bool,
}

/// Renders the report in `format`.
pub fn render(format: Format, r: &Report<'_>) -> anyhow::Result<Vec<u8>> {
    Ok(match format {
        Format::Text => text::render(r).into_bytes(),
        Format::Json => json::render(r)?,
        Format::Jsonl => json::render_lines(r)?,
        Format::Sarif => sarif::render(r)?,
    })
}

/// Writes `bytes` to `path` atomically (temp file + rename; through a symlink, to its target), to a
/// device or FIFO directly, or to stdout when `path` is `None`.
pub fn write(bytes: &[u8], path: Option<&Path>) -> anyhow::Result<()> {
    match path {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)?;
            out.flush()?;
        }
        Some(p) => {
            // Through a symlink, replace the file it points to, not the link.
            let real = std::fs::canonicalize(p).ok();
            if let Some(meta) = real.as_ref().and_then(|r| std::fs::metadata(r).ok()) {
                if !meta.is_file() {
                    // A device, FIFO or socket (`--output /dev/null`, `/dev/stdout`): renaming a
                    // temp file over it would replace the device node, so write to it directly.
                    let mut f = std::fs::OpenOptions::new()
                        .write(true)
                        .open(p)
                        .map_err(|e| anyhow::anyhow!("{}: cannot open output: {e}", p.display()))?;
                    f.write_all(bytes).map_err(|e| anyhow::anyhow!("{}: cannot write output: {e}", p.display()))?;
                    return Ok(());
                }
            }
            let target = real.as_deref().unwrap_or(p);
            let dir = match target.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            let mut tmp = tempfile::NamedTempFile::new_in(dir)
                .map_err(|e| anyhow::anyhow!("{}: cannot create output: {e}", p.display()))?;
            tmp.write_all(bytes).map_err(|e| anyhow::anyhow!("{}: cannot write output: {e}", p.display()))?;
            tmp.as_file().sync_all().ok();
            tmp.persist(target).map_err(|e| anyhow::anyhow!("{}: cannot write output: {}", p.display(), e.error))?;
        }
    }
    Ok(())
}

/// The secret as shown: in full with `--show-secrets`, otherwise the redacted preview.
pub fn shown(f: &Finding, show: bool) -> &str {
    if show {
        &f.secret
    } else {
        &f.preview
    }
}
