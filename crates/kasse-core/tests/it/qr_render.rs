//! The QR drawings are read back: the SVG's path and the terminal's half blocks are parsed into
//! modules, rasterised, and decoded by an independent decoder (rqrr), quiet zone included.

use kasse_core::qr::{
    qr_svg, qr_terminal, qr_terminal_with, QrError, QrMatrix, TerminalStyle, QUIET_ZONE,
};

const URL: &str = "https://checkout.dintero.com/v1/view/T11223344.4Xk9mPq2RtVbN7cYhJ3sWd";

/// Draws a module grid (true = dark) at `scale` pixels per module and decodes it with rqrr.
fn decode(grid: &[Vec<bool>], scale: usize) -> Vec<String> {
    let size = grid.len();
    let px = size * scale;
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(px, px, |x, y| {
        if grid[y / scale][x / scale] {
            0
        } else {
            255
        }
    });
    img.detect_grids()
        .into_iter()
        .map(|g| g.decode().expect("decodes").1)
        .collect()
}

/// Parses `viewBox="0 0 N N"` and the `M x y h w v 1 h -w z` runs of our SVG back into modules.
fn svg_modules(svg: &str) -> Vec<Vec<bool>> {
    let view_box = attr(svg, "viewBox").expect("viewBox");
    let nums: Vec<usize> = view_box
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    assert_eq!(nums[..2], [0, 0]);
    assert_eq!(nums[2], nums[3], "square");
    let size = nums[2];
    let mut grid = vec![vec![false; size]; size];
    let d = attr(svg, "d").expect("path");
    for run in d.split('M').filter(|s| !s.is_empty()) {
        // "x yhWv1h-Wz"
        let (xy, rest) = run.split_once('h').unwrap();
        let (x, y) = xy.split_once(' ').unwrap();
        let (x, y): (usize, usize) = (x.parse().unwrap(), y.parse().unwrap());
        let (w, rest) = rest.split_once("v1h-").unwrap();
        let w: usize = w.parse().unwrap();
        assert_eq!(rest, format!("{w}z"));
        for cell in &mut grid[y][x..x + w] {
            assert!(!*cell, "runs do not overlap");
            *cell = true;
        }
    }
    grid
}

fn attr<'a>(svg: &'a str, name: &str) -> Option<&'a str> {
    let start = svg.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = svg[start..].find('"')?;
    Some(&svg[start..start + len])
}

