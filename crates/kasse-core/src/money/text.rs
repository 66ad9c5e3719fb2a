//! User input and numbers as error messages show them: quoted and cut, digits grouped.

/// Longest piece of user input quoted back in an error message (longer input is cut with `…`).
pub(super) const MAX_QUOTED_CHARS: usize = 40;

/// `3000000000` → `"3 000 000 000"` (groups of three digits separated by a plain space), for
/// error messages.
pub(crate) fn group_thousands(n: i128) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(ch);
    }
    out
}

/// Quotes user input for an error message (`"abc"`), cut to a readable length, with control
/// characters escaped.
pub(crate) fn quote_cut(input: &str) -> String {
    if input.chars().count() > MAX_QUOTED_CHARS {
        let cut: String = input.chars().take(MAX_QUOTED_CHARS).collect();
        format!("{cut:?}…")
    } else {
        format!("{input:?}")
    }
}

/// A short description of a JSON value for messages (`true`, `null`, `an array`, `an object`).
pub(crate) fn json_kind(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "null".to_owned(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::String(s) => quote_cut(s),
        serde_json::Value::Array(_) => "an array".to_owned(),
        serde_json::Value::Object(_) => "an object".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grouping() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1 000");
        assert_eq!(group_thousands(2_147_483_647), "2 147 483 647");
        assert_eq!(group_thousands(-3_000_000_000), "-3 000 000 000");
    }
}
