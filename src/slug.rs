//! Slugs: turns titles, terms and file paths into URL-safe names.

/// Lowercase ASCII letters and digits joined by single hyphens. Other
/// scripts are transliterated first (deunicode, as Zola's slugs), so
/// "Kraków" → "krakow", "база данных" → "baza-dannykh", "ﬀ" → "ff".
pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut slug = String::with_capacity(ascii.len());
    let mut pending_hyphen = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            if pending_hyphen && !slug.is_empty() {
                slug.push('-');
            }
            pending_hyphen = false;
            slug.push(c.to_ascii_lowercase());
        } else {
            pending_hyphen = true;
        }
    }
    slug
}

/// Slugs each segment of a `/`-separated path, keeping the separators:
/// `2024/DB Failover` → `2024/db-failover`.
pub fn slugify_path(path: &str) -> String {
    path.split(['/', '\\'])
        .map(slugify)
        .filter(|segment| !segment.is_empty())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(
            slugify("All services returning 503!"),
            "all-services-returning-503"
        );
        assert_eq!(slugify("  Kraków  outage "), "krakow-outage");
        assert_eq!(slugify("TL;DR"), "tl-dr");
        assert_eq!(slugify("база данных"), "baza-dannykh");
        assert_eq!(slugify("日本"), "ri-ben");
        assert_eq!(slugify("ﬀ ß"), "ff-ss");
        assert_eq!(slugify("🔥"), "fire");
        assert_eq!(slugify("—"), "");
    }

    #[test]
    fn paths_keep_their_folders() {
        assert_eq!(
            slugify_path("2021/PM2021-007 - All services returning 503 in Kubernetes"),
            "2021/pm2021-007-all-services-returning-503-in-kubernetes"
        );
    }
}
