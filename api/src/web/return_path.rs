//! Where a visitor is sent back to after signing in (`?next=` on the sign-in page, the OpenID Connect
//! `return_to`): only a path on this site. A browser cleans a URL before it follows it (it drops
//! tabs and line breaks anywhere, trims spaces and control characters at the ends, and reads a
//! backslash as a slash), so `/\t/evil.example` becomes `//evil.example`, another site. A return path
//! is therefore taken only if it starts with one `/`, and holds no backslash, no whitespace and no
//! control character at all; anything else sends the visitor to `/`.

/// `candidate` if it is a path on this site whatever a browser does to it, else `/`.
pub fn same_site_path(candidate: &str) -> &str {
    let mut chars = candidate.chars();
    let one_slash = chars.next() == Some('/') && !matches!(chars.next(), Some('/' | '\\'));
    let clean = !candidate.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    if one_slash && clean { candidate } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Open-redirect payloads, in the shapes the usual lists give them (protocol-relative, schemes,
    /// backslashes, whitespace and control characters that browsers drop or trim, their mixes).
    const FOREIGN: &[&str] = &[
        "//evil.example",
        "///evil.example",
        "////evil.example/x",
        "/\\evil.example",
        "\\\\evil.example",
        "\\/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "/\r\n/evil.example",
        "/\t\\evil.example",
        "\t//evil.example",
        " //evil.example",
        "/ /evil.example",
        "//evil.example/%2F..",
        "/\u{0}/evil.example",
        "/\u{b}/evil.example",
        "/\u{c}/evil.example",
        "/\u{a0}/evil.example",
        "/\u{2028}/evil.example",
        "https://evil.example",
        "http:evil.example",
        "https:/\\evil.example",
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "evil.example",
        "",
        "/pratiche\t",
    ];

    #[test]
    fn no_known_open_redirect_payload_leaves_the_site() {
        for payload in FOREIGN {
            assert_eq!(same_site_path(payload), "/", "{payload:?}");
        }
    }

    #[test]
    fn paths_on_this_site_are_kept_as_they_are() {
        for path in ["/", "/pratiche", "/pratiche/NE-2026-000001?notice=sent#top", "/cases?page=2", "/%09/x", "/a//b"] {
            assert_eq!(same_site_path(path), path);
        }
    }
}
