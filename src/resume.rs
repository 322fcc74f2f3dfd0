//! Whether each connection resumed where it was asked, learned from the
//! feed itself: its first message is its hello (`{"sparklet":{"resume":
//! true,"from":K}}`, see `sparklet_engine::hello`) or not. A feed that says
//! it resumes is asked for `from=` after a drop, wherever it runs; a
//! reconnect that does not start where it was asked leaves a gap; and a run
//! restored from a checkpoint is kept only if its feed confirms the offset.

use sparklet_engine::hello::FeedHello;

/// What the page knows of the feed's resume, connection by connection.
#[derive(Debug, Default)]
pub struct ResumeCheck {
    /// The feed said, in the first message of its last connection that
    /// said anything, that it resumes.
    pub feed_resumes: bool,
    /// This connection has had its first message.
    heard: bool,
    /// The record this connection asked the feed to start at (`from=`).
    asked_from: Option<u64>,
    /// `Date.now()` of the drop this connection follows, until its first
    /// message says whether anything was lost.
    after_drop: Option<f64>,
    /// This connection continues a restored checkpoint.
    restored: bool,
}

/// What a connection's first message showed.
#[derive(Debug, PartialEq)]
pub struct Verdict {
    /// A drop whose records are lost: from `Date.now()` then.
    pub gap_from: Option<f64>,
    /// A restored run whose feed did not resume at its offset.
    pub restore_failed: bool,
}

impl ResumeCheck {
    /// The first connection of a run restored from a checkpoint, which
    /// the feed resumed when it was saved.
    pub fn restoring(feed_resumed: bool) -> ResumeCheck {
        ResumeCheck {
            feed_resumes: feed_resumed,
            restored: true,
            ..ResumeCheck::default()
        }
    }

    /// A connection is being opened, asking the feed to start at `from`.
    pub fn connecting(&mut self, asked_from: Option<u64>) {
        self.asked_from = asked_from;
    }

    /// The connection opened; `dropped_at` is when the last one dropped.
    pub fn opened(&mut self, dropped_at: Option<f64>) {
        self.heard = false;
        self.after_drop = dropped_at;
    }

    /// The connection closed; the drop it followed, if it never said a
    /// word (the next connection still has to make up for it).
    pub fn closed(&mut self) -> Option<f64> {
        self.after_drop.take()
    }

    /// Whether this event is the connection's first message.
    pub fn first(&mut self) -> bool {
        !std::mem::replace(&mut self.heard, true)
    }

    /// The connection's first message: a `hello`, or `None` for data.
    /// `forced` is the URL's `resume=`; `here` the record the page needs
    /// next.
    pub fn first_message(
        &mut self,
        hello: Option<FeedHello>,
        forced: Option<bool>,
        here: u64,
    ) -> Verdict {
        self.feed_resumes = hello.is_some_and(|h| h.resume);
        let said_here = hello.and_then(|h| h.from).map(|from| from == here);
        let resumed = match forced {
            Some(false) => false,
            Some(true) => said_here != Some(false),
            None => self.feed_resumes && said_here.unwrap_or(self.asked_from == Some(here)),
        };
        Verdict {
            gap_from: self.after_drop.take().filter(|_| !resumed),
            restore_failed: std::mem::take(&mut self.restored) && !resumed,
        }
    }
}
