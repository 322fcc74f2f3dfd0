//! How much one connection may send, from the two things a page says (see
//! [`FeedControl`]): a rate, applied by a [`Pacer`], and credit, an offset
//! no record may reach until the page acknowledges more. Both feeds (the
//! demo feeds and the sources) plan what to send, send it in frames, and
//! then wait: paced, a tick's worth at a time, so frames carry many
//! records rather than the one or two due since the last frame.

use sparklet_engine::control::FeedControl;
use tokio::time::Instant;

use super::pacing::Pacer;
use super::socket::{capped, TICK};

/// Long enough to mean "until something else happens".
const FAR: std::time::Duration = std::time::Duration::from_secs(3600);

/// The flow control of one connection.
#[derive(Debug)]
pub struct Flow {
    /// The URL's `rate`: a client's rate may lower it, never raise it.
    ceiling: u64,
    pacer: Pacer,
    /// The offset of the connection's first record: acks count from it.
    start: u64,
    /// No record at or past this offset until more credit comes
    /// (`u64::MAX` until the client's first ack).
    credit: u64,
    /// The plan: records before `target` may go; at `wake` (once they
    /// are sent) the schedule is looked at again.
    target: u64,
    wake: Instant,
}

/// What the connection waits for when it has sent all it may.
#[derive(Debug, PartialEq, Eq)]
pub enum Until {
    /// More records from its source (nothing held it back).
    More,
    /// The pacer's next due time, a tick from now at the earliest, so
    /// what is due goes out in frames of many records.
    Due(Instant),
    /// The client's next ack.
    Credit,
}

impl Flow {
    pub fn new(rate: u64, start: u64) -> Flow {
        Flow {
            ceiling: rate,
            pacer: Pacer::new(rate, Instant::now(), start),
            start,
            credit: u64::MAX,
            target: start,
            wake: Instant::now(),
        }
    }

    /// One past the last record to send now (from `next`): the plan, made
    /// again once it is sent and its wake time has come.
    pub fn target(&mut self, next: u64, now: Instant) -> u64 {
        if next >= self.target && now >= self.wake {
            self.target = self.allowed(now);
            self.wake = match self.until(self.target, now) {
                Until::More => now,
                Until::Due(at) => at,
                Until::Credit => now + FAR,
            };
        }
        self.target
    }

    /// What to wait for once the records before `next` are sent.
    pub fn wait(&self, next: u64) -> Until {
        if next < self.target {
            Until::More
        } else if next >= self.credit {
            Until::Credit
        } else {
            Until::Due(self.wake)
        }
    }

    /// One past the last offset that may be sent now.
    fn allowed(&self, now: Instant) -> u64 {
        self.pacer.due(now).min(self.credit)
    }

    /// What holds back the record at `next` at `now`.
    fn until(&self, next: u64, now: Instant) -> Until {
        if next >= self.credit {
            Until::Credit
        } else if next >= self.pacer.due(now) {
            Until::Due(self.pacer.due_at(next.saturating_add(1)).max(now + TICK))
        } else {
            Until::More
        }
    }

    /// Applies a client's message; `next` is the next offset to send. The
    /// plan is made again at once. Text that is not a control message is
    /// ignored.
    pub fn apply(&mut self, text: &str, next: u64) {
        self.target = next;
        self.wake = Instant::now();
        match FeedControl::parse(text) {
            Some(FeedControl::Rate { rate }) => {
                self.pacer = Pacer::new(capped(self.ceiling, rate), Instant::now(), next);
            }
            Some(FeedControl::Credit { ack, window }) => {
                self.credit = self.start.saturating_add(ack).saturating_add(window);
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn credit_stops_an_unpaced_connection_and_an_ack_moves_it_on() {
        let mut flow = Flow::new(0, 100);
        assert_eq!(
            flow.target(100, Instant::now()),
            u64::MAX,
            "no ack yet: no limit"
        );
        assert_eq!(flow.wait(100), Until::More);
        flow.apply(r#"{"ack": 0, "window": 50}"#, 100);
        assert_eq!(flow.target(100, Instant::now()), 150);
        assert_eq!(flow.wait(120), Until::More);
        assert_eq!(flow.wait(150), Until::Credit);
        assert_eq!(flow.target(150, Instant::now()), 150, "nothing more");
        flow.apply(r#"{"ack": 30, "window": 50}"#, 150);
        assert_eq!(flow.target(150, Instant::now()), 180);
        flow.apply(r#"{"ack": 99}"#, 180);
        assert_eq!(
            flow.target(180, Instant::now()),
            180,
            "not a control message"
        );
    }

    #[test]
    fn paced_it_plans_a_tick_at_a_time_and_credit_still_holds() {
        let mut flow = Flow::new(1000, 0);
        let t0 = Instant::now() + Duration::from_millis(1);
        let first = flow.target(0, t0);
        let Until::Due(wake) = flow.wait(first) else {
            panic!("paced: {:?}", flow.wait(first))
        };
        assert!(wake >= t0 + TICK, "a tick at least");
        // Asked again before the wake time: the same plan.
        assert_eq!(flow.target(first, t0 + TICK / 2), first);
        let later = flow.target(first, t0 + Duration::from_millis(100));
        assert!((90..=110).contains(&later), "1000/s for 100 ms: {later}");
        flow.apply(r#"{"rate": 5000}"#, later);
        let t1 = Instant::now();
        let capped = flow.target(later, t1 + Duration::from_millis(100));
        assert!(capped - later <= 110, "the URL's rate is the ceiling");
        flow.apply(r#"{"ack": 0, "window": 500}"#, capped);
        let end = flow.target(capped, t1 + Duration::from_secs(10));
        assert_eq!(end, 500, "credit");
        assert_eq!(flow.wait(500), Until::Credit);
    }
}
