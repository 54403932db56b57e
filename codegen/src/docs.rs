//! Spec text made safe for rustdoc: descriptions are Markdown written for other renderers
//! (VMware's carry Javadoc tags and HTML), and rustdoc warns about, or even compiles, parts of it.

/// Rewrites a description from the spec so that rustdoc renders it without warnings:
/// Javadoc inline tags (`{@link X}`, `{@term x}`) become code or plain words, `<p>` becomes a
/// paragraph break, other HTML is escaped, bare URLs become autolinks, brackets that are not
/// Markdown links are escaped, and nothing can turn into a doctest (indented lines are
/// un-indented, fences are marked `text`).
pub fn rustdoc_text(text: &str) -> String {
    // A carriage return that ends no line (old Mac line ends, `\r\r\n`) is a line end too:
    // rustdoc refuses a bare CR inside a doc comment.
    let text = javadoc_tags(&text.replace("\r\n", "\n").replace('\r', "\n"));
    let mut out = String::with_capacity(text.len() + 16);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    // Per run length, where the paragraph ends in which a run of that length was looked for
    // and not found: a later run of that length before there closes nothing either, so text
    // with many unmatched backticks is read in linear time.
    let mut unclosed: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    while let Some(&c) = chars.get(i) {
        let rest = chars.get(i..).unwrap_or_default();
        let at = |pattern: &str| starts_with_ignoring_case(rest, pattern);
        if c == '`' {
            let run = rest.iter().take_while(|c| **c == '`').count();
            if run >= 3 && at_line_start(&chars, i) {
                // A fence: copied as it is, to its closing fence (the pass below marks it).
                let end = fence_end(&chars, i, run);
                out.extend(chars.get(i..end).unwrap_or_default());
                i = end;
            } else {
                let close = match unclosed.get(&run) {
                    Some(end) if i < *end => None,
                    _ => match code_span_end(&chars, i + run, run) {
                        Ok(close) => Some(close),
                        Err(end) => {
                            unclosed.insert(run, end);
                            None
                        }
                    },
                };
                if let Some(close) = close {
                    // A code span, as Markdown reads one: to the next run of as many
                    // backticks within the paragraph. Nothing inside is rewritten.
                    out.extend(chars.get(i..close).unwrap_or_default());
                    i = close;
                } else {
                    // Backticks that close nothing are text.
                    for _ in 0..run {
                        out.push_str("\\`");
                    }
                    i += run;
                }
            }
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
        } else if c == '[' {
            match markdown_link(&chars, i) {
                // A link to a URL stays a link.
                Some((text_end, dest, end)) if is_url(&dest) => {
                    let text: String = chars
                        .get(i + 1..text_end)
                        .unwrap_or_default()
                        .iter()
                        .collect();
                    out.push('[');
                    out.push_str(&link_text(&text));
                    out.push_str("](");
                    out.push_str(&dest);
                    out.push(')');
                    i = end;
                }
                // A link to anything else (a Rust path of the API's own source, a relative
                // page) would be an intra-doc link that resolves to nothing here: its text.
                Some((text_end, _, end)) => {
                    let text: String = chars
                        .get(i + 1..text_end)
                        .unwrap_or_default()
                        .iter()
                        .collect();
                    out.push_str(&link_text(&text));
                    i = end;
                }
                None => {
                    out.push_str("\\[");
                    i += 1;
                }
            }
        } else if c == ']' {
            out.push_str("\\]");
            i += 1;
        } else if matches!(c, 'h' | 'H') && (at("http://") || at("https://")) {
            let mut end = i;
            while chars.get(end).is_some_and(|c| {
                !c.is_whitespace() && !matches!(c, ')' | '<' | '>' | '"' | '\'' | '`')
            }) {
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
                if !opening {
                    trimmed.to_string()
                } else if info.is_empty() || info.eq_ignore_ascii_case("rust") {
                    "```text".to_string()
                } else if is_language(info) {
                    trimmed.to_string()
                } else {
                    // Text after the fence that names no language (Kubernetes: "``` <quantity>
                    // ::= ...") is the block's first line; rustdoc would read it as attributes.
                    format!("```text\n{info}")
                }
            } else if !in_fence && indent_width(line) >= 4 {
                trimmed.to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether a fence's info string is language names only (`json`, `shell-session`, `Text CLI`),
/// which rustdoc leaves alone: no code of it is compiled, and it reads them as attributes.
fn is_language(info: &str) -> bool {
    info.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+' | '.' | ' ' | ','))
}

/// How far a line is indented, as Markdown counts it: a tab reaches the next multiple of
/// four (Kubernetes indents its examples with tabs, which Markdown reads as a code block).
fn indent_width(line: &str) -> usize {
    line.chars()
        .take_while(|c| c.is_whitespace())
        .fold(0, |width, c| match c {
            '\t' => width + 4 - width % 4,
            _ => width + 1,
        })
}

/// Whether `chars` starts with `pattern` (ASCII), ignoring ASCII case.
fn starts_with_ignoring_case(chars: &[char], pattern: &str) -> bool {
    pattern.len() <= chars.len()
        && pattern
            .chars()
            .zip(chars)
            .all(|(p, c)| c.eq_ignore_ascii_case(&p))
}

/// Whether only spaces come before `at` on its line.
fn at_line_start(chars: &[char], at: usize) -> bool {
    chars
        .get(..at)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|c| **c != '\n')
        .all(|c| *c == ' ' || *c == '\t')
}

/// Where the fence opened at `open` (a run of `run` backticks) ends: after its closing fence's
/// line, or at the end of the text.
fn fence_end(chars: &[char], open: usize, run: usize) -> usize {
    let mut i = open + run;
    // Past the opening line.
    while chars.get(i).is_some_and(|c| *c != '\n') {
        i += 1;
    }
    while i < chars.len() {
        // `i` is at a newline: look at the next line.
        let line = i + 1;
        let mut j = line;
        while chars.get(j).is_some_and(|c| *c == ' ' || *c == '\t') {
            j += 1;
        }
        let ticks = chars
            .get(j..)
            .unwrap_or_default()
            .iter()
            .take_while(|c| **c == '`')
            .count();
        let mut end = j + ticks;
        while chars.get(end).is_some_and(|c| *c != '\n') {
            end += 1;
        }
        if ticks >= run {
            return end;
        }
        i = end;
    }
    chars.len()
}

/// The end (exclusive) of a code span whose opening run of `run` backticks ends at `from`:
/// after the next run of exactly `run` backticks in the same paragraph; `Err` with where the
/// paragraph ends when there is none.
fn code_span_end(chars: &[char], from: usize, run: usize) -> Result<usize, usize> {
    let mut i = from;
    while let Some(&c) = chars.get(i) {
        if c == '\n' {
            let mut j = i + 1;
            while chars.get(j).is_some_and(|c| *c == ' ' || *c == '\t') {
                j += 1;
            }
            if matches!(chars.get(j), Some('\n') | None) {
                return Err(i);
            }
            i += 1;
        } else if c == '`' {
            let length = chars
                .get(i..)
                .unwrap_or_default()
                .iter()
                .take_while(|c| **c == '`')
                .count();
            if length == run {
                return Ok(i + length);
            }
            i += length;
        } else {
            i += 1;
        }
    }
    Err(chars.len())
}

/// A Markdown link `[text](destination)` starting at `open`: where its text ends (the `]`),
/// its destination, and where the link ends.
///
/// Neither part may hold a `[` or a line break (nor the destination a space), so each `[` is
/// read up to the next one at most: a text of many brackets is read in linear time.
fn markdown_link(chars: &[char], open: usize) -> Option<(usize, String, usize)> {
    let mut i = open + 1;
    let text_end = loop {
        match chars.get(i)? {
            ']' => break i,
            '[' | '\n' => return None,
            _ => {}
        }
        i += 1;
    };
    if chars.get(text_end + 1) != Some(&'(') {
        return None;
    }
    let mut j = text_end + 2;
    while chars
        .get(j)
        .is_some_and(|c| !matches!(c, ')' | '\n' | '[' | ' ' | '\t'))
    {
        j += 1;
    }
    if chars.get(j) != Some(&')') {
        return None;
    }
    let dest: String = chars
        .get(text_end + 2..j)
        .unwrap_or_default()
        .iter()
        .collect();
    Some((text_end, dest, j + 1))
}

/// A link's text as rustdoc should see it: brackets and `<` escaped (no recursion into
/// nested links, which a hostile text could nest without end).
fn link_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '[' => out.push_str("\\["),
            ']' => out.push_str("\\]"),
            '<' => out.push_str("&lt;"),
            other => out.push(other),
        }
    }
    out
}

