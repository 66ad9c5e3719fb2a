//! Text for spreadsheets: a CSV field quoted as RFC 4180 wants, with formulas neutralised so a
//! value such as a reference or a product name starting with `=` is never run as one. Shared by
//! the day's CSV export and the catalogue's.

/// `text` as one CSV field: quoted when it holds a comma, a quote or a line break, and a
/// formula-looking value (`=`, `+`, `-`, `@` not starting a number) prefixed with `'`.
pub fn csv_field(text: &str) -> String {
    let f = if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\""))
    } else {
        f
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_neutralised() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("-1500"), "-1500");
    }
}
