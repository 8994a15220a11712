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
    fn percentages_read_cleanly() {
        assert_eq!(format_percent(percent(2, 3)), "66.7%");
        assert_eq!(format_percent(percent(1, 2)), "50%");
        assert_eq!(format_percent(percent(1, 0)), "—");
    }
}
