//! `GET /api/search?q=…&severity=…&team=…&service=…&tag=…&since=…&until=…&limit=…`:
//! answers from the tantivy index the last build left in the cache, as
//! JSON, for chat bots and other tools.

use std::path::Path;

use percent_encoding::percent_decode_str;

use crate::search::{self, query::SearchRequest};

/// The path the search API answers on.
pub const SEARCH_PATH: &str = "/api/search";

/// Runs the query in `query_string`; returns the status and JSON body.
pub fn search(root: &Path, query_string: &str) -> (u16, String) {
    let request = match parse(query_string) {
        Ok(request) => request,
        Err(message) => return (400, error_json(&message)),
    };
    let answer = search::open(root).and_then(|(index, vocabulary)| {
        search::query::search(&index, vocabulary.as_ref(), &request)
    });
    match answer.and_then(|results| Ok(serde_json::to_string(&results)?)) {
        Ok(json) => (200, json),
        Err(error) => (
            503,
            error_json(&format!("search is not available: {error:#}")),
        ),
    }
}

/// Reads the parameters; repeated filters (`team=a&team=b`) match any.
fn parse(query_string: &str) -> Result<SearchRequest, String> {
    let mut request = SearchRequest {
        limit: 20,
        ..SearchRequest::default()
    };
    for pair in query_string.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let value = percent_decode_str(&value.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned();
        let date = |v: &str| {
            v.parse()
                .map_err(|_| format!("{key}={v:?} is not a date (YYYY-MM-DD)"))
        };
        match key {
            "q" => request.query = value,
            "severity" => request.severity.push(value),
            "team" => request.teams.push(value),
            "service" => request.services.push(value),
            "tag" => request.tags.push(value),
            "year" => request.years.push(
                value
                    .parse()
                    .map_err(|_| format!("year={value:?} is not a year"))?,
            ),
            "since" => request.since = Some(date(&value)?),
            "until" => request.until = Some(date(&value)?),
            "limit" => {
                request.limit = value
                    .parse::<usize>()
                    .map_err(|_| format!("limit={value:?} is not a number"))?
                    .clamp(1, 100)
            }
            _ => {
                return Err(format!(
                    "unknown parameter {key:?}; use q, severity, team, service, tag, year, since, until, limit"
                ));
            }
        }
    }
    Ok(request)
}

fn error_json(message: &str) -> String {
    serde_json::json!({ "error": message }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_decoded() {
        let request =
            parse("q=connection+pool&team=payments&team=platform&since=2023-01-01&limit=5")
                .unwrap();
        assert_eq!(request.query, "connection pool");
        assert_eq!(request.teams, ["payments", "platform"]);
        assert_eq!(request.since.unwrap().to_string(), "2023-01-01");
        assert_eq!(request.limit, 5);
        assert!(parse("since=yesterday").is_err());
        assert!(parse("colour=red").is_err());
    }
}
