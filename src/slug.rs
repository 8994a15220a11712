//! Slugs: turns titles, terms and file paths into URL-safe names.

/// Lowercase ASCII letters and digits joined by single hyphens.
/// Letters outside ASCII are folded where a plain form exists (é → e).
pub fn slugify(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    let mut pending_hyphen = false;
    for c in text.chars().flat_map(fold) {
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

/// Folds common accented Latin letters to ASCII so "Kraków" → "krakow".
fn fold(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' | 'ć' | 'Ć' | 'č' | 'Č' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' | 'ę' | 'Ę' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ł' | 'Ł' => "l",
        'ñ' | 'Ñ' | 'ń' | 'Ń' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ś' | 'Ś' | 'š' | 'Š' => "s",
        'ß' => "ss",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ź' | 'ż' | 'ž' | 'Ź' | 'Ż' | 'Ž' => "z",
        _ => "",
    };
    let keep = folded.is_empty().then_some(c);
    folded.chars().chain(keep)
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
        assert_eq!(slugify("日本"), "");
    }

    #[test]
    fn paths_keep_their_folders() {
        assert_eq!(
            slugify_path("2021/PM2021-007 - All services returning 503 in Kubernetes"),
            "2021/pm2021-007-all-services-returning-503-in-kubernetes"
        );
    }
}
