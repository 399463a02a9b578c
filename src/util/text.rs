//! Text for people: the end of a tool's output, sizes.

/// The last `n` lines of a tool's output, for error messages.
pub(crate) fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// `12.3 KiB`.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KiB", "MiB", "GiB"];
    let mut v = n as f64;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[unit]) }
}

/// The first `n` characters of `text` on one line, with `…` when cut: a long value quoted in
/// a diagnostic.
pub(crate) fn shorten(text: &str, n: usize) -> String {
    let line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).take(n).collect();
    if text.chars().count() > n { format!("{line}…") } else { line }
}
