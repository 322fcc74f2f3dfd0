//! What the server tells the page it serves: `<meta>` tags put into
//! `index.html`'s head as it is served.
//!
//! The page is static files built once, and the server's command line
//! changes what it offers (a sink with `--sink`, a default feed with
//! `--source`). The tags carry that to the page without a request of its
//! own before it starts, and without a script (the page's
//! Content-Security-Policy forbids inline ones).

use crate::ServerConfig;

/// The `<meta name=...>` the page reads its sink's path from.
pub const SINK_META: &str = "sparklet-sink";
/// The `<meta name=...>` the page reads its default feed's path from.
pub const FEED_META: &str = "sparklet-feed";

/// What the page learns from the server that served it. Each path is on
/// the server's own host.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageConfig {
    /// Where to post each batch's output (`/sink`), when the server has a
    /// sink.
    pub sink: Option<String>,
    /// The feed the bare dashboard URL opens (`/feed/NAME`), when not the
    /// demo words feed.
    pub default_feed: Option<String>,
}

impl PageConfig {
    /// What `config` offers the page: its sink, and its first `--source`
    /// as the feed the bare URL opens.
    pub fn of(config: &ServerConfig) -> PageConfig {
        PageConfig {
            sink: config
                .sink
                .as_ref()
                .map(|_| crate::sink::SINK_PATH.to_string()),
            default_feed: config
                .sources
                .first()
                .map(|source| format!("/feed/{}", source.name)),
        }
    }

    /// The tags, one per setting that is set.
    pub fn meta_tags(&self) -> String {
        [(SINK_META, &self.sink), (FEED_META, &self.default_feed)]
            .into_iter()
            .filter_map(|(name, value)| {
                let value = value.as_deref()?;
                Some(format!(
                    "<meta name=\"{name}\" content=\"{}\">\n",
                    escape(value)
                ))
            })
            .collect()
    }

    /// `html` with the tags at the end of its head (or at its start when it
    /// has no `</head>`).
    pub fn inject(&self, html: &str) -> String {
        let tags = self.meta_tags();
        let at = html.to_ascii_lowercase().find("</head>").unwrap_or(0);
        let mut page = String::with_capacity(html.len() + tags.len());
        page.push_str(&html[..at]);
        page.push_str(&tags);
        page.push_str(&html[at..]);
        page
    }
}

/// Text safe inside a double-quoted attribute (and anywhere else).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tags_go_at_the_end_of_the_head_escaped() {
        let config = PageConfig {
            sink: Some("/sink".into()),
            default_feed: Some("/feed/a\"><script>x</script>&".into()),
        };
        let page = config.inject("<html><head><title>t</title></HEAD><body></body></html>");
        assert_eq!(
            page,
            "<html><head><title>t</title><meta name=\"sparklet-sink\" content=\"/sink\">\n\
             <meta name=\"sparklet-feed\" content=\"/feed/a&quot;&gt;&lt;script&gt;x&lt;/script&gt;&amp;\">\n\
             </HEAD><body></body></html>"
        );
    }

    #[test]
    fn nothing_set_changes_nothing() {
        let html = "<head></head>";
        assert_eq!(PageConfig::default().inject(html), html);
        let no_head = PageConfig {
            sink: Some("/sink".into()),
            default_feed: None,
        }
        .inject("<h1>page</h1>");
        assert_eq!(
            no_head,
            "<meta name=\"sparklet-sink\" content=\"/sink\">\n<h1>page</h1>"
        );
    }
}
