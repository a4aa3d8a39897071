//! Comparing the minimal versions of symbols files, as dpkg's
//! version_compare does.

use std::cmp::Ordering;

use aptkit_control::Version;

/// dpkg version order; text that is no valid version (dpkg would warn)
/// sorts by bytes so that the result stays deterministic.
pub fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<Version>(), b.parse::<Version>()) {
        (Ok(a), Ok(b)) => a.cmp(&b),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::compare;
    use std::cmp::Ordering::*;

    #[test]
    fn follows_dpkg_order() {
        assert_eq!(compare("2.34", "2.3.4"), Greater);
        assert_eq!(compare("1.0~rc1", "1.0"), Less);
        assert_eq!(compare("1:0.1", "2.0"), Greater);
        assert_eq!(compare("2.2.5", "2.2.5"), Equal);
    }
}
