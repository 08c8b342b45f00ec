//! Times as a person reads them: UTC, millisecond precision.

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn split(t: f64) -> (i64, i64) {
    let ms = (t * 1000.0).round() as i64;
    (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000))
}

/// `HH:MM:SS.mmm` (UTC).
pub(crate) fn time_of_day(t: f64) -> String {
    let (_, ms) = split(t);
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// `YYYY-MM-DD HH:MM:SS.mmm` (UTC).
pub(crate) fn datetime(t: f64) -> String {
    let (days, _) = split(t);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02} {}", time_of_day(t))
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (ISO 8601, UTC), for files other programs read.
pub(crate) fn iso8601(t: f64) -> String {
    datetime(t).replacen(' ', "T", 1) + "Z"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(datetime(0.0), "1970-01-01 00:00:00.000");
        assert_eq!(datetime(1_700_000_003.322_52), "2023-11-14 22:13:23.323");
        assert_eq!(datetime(951_782_400.0), "2000-02-29 00:00:00.000");
        assert_eq!(iso8601(951_782_400.5), "2000-02-29T00:00:00.500Z");
    }
}
