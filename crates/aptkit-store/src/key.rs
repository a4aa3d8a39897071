use crate::{Error, Result};

/// Keys are relative `/`-separated paths without empty, `.` or `..`
/// components: the same rules on every backend, so that a key that works
/// on a laptop works on S3 and can never escape a directory.
pub fn validate_key(key: &str) -> Result<()> {
    let invalid = |reason| Err(Error::InvalidKey { key: key.to_string(), reason });
    if key.is_empty() {
        return invalid("empty");
    }
    if key.starts_with('/') {
        return invalid("absolute");
    }
    if key.contains('\0') || key.contains('\\') {
        return invalid("contains NUL or backslash");
    }
    if key.split('/').any(|c| c.is_empty() || c == "." || c == "..") {
        return invalid("empty, `.` or `..` component");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate_key;

    #[test]
    fn accepts_repository_keys_and_rejects_escapes() {
        assert!(validate_key("pool/main/h/hello/hello_1.0+b1_amd64.deb").is_ok());
        for bad in ["", "/etc/passwd", "a/../b", "a//b", "./a", "a/", "..", "a\\b"] {
            assert!(validate_key(bad).is_err(), "{bad}");
        }
    }
}
