//! The documentation lists every parameter with the default the code uses, so the two cannot
//! drift apart unnoticed.

use commune_sim::scenario::{PARAMS, ParamKind};

#[test]
fn odd_lists_every_parameter_with_its_default() {
    let odd = std::fs::read_to_string(crate::common::root().join("docs/ODD.md")).unwrap();
    for def in PARAMS {
        let key = def.key();
        let row = odd
            .lines()
            .find(|l| l.starts_with(&format!("| `{key}` |")) && l.matches('|').count() >= 8)
            .unwrap_or_else(|| panic!("docs/ODD.md has no row for {key}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // | key | meaning | kind | default | range | unit | source |
        let default = cells.get(4).copied().unwrap_or("");
        let same = match def.kind {
            ParamKind::Number | ParamKind::Schedule | ParamKind::Integer => {
                let doc: Option<f64> = default.trim_matches('`').replace(',', "").parse().ok();
                let code: Option<f64> = def.default.parse().ok();
                doc.is_some() && doc == code
            }
            _ => default.trim_matches('`').trim_matches('"') == def.default,
        };
        assert!(
            same,
            "docs/ODD.md gives {key} the default {default:?}, the code {:?}",
            def.default
        );
    }
}

#[test]
fn odd_lists_every_calibrated_parameter_with_its_bounds() {
    let odd = std::fs::read_to_string(crate::common::root().join("docs/ODD.md")).unwrap();
    let fmt = |x: f64| format!("{x}");
    for f in commune_sim::calibrate::FREE {
        let bounds = format!("| `{}` | {}–{} |", f.key, fmt(f.lo), fmt(f.hi));
        assert!(
            odd.contains(&bounds),
            "docs/ODD.md §7.17 has no row `{bounds}` for a parameter the calibration frees"
        );
        let row = odd
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", f.key)) && l.matches('|').count() >= 8)
            .unwrap_or_default();
        assert!(
            row.contains("fitted by `commune-sim calibrate`"),
            "docs/ODD.md §7.18 does not mark {} as fitted",
            f.key
        );
    }
    let rows = odd
        .lines()
        .skip_while(|l| !l.starts_with("| parameter | bounds | identified by |"))
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .count();
    assert_eq!(
        rows,
        commune_sim::calibrate::FREE.len(),
        "docs/ODD.md §7.17 lists {rows} calibrated parameters"
    );
}
