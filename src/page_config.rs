//! What the server that served this page tells it, in `<meta>` tags it
//! puts into the page's head (cli/src/page_config.rs): where its sink is
//! (`sparklet serve --sink`) and which of its feeds the bare URL opens.
//! A page served from anywhere else has no such tags and runs as before.

/// The server's word to this page. Paths are on the page's own host.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageConfig {
    /// Where to post each batch's output, e.g. `/sink`.
    pub sink: Option<String>,
    /// The feed the bare URL opens, e.g. `/feed/logs`.
    pub default_feed: Option<String>,
}

/// The longest path taken from a tag.
const MAX_PATH: usize = 1024;

impl PageConfig {
    /// Reads the tags of this page.
    pub fn read() -> PageConfig {
        PageConfig {
            sink: meta("sparklet-sink"),
            default_feed: meta("sparklet-feed"),
        }
    }
}

/// The `content` of `<meta name=NAME>`, when it is a path on this host
/// (`/...`, not `//host/...`, which would be another server).
fn meta(name: &str) -> Option<String> {
    let document = web_sys::window()?.document()?;
    let tag = document
        .query_selector(&format!("meta[name='{name}']"))
        .ok()??;
    let content = tag.get_attribute("content")?;
    let is_path = content.starts_with('/')
        && !content.starts_with("//")
        && content.len() <= MAX_PATH
        && !content.chars().any(|c| c.is_whitespace() || c == '\\');
    is_path.then_some(content)
}
