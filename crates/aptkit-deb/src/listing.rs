//! Text listings in exactly the layout of `dpkg-deb --info` and
//! `dpkg-deb --contents`, so the two tools can be compared line for line.

use std::fmt::Write;

use crate::read::{DataKind, DebReader};

/// `dpkg-deb --info FILE` (the summary form, without member names).
pub fn format_info(deb: &DebReader) -> String {
    let mut out = String::new();
    let _ = writeln!(out, " new Debian package, version 2.0.");
    let _ = writeln!(out, " size {} bytes: control archive={} bytes.", deb.total_size, deb.control_member_size);
    let mut members: Vec<_> = deb.control.iter().collect();
    members.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    for m in &members {
        let lines = m.contents.iter().filter(|&&b| b == b'\n').count();
        let interpreter = if m.contents.starts_with(b"#!") {
            let end = m.contents.iter().position(|&b| b == b'\n').unwrap_or(m.contents.len());
            String::from_utf8_lossy(&m.contents[..end]).into_owned()
        } else {
            String::new()
        };
        let exec = if m.mode & 0o100 != 0 { '*' } else { ' ' };
        let _ = writeln!(
            out,
            " {:>7} bytes, {:>5} lines   {}  {:<20} {}",
            m.contents.len(),
            lines,
            exec,
            m.name,
            interpreter
        );
    }
    if let Some(control) = deb.control_file("control") {
        let text = String::from_utf8_lossy(&control.contents);
        for line in text.lines() {
            let _ = writeln!(out, " {line}");
        }
    }
    out
}

/// `dpkg-deb --contents FILE`, i.e. GNU `tar -tv` of the data member
/// (times in UTC).
pub fn format_contents(deb: &DebReader) -> String {
    let mut out = String::new();
    // GNU tar widens this column as it meets longer owner/size strings.
    let mut ugs_width = 19;
    for e in &deb.data {
        let user = if e.user.is_empty() { e.uid.to_string() } else { e.user.clone() };
        let group = if e.group.is_empty() { e.gid.to_string() } else { e.group.clone() };
        let size = e.size.to_string();
        let pad = user.len() + 1 + group.len() + 1 + size.len();
        ugs_width = ugs_width.max(pad);
        let date = chrono::DateTime::from_timestamp(e.mtime as i64, 0)
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default();
        let _ = write!(
            out,
            "{} {user}/{group}{}{size} {date} {}",
            mode_string(&e.kind, e.mode),
            " ".repeat(ugs_width - pad + 1),
            e.name
        );
        match &e.kind {
            DataKind::Symlink(target) => {
                let _ = write!(out, " -> {target}");
            }
            DataKind::Hardlink(target) => {
                let _ = write!(out, " link to {target}");
            }
            _ => {}
        }
        out.push('\n');
    }
    out
}

fn mode_string(kind: &DataKind, mode: u32) -> String {
    let type_char = match kind {
        DataKind::Dir => 'd',
        DataKind::File => '-',
        DataKind::Symlink(_) => 'l',
        DataKind::Hardlink(_) => 'h',
        DataKind::Other(b'3') => 'c',
        DataKind::Other(b'4') => 'b',
        DataKind::Other(b'6') => 'p',
        DataKind::Other(_) => '?',
    };
    let mut s = String::with_capacity(10);
    s.push(type_char);
    let special = [(0o4000, 's', 'S'), (0o2000, 's', 'S'), (0o1000, 't', 'T')];
    for (i, (bit, set_exec, set_noexec)) in special.iter().enumerate() {
        let shift = 6 - 3 * i;
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let exec = bits & 1 != 0;
        s.push(match (mode & bit != 0, exec) {
            (true, true) => *set_exec,
            (true, false) => *set_noexec,
            (false, true) => 'x',
            (false, false) => '-',
        });
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mode_strings_match_tar() {
        assert_eq!(mode_string(&DataKind::Dir, 0o755), "drwxr-xr-x");
        assert_eq!(mode_string(&DataKind::File, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(&DataKind::File, 0o1644), "-rw-r--r-T");
        assert_eq!(mode_string(&DataKind::Symlink("x".into()), 0o777), "lrwxrwxrwx");
    }
}