/// Whether a link destination is a URL (or an anchor) rather than a path rustdoc would resolve.
fn is_url(dest: &str) -> bool {
    let dest = dest.trim().trim_start_matches('<');
    dest.contains("://") || dest.starts_with('#') || dest.starts_with("mailto:")
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
            "A [link](https://x.org) and `<code>`"
        );
        assert_eq!(
            rustdoc_text("text\n\n        indented\n```\nx\n```"),
            "text\n\nindented\n```text\nx\n```"
        );
        assert_eq!(rustdoc_text("broken {@link"), "broken {@link");
        // VTEX's descriptions: carriage returns alone, and before a line feed.
        assert_eq!(rustdoc_text("a\r> b\r\nc"), "a\n> b\nc");
        // Fences: a language is kept, Rust and text that names none are not compiled.
        assert_eq!(
            rustdoc_text("```json\n{}\n```\n```rust\nx\n```\n``` <q> ::= <n>\nx\n```"),
            "```json\n{}\n```\n```text\nx\n```\n```text\n<q> ::= <n>\nx\n```"
        );
        // Kubernetes': an example indented with a tab is no code block.
        assert_eq!(
            rustdoc_text("given:\n\n\t{\n\t  a: 1\n\t}"),
            "given:\n\n{\na: 1\n}"
        );
        // AWS's: a URL ends where an HTML tag begins.
        assert_eq!(
            rustdoc_text("(<a href=\"https://x.org/a\">https://x.org/a</a>)"),
            "(&lt;a href=\"<https://x.org/a>\"><https://x.org/a>&lt;/a>)"
        );
    }

    #[test]
    fn links_to_paths_keep_their_text_and_code_spans_follow_markdown() {
        // A link into the API's own source code resolves to nothing in the generated crate.
        assert_eq!(
            rustdoc_text("Params for a [`Disk`](omicron::external::Disk) or [x](crate::a::B)."),
            "Params for a `Disk` or x."
        );
        // A run of three backticks that is not a fence and never closes is text, so the
        // brackets after it are escaped.
        assert_eq!(
            rustdoc_text("Example ```rust let x = 1;\n\nlet y = data[0];"),
            "Example \\`\\`\\`rust let x = 1;\n\nlet y = data\\[0\\];"
        );
        // Inside a code span nothing changes; a span ends at a run of as many backticks.
        assert_eq!(rustdoc_text("``a ` [b] ``"), "``a ` [b] ``");
        // A fence with blank lines inside is kept whole.
        assert_eq!(
            rustdoc_text("```\na[0]\n\nb[1]\n```"),
            "```text\na[0]\n\nb[1]\n```"
        );
    }
}
