//! Durations on the command line and in aptkit.toml: `0`, `90` (seconds),
//! `500ms`, `30s`, `10m`, `2h`, or parts together (`1m30s`).

use std::time::Duration;

/// Parse a duration as `--wait` takes it.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let bad = || format!("invalid duration `{text}` (e.g. 0, 30s, 10m, 1h, 1m30s, 500ms)");
    if text.is_empty() {
        return Err(bad());
    }
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return Err(bad());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let unit = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let part = match &rest[..unit] {
            "ms" => Duration::from_millis(number),
            "s" => Duration::from_secs(number),
            "m" | "min" => Duration::from_secs(number.saturating_mul(60)),
            "h" => Duration::from_secs(number.saturating_mul(3600)),
            _ => return Err(bad()),
        };
        total = total.saturating_add(part);
        rest = &rest[unit..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse_as_written() {
        let s = Duration::from_secs;
        for (text, want) in [("0", s(0)), ("90", s(90)), ("30s", s(30)), ("10m", s(600)), ("2h", s(7200))] {
            assert_eq!(parse_duration(text), Ok(want), "{text}");
        }
        assert_eq!(parse_duration("1m30s"), Ok(s(90)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        for bad in ["", "s", "10x", "-5", "1.5m", "m10"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("invalid duration"), "{bad}: {err}");
        }
    }
}
