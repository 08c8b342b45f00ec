//! `docs/findings.md` and the rules agree: the doc's table names exactly the registry's codes,
//! in its order, with their severities, and the thresholds it gives are the defaults.

use roamgap::analysis::findings::{M1_RETRY_ERROR_MS, RULES};
use roamgap::analysis::Config;

fn doc() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/findings.md")).unwrap()
}

/// The table's rows: (code, severity).
fn documented(doc: &str) -> Vec<(String, String)> {
    doc.lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<&str> = l.split(" | ").collect();
            (
                cells[0]
                    .trim_start_matches("| ")
                    .trim_matches('`')
                    .to_string(),
                cells[1].trim().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_doc_names_every_rule_with_its_severity_in_order() {
    let registry: Vec<(String, String)> = RULES
        .iter()
        .map(|r| (r.code().to_string(), r.severity().as_str().to_string()))
        .collect();
    assert_eq!(documented(&doc()), registry);
    assert_eq!(registry.len(), 12);
}

/// The number and unit just before each "(`--flag`)" of the doc, in the unit of the flag.
fn thresholds(doc: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let mut rest = doc;
    while let Some(at) = rest.find("(`--") {
        let before = rest[..at].trim_end().replace('\u{2212}', "-");
        let after = &rest[at + 2..];
        let flag = &after[..after.find('`').unwrap()];
        let mut words = before.rsplit(' ');
        let unit = words.next().unwrap();
        let value: f64 = words.next().unwrap().parse().unwrap_or(f64::NAN);
        let scale = if unit == "s" && flag.ends_with("-ms") {
            1000.0
        } else {
            1.0
        };
        out.push((flag.to_string(), value * scale));
        rest = &after[flag.len()..];
    }
    out
}

#[test]
fn the_doc_gives_the_default_thresholds() {
    let c = Config::default();
    let mut defaults = vec![
        ("--deauth-window-ms".to_string(), c.deauth_window_ms),
        ("--sticky-dbm".to_string(), f64::from(c.sticky_dbm)),
        ("--budget-fast-ms".to_string(), c.budget_fast_ms),
        ("--budget-psk-ms".to_string(), c.budget_psk_ms),
        ("--budget-dot1x-ms".to_string(), c.budget_dot1x_ms),
        ("--gap-budget-ms".to_string(), c.gap_budget_ms),
    ];
    let mut doc = thresholds(&doc());
    doc.sort_by(|a, b| a.0.cmp(&b.0));
    defaults.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(doc, defaults);
    assert!(
        self::doc().contains(&format!("a retry waited {M1_RETRY_ERROR_MS} ms or more")),
        "the eapol-m1-retry error threshold"
    );
}

#[test]
fn the_doc_parsers_read_what_they_should() {
    let row = "| `x-y` | warning | fires | e | f |";
    assert_eq!(
        documented(row),
        [("x-y".to_string(), "warning".to_string())]
    );
    let t = thresholds("within 5 s (`--a-ms`) and \u{2212}80 dBm (`--b-dbm`)");
    assert_eq!(
        t,
        [
            ("--a-ms".to_string(), 5000.0),
            ("--b-dbm".to_string(), -80.0)
        ]
    );
}