/// Turns half-block lines back into modules; `ink_is_dark` says what the glyphs draw.
fn terminal_modules(text: &str, ink_is_dark: bool) -> Vec<Vec<bool>> {
    let mut grid = Vec::new();
    for line in text.lines() {
        let line = strip_ansi(line);
        let (mut top, mut bottom) = (Vec::new(), Vec::new());
        for ch in line.chars() {
            let (t, b) = match ch {
                '█' => (true, true),
                '▀' => (true, false),
                '▄' => (false, true),
                ' ' => (false, false),
                other => panic!("unexpected {other:?}"),
            };
            top.push(t == ink_is_dark);
            bottom.push(b == ink_is_dark);
        }
        grid.push(top);
        grid.push(bottom);
    }
    grid
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::new();
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The outer `QUIET_ZONE` rings are light.
fn assert_quiet_zone(grid: &[Vec<bool>], rows: usize) {
    let size = grid[0].len();
    for (y, row) in grid.iter().take(rows).enumerate() {
        for (x, dark) in row.iter().enumerate() {
            let in_zone = x < QUIET_ZONE
                || y < QUIET_ZONE
                || x >= size - QUIET_ZONE
                || y >= rows - QUIET_ZONE;
            if in_zone {
                assert!(!dark, "dark module in the quiet zone at ({x}, {y})");
            }
        }
    }
}

#[test]
fn svg_is_scalable_black_on_white() {
    let svg = qr_svg(URL).unwrap();
    let matrix = QrMatrix::encode(URL).unwrap();
    let n = matrix.width() + 2 * QUIET_ZONE;
    assert!(
        svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""),
        "{svg}"
    );
    assert!(svg.ends_with("</svg>"));
    assert!(!svg.starts_with("<?xml"), "inlineable in HTML");
    assert_eq!(attr(&svg, "viewBox"), Some(format!("0 0 {n} {n}").as_str()));
    assert_eq!(attr(&svg, "shape-rendering"), Some("crispEdges"));
    let root = &svg[..svg.find('>').unwrap()];
    assert!(
        !root.contains(" width="),
        "no fixed size on the root: {root}"
    );
    assert!(
        !root.contains(" height="),
        "no fixed size on the root: {root}"
    );
    assert!(svg.contains(r##"fill="#ffffff""##));
    assert!(svg.contains(r##"fill="#000000""##));
    // Well-formed enough: every opened element is closed.
    assert_eq!(svg.matches('<').count(), svg.matches('>').count());
    assert_eq!(svg.matches("<svg").count(), 1);
}

#[test]
fn svg_modules_match_the_matrix_and_decode() {
    for text in [URL, "a", "", "Kasse 🧾 — betal her", &"x".repeat(1000)] {
        let matrix = QrMatrix::encode(text).unwrap();
        let grid = svg_modules(&qr_svg(text).unwrap());
        assert_eq!(grid.len(), matrix.width() + 2 * QUIET_ZONE);
        for (y, row) in grid.iter().enumerate() {
            for (x, dark) in row.iter().enumerate() {
                let inner = x
                    .checked_sub(QUIET_ZONE)
                    .zip(y.checked_sub(QUIET_ZONE))
                    .is_some_and(|(mx, my)| matrix.is_dark(mx, my));
                assert_eq!(*dark, inner, "({x}, {y})");
            }
        }
        assert_quiet_zone(&grid, grid.len());
        assert_eq!(decode(&grid, 4), vec![text.to_owned()], "{text:?}");
    }
}

#[test]
fn level_m_module_counts() {
    // Version 1-M holds 14 bytes: 21 modules. Version 4-M holds 62 bytes: 33 modules.
    assert_eq!(QrMatrix::encode("12345678901234").unwrap().width(), 21);
    assert_eq!(QrMatrix::encode(&"a".repeat(62)).unwrap().width(), 33);
    assert_eq!(QrMatrix::encode(&"a".repeat(63)).unwrap().width(), 37);
}

#[test]
fn terminal_has_two_rows_per_line_and_decodes() {
    for text in [URL, "https://checkout.dintero.com/v1/view/x", "a"] {
        let matrix = QrMatrix::encode(text).unwrap();
        let size = matrix.width() + 2 * QUIET_ZONE;
        for (style, ink_is_dark) in [
            (TerminalStyle::Ansi, true),
            (TerminalStyle::LightBackground, true),
            (TerminalStyle::DarkBackground, false),
        ] {
            let out = qr_terminal_with(text, style).unwrap();
            assert!(out.ends_with('\n'));
            assert_eq!(out.lines().count(), size.div_ceil(2), "{style:?}");
            for line in out.lines() {
                assert_eq!(strip_ansi(line).chars().count(), size, "{style:?}");
                let has_escapes = line.contains('\x1b');
                assert_eq!(has_escapes, style == TerminalStyle::Ansi);
            }
            let grid = terminal_modules(&out, ink_is_dark);
            // Sizes are always odd (21 + 4k + 8), so the last line's lower half is padding.
            assert_eq!(grid.len(), size + 1);
            assert!(grid[size].iter().all(|d| !d), "padding row is light");
            assert_quiet_zone(&grid, size);
            let square: Vec<Vec<bool>> = grid[..size].to_vec();
            assert_eq!(
                square,
                svg_modules(&qr_svg(text).unwrap()),
                "same modules as the SVG"
            );
            assert_eq!(decode(&square, 3), vec![text.to_owned()], "{style:?}");
        }
    }
}

#[test]
fn ansi_is_the_default_and_sets_black_on_white() {
    let out = qr_terminal(URL).unwrap();
    assert_eq!(out, qr_terminal_with(URL, TerminalStyle::Ansi).unwrap());
    for line in out.lines() {
        assert!(line.starts_with("\x1b[38;5;16;48;5;231m"));
        assert!(line.ends_with("\x1b[0m"));
    }
    // First line is quiet zone: light only.
    assert!(strip_ansi(out.lines().next().unwrap())
        .chars()
        .all(|c| c == ' '));
    // In DarkBackground the quiet zone is drawn as light blocks.
    let dark = qr_terminal_with(URL, TerminalStyle::DarkBackground).unwrap();
    assert!(dark.lines().next().unwrap().chars().all(|c| c == '█'));
}

#[test]
fn too_long_is_a_typed_error() {
    let long = "x".repeat(5000);
    let e = qr_svg(&long).unwrap_err();
    assert_eq!(e, QrError::TooLong { len: 5000 });
    assert_eq!(e.code(), "qr_too_long");
    assert_eq!(e.to_string(), "text too long for a QR code (5000 bytes)");
    assert!(qr_terminal(&long).is_err());
    assert!(QrMatrix::encode(&long).is_err());
}

#[test]
fn matrix_bounds() {
    let m = QrMatrix::encode("a").unwrap();
    assert_eq!(m.width_with_quiet_zone(), m.width() + 8);
    assert!(m.is_dark(0, 0), "finder pattern corner");
    assert!(!m.is_dark(m.width(), 0));
    assert!(!m.is_dark(0, usize::MAX));
}
