//! Small statistics shared by the dashboards: medians, percentiles and
//! completion rates, computed the same way everywhere so the pages, the
//! CLI and the tests agree.

/// The `p`-th percentile (0–100) of `values`, by linear interpolation
/// between closest ranks (the common "type 7" definition, as in
/// spreadsheets and numpy). `None` for no values.
pub fn percentile(values: &mut [f64], p: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let rank = (p.clamp(0.0, 100.0) / 100.0) * (values.len() - 1) as f64;
    let low = rank.floor() as usize;
    let high = rank.ceil() as usize;
    let fraction = rank - low as f64;
    Some(values[low] + (values[high] - values[low]) * fraction)
}

/// The median: the middle value, or the mean of the two middle values.
pub fn median(values: &mut [f64]) -> Option<f64> {
    percentile(values, 50.0)
}

/// `part / whole` as a percentage, `None` when `whole` is zero.
pub fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// `87%`, `66.7%` — one decimal only when it says something.
pub fn format_percent(value: Option<f64>) -> String {
    match value {
        None => "—".to_string(),
        Some(v) if (v - v.round()).abs() < 0.05 => format!("{}%", v.round()),
        Some(v) => format!("{v:.1}%"),
    }
}

/// Days from `from` to `to` (negative when `to` is earlier), by plain
/// integer arithmetic on the proleptic Gregorian calendar: the dashboards
/// do this for every action item, where calendar-aware spans are slow.
pub fn days_between(from: jiff::civil::Date, to: jiff::civil::Date) -> i32 {
    day_number(to) - day_number(from)
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
fn day_number(date: jiff::civil::Date) -> i32 {
    let (year, month, day) = (
        i32::from(date.year()),
        i32::from(date.month()),
        i32::from(date.day()),
    );
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
    }

    #[test]
    fn p90_interpolates() {
        let mut values: Vec<f64> = (1..=10).map(f64::from).collect();
        let p90 = percentile(&mut values, 90.0).unwrap_or_default();
        assert!((p90 - 9.1).abs() < 1e-9, "{p90}");
        assert_eq!(percentile(&mut [5.0], 90.0), Some(5.0));
    }

    #[test]
    fn days_between_dates() {
        use jiff::civil::date;
        assert_eq!(days_between(date(2024, 3, 1), date(2025, 6, 1)), 457);
        assert_eq!(days_between(date(2025, 6, 1), date(2024, 3, 1)), -457);
        assert_eq!(day_number(date(1970, 1, 1)), 0);
        for (a, b) in [
            (date(1999, 12, 31), date(2000, 3, 1)),
            (date(2024, 2, 28), date(2024, 3, 1)),
        ] {
            assert_eq!(days_between(a, b), (b - a).get_days());
        }
    }

    #[test]
    fn percentages_read_cleanly() {
        assert_eq!(format_percent(percent(2, 3)), "66.7%");
        assert_eq!(format_percent(percent(1, 2)), "50%");
        assert_eq!(format_percent(percent(1, 0)), "—");
    }
}
