//! `SHA256SUMS`, as `sha256sum` writes it and `sha256sum -c` reads it.

use super::error::{Error, Result};

/// `existing` (the text of a `SHA256SUMS`, possibly empty) with the line of
/// `file_name` set to `sha256`: an older line for that file is replaced,
/// every other line kept as it was, and the lines sorted by file name.
/// A line that is not `<64 hex digits>  <name>` (or ` *<name>`, binary mode)
/// is an error, so that a file in another format is never rewritten.
pub fn update_sha256sums(existing: &str, file_name: &str, sha256: &str) -> Result<String> {
    let mut lines: Vec<(String, String)> = Vec::new();
    for (n, line) in existing.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let name = parse_line(line).map_err(|reason| Error::Sums { line: n + 1, reason })?;
        if name != file_name {
            lines.push((name.to_string(), line.to_string()));
        }
    }
    lines.push((file_name.to_string(), format!("{sha256}  {file_name}")));
    lines.sort();
    Ok(lines.into_iter().map(|(_, line)| line + "\n").collect())
}

/// The file name of one line (escaped names, with their leading `\`,
/// are kept escaped: they never equal a tarball's name).
fn parse_line(line: &str) -> std::result::Result<&str, String> {
    let body = line.strip_prefix('\\').unwrap_or(line);
    let not_a_line = || format!("`{line}` is not a `<sha256>  <file name>` line");
    let (digest, rest) = body.split_at_checked(64).ok_or_else(not_a_line)?;
    if !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_a_line());
    }
    let name = rest.strip_prefix("  ").or_else(|| rest.strip_prefix(" *")).ok_or_else(not_a_line)?;
    if name.is_empty() {
        return Err(not_a_line());
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

    #[test]
    fn a_new_file_gets_one_line() {
        assert_eq!(update_sha256sums("", "x-1.tar.gz", A).unwrap(), format!("{A}  x-1.tar.gz\n"));
    }

    #[test]
    fn the_line_of_the_file_is_replaced_and_others_kept_sorted() {
        let existing = format!("{A}  z-2.tar.gz\n{A}  x-1.tar.gz\n\n{B} *a.bin\n");
        let updated = update_sha256sums(&existing, "x-1.tar.gz", B).unwrap();
        assert_eq!(updated, format!("{B} *a.bin\n{B}  x-1.tar.gz\n{A}  z-2.tar.gz\n"));
        assert_eq!(update_sha256sums(&updated, "x-1.tar.gz", B).unwrap(), updated);
    }

    #[test]
    fn other_formats_are_refused_with_their_line() {
        let existing = format!("{A}  ok\nSHA256 (x-1.tar.gz) = {A}\n");
        let err = update_sha256sums(&existing, "x-1.tar.gz", B).unwrap_err();
        assert!(matches!(err, Error::Sums { line: 2, .. }), "{err}");
        for bad in ["abc  x", &format!("{A} x"), &format!("{A}  "), &format!("{}g  x", &A[..63])] {
            assert!(update_sha256sums(bad, "y", A).is_err(), "{bad}");
        }
    }
}
