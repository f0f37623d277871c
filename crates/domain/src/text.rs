//! Free text people type: plain text (questions, answers, descriptors), shown escaped,
//! and the bank's rich text (news and portal pages), written in Markdown or pasted as
//! HTML and kept only as sanitised HTML — no script, style, event handler or foreign
//! embed survives, links open outside the bank without its referrer.

use crate::FieldError;

/// Trimmed text of at most `max` characters; empty refused when `required`. Line
/// breaks are kept (shown with `white-space: pre-line`); full-width punctuation is
/// prose, kept as typed.
pub fn plain(field: &'static str, label: &str, input: &str, max: usize, required: bool) -> Result<String, FieldError> {
    let s: String = input
        .replace("\r\n", "\n")
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string();
    if required && s.is_empty() {
        return Err(FieldError::new(field, format!("请填写{label}")));
    }
    if s.chars().count() > max {
        return Err(FieldError::new(field, format!("{label}不能超过{max}个字")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(field, format!("{label}含有不可显示的字符")));
    }
    Ok(s)
}

/// The most a rich text may hold, in characters of its source.
pub const MAX_RICH: usize = 50_000;

/// Renders Markdown (HTML inside it allowed) to HTML that is safe to show as is.
pub fn rich(field: &'static str, label: &str, input: &str, required: bool) -> Result<(String, String), FieldError> {
    let source = input.replace("\r\n", "\n").trim().to_string();
    if required && source.is_empty() {
        return Err(FieldError::new(field, format!("请填写{label}")));
    }
    if source.chars().count() > MAX_RICH {
        return Err(FieldError::new(field, format!("{label}不能超过{MAX_RICH}个字")));
    }
    let mut options = pulldown_cmark::Options::empty();
    options.insert(pulldown_cmark::Options::ENABLE_TABLES);
    options.insert(pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let mut html = String::with_capacity(source.len() * 2);
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(&source, options));
    Ok((source, sanitize(&html)))
}

fn sanitize(html: &str) -> String {
    let tags = [
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "strong",
        "b",
        "em",
        "i",
        "u",
        "del",
        "s",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "code",
        "pre",
        "hr",
        "span",
    ];
    ammonia::Builder::default()
        .tags(tags.into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::Custom(Box::new(relative_link)))
        .clean(html)
        .to_string()
}

/// A relative link keeps its target only when it has no ':' at all: one before any '/',
/// '?' or '#' ("%EF%BF%BDjavascript:…", found by fuzzing) is no scheme to a URL parser,
/// and one after them ("?javascript:…", found next) is harmless as a query, but neither
/// is left to each browser or filter to decide. Relative links of the bank's pages
/// (/catalog?q=…, #top, files/a.pdf) have none.
fn relative_link(url: &str) -> Option<std::borrow::Cow<'_, str>> {
    (!url.contains(':')).then_some(std::borrow::Cow::Borrowed(url))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_bounded_and_trimmed() {
        assert_eq!(plain("t", "标题", "  问题　一？ ", 10, true).unwrap(), "问题　一？");
        assert_eq!(plain("t", "标题", " ", 10, true).unwrap_err().message, "请填写标题");
        assert_eq!(
            plain("t", "标题", &"字".repeat(11), 10, true).unwrap_err().message,
            "标题不能超过10个字"
        );
        assert_eq!(
            plain("b", "内容", "第一行\r\n第二行", 100, true).unwrap(),
            "第一行\n第二行"
        );
        assert!(plain("b", "内容", "a\u{0}b", 100, true).is_err());
    }

    #[test]
    fn relative_links_keep_their_target_unless_a_scheme_hides_in_them() {
        let (_, html) = rich(
            "body",
            "正文",
            "[目录](/catalog?q=数学) [上文](#top) [文件](files/a.pdf)",
            true,
        )
        .unwrap();
        for kept in [r#"href="/catalog?q="#, r##"href="#top""##, r#"href="files/a.pdf""#] {
            assert!(html.contains(kept), "{html}");
        }
        let (_, html) = rich(
            "body",
            "正文",
            "[x](%FC%FCjavascript:alert(1)) [y](a:b/c) [z](?javascript:alert(1))",
            true,
        )
        .unwrap();
        assert!(
            !html.contains("javascript:") && !html.contains("a:b") && html.contains(">x</a>"),
            "{html}"
        );
    }

    #[test]
    fn rich_text_keeps_formatting_and_drops_scripts() {
        let (_, html) = rich(
            "body",
            "正文",
            "## 通知\n\n**重要**：请于[官网](https://example.cn)查看。",
            true,
        )
        .unwrap();
        assert!(html.contains("<h2>通知</h2>") && html.contains("<strong>重要</strong>"));
        assert!(html.contains(r#"href="https://example.cn""#) && html.contains("noopener"));
        let (_, html) = rich(
            "body",
            "正文",
            "<p onclick=\"x()\">段落</p><script>alert(1)</script><img src=x onerror=y><a href=\"javascript:alert(1)\">链接</a><iframe src=\"https://e\"></iframe>",
            true,
        )
        .unwrap();
        for bad in ["script", "onclick", "onerror", "javascript:", "<img", "iframe"] {
            assert!(!html.contains(bad), "{bad} survived: {html}");
        }
        assert!(html.contains("段落") && html.contains("链接"));
        assert!(rich("body", "正文", "", true).is_err());
    }
}
