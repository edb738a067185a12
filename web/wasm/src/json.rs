//! The little JSON the page needs, written by hand: the lock file has no JSON crate, and the
//! values are only numbers, strings, arrays and objects.

use std::fmt::Write as _;

/// A number; NaN and infinities (which JSON lacks) as `null`.
pub fn num(x: f64) -> String {
    if x.is_finite() {
        // Display is the shortest text that reads back as the same f64, without exponent.
        format!("{x}")
    } else {
        "null".into()
    }
}

/// A string literal.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// An array of JSON values.
pub fn arr(items: Vec<String>) -> String {
    format!("[{}]", items.join(","))
}

/// An object of (key, JSON value) fields.
pub fn obj(fields: &[(&str, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", text(k)))
        .collect();
    format!("{{{}}}", body.join(","))
}

/// An object of owned (key, JSON value) fields.
pub fn pairs(fields: &[(String, String)]) -> String {
    let body: Vec<String> = fields
        .iter()
        .map(|(k, v)| format!("{}:{v}", text(k)))
        .collect();
    format!("{{{}}}", body.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(1e21), "1000000000000000000000");
        assert_eq!(num(f64::NAN), "null");
        assert_eq!(text("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
        assert_eq!(
            obj(&[("a", arr(vec![num(1.0), num(2.5)]))]),
            "{\"a\":[1,2.5]}"
        );
    }
}
