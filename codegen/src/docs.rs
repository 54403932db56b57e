//! Spec text made safe for rustdoc: descriptions are Markdown written for other renderers
//! (VMware's carry Javadoc tags and HTML), and rustdoc warns about, or even compiles, parts of it.

/// Rewrites a description from the spec so that rustdoc renders it without warnings:
/// Javadoc inline tags (`{@link X}`, `{@term x}`) become code or plain words, `<p>` becomes a
/// paragraph break, other HTML is escaped, bare URLs become autolinks, brackets that are not
/// Markdown links are escaped, and nothing can turn into a doctest (indented lines are
/// un-indented, fences are marked `text`).
pub fn rustdoc_text(text: &str) -> String {
    let text = javadoc_tags(text);
    let mut out = String::with_capacity(text.len() + 16);
    let chars: Vec<char> = text.chars().collect();
    let mut in_code = false;
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let rest = chars.get(i..).unwrap_or_default();
        let at = |pattern: &str| starts_with_ignoring_case(rest, pattern);
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            i += 1;
        } else if in_code {
            out.push(c);
            i += 1;
        } else if c == '<' && (at("<p>") || at("</p>")) {
            out.push_str("\n\n");
            i += if at("<p>") { 3 } else { 4 };
        } else if let Some(tag) = ["<br />", "<br/>", "<br>"]
            .iter()
            .find(|t| c == '<' && at(t))
        {
            out.push('\n');
            i += tag.len();
        } else if c == '<' {
            out.push_str("&lt;");
            i += 1;
        } else if c == '[' || c == ']' {
            let part_of_link = if c == '[' {
                is_markdown_link(&chars, i)
            } else {
                chars.get(i + 1) == Some(&'(')
            };
            if part_of_link {
                out.push(c);
            } else {
                out.push('\\');
                out.push(c);
            }
            i += 1;
        } else if matches!(c, 'h' | 'H') && (at("http://") || at("https://")) {
            let mut end = i;
            while chars
                .get(end)
                .is_some_and(|c| !c.is_whitespace() && !matches!(c, ')' | '>' | '"' | '\'' | '`'))
            {
                end += 1;
            }
            while end > i && matches!(chars.get(end - 1), Some('.' | ',' | ';' | ':')) {
                end -= 1;
            }
            let url: String = chars.get(i..end).unwrap_or_default().iter().collect();
            out.push('<');
            out.push_str(&url);
            out.push('>');
            i = end.max(i + 1);
        } else {
            out.push(c);
            i += 1;
        }
    }
    let mut in_fence = false;
    out.lines()
        .map(|line| {
            let trimmed = line.trim_start();
            if trimmed.starts_with("```") {
                let info = trimmed.trim_start_matches('`').trim();
                let opening = !in_fence;
                in_fence = !in_fence;
                if opening && info.is_empty() {
                    "```text".to_string()
                } else {
                    trimmed.to_string()
                }
            } else if !in_fence && line.len() - trimmed.len() >= 4 {
                trimmed.to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `[text](url)` starting at `open`.
/// Whether `chars` starts with `pattern` (ASCII), ignoring ASCII case.
fn starts_with_ignoring_case(chars: &[char], pattern: &str) -> bool {
    pattern.len() <= chars.len()
        && pattern
            .chars()
            .zip(chars)
            .all(|(p, c)| c.eq_ignore_ascii_case(&p))
}

fn is_markdown_link(chars: &[char], open: usize) -> bool {
    let mut i = open + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            ']' => return chars.get(i + 1) == Some(&'('),
            '[' | '\n' => return false,
            _ => i += 1,
        }
    }
    false
}

/// `{@link Foo}`, `{@code x}`, `{@name x}`, `{@param.name x}` -> `` `x` ``; `{@term x}` -> `x`.
fn javadoc_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{@") {
        let Some(end) = rest[start..].find('}').map(|e| start + e) else {
            break;
        };
        out.push_str(&rest[..start]);
        let inner = &rest[start + 2..end];
        let (tag, content) = inner.split_once(' ').unwrap_or((inner, ""));
        let content = content.trim();
        if tag == "term" || content.is_empty() {
            out.push_str(if content.is_empty() { tag } else { content });
        } else {
            out.push('`');
            out.push_str(&content.replace('`', "'"));
            out.push('`');
        }
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::rustdoc_text;

    #[test]
    fn vmware_text_becomes_plain_markdown() {
        assert_eq!(
            rustdoc_text("Stack of {@term error} messages. <p> See {@link ArgumentLocations}."),
            "Stack of error messages. \n\n See `ArgumentLocations`."
        );
        assert_eq!(
            rustdoc_text("Go to https://example.com/x. Or [0] and a <b>tag</b>."),
            "Go to <https://example.com/x>. Or \\[0\\] and a &lt;b>tag&lt;/b>."
        );
        assert_eq!(
            rustdoc_text("A [link](https://x.org) and `<code>`"),
            "A [link](<https://x.org>) and `<code>`"
        );
        assert_eq!(
            rustdoc_text("text\n\n        indented\n```\nx\n```"),
            "text\n\nindented\n```text\nx\n```"
        );
        assert_eq!(rustdoc_text("broken {@link"), "broken {@link");
    }
}
