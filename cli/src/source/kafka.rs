//! `kafka://HOST:PORT[,HOST:PORT...]/TOPIC`: a Kafka topic, every
//! partition, from the earliest offset, through rskafka (pure Rust: no
//! librdkafka to build). Each record's value is one record (or, like any
//! text here, one per line it holds). The partitions are read together and
//! their records served in the order they were read; the [`Journal`] keeps
//! that order, so after a restart of the server the source's record K is
//! the same record and a page resumes exactly, by partition offsets.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::join_all;
use rskafka::client::partition::{OffsetAt, PartitionClient, UnknownTopicHandling};
use rskafka::client::{Client, ClientBuilder};
use rskafka::BackoffConfig;

use super::journal::{Journal, Range};
use super::log::RecordLog;
use super::reader::{orphaned, seconds, Backoff, Reader};

/// Most bytes one fetch of one partition returns.
const FETCH_BYTES: i32 = 4 << 20;
/// How long the broker may hold a fetch open waiting for records.
const FETCH_WAIT_MS: i32 = 250;
/// How long a request may keep failing before the source says so and
/// reconnects (rskafka would otherwise retry quietly for ever).
const GIVE_UP: Duration = Duration::from_secs(5);

/// Reads `topic` until the server that owns `log` stops.
pub fn run(log: Arc<RecordLog>, brokers: &[String], topic: &str, journal_at: Option<&Path>) {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return log.set_status(format!("cannot start the Kafka reader ({e})")),
    };
    let mut journal = match journal_at.map(Journal::open) {
        Some(Ok(journal)) => journal,
        Some(Err(e)) => {
            log.set_status(format!("{e}; resuming only while this server runs"));
            Journal::in_memory()
        }
        None => Journal::in_memory(),
    };
    runtime.block_on(async {
        let mut reading = Reading {
            log: log.clone(),
            reader: Reader::new(log.clone()),
            next: BTreeMap::new(),
            replayed: false,
        };
        let mut backoff = Backoff::new();
        let shown = format!("{}/{topic}", brokers.join(","));
        while !orphaned(&log) {
            let why = match reading.session(brokers, topic, &mut journal, &shown).await {
                Ok(()) => return,
                Err(why) => why,
            };
            let wait = backoff.next_wait();
            log.set_status(format!("{why}; trying again in {}", seconds(wait)));
            tokio::time::sleep(wait).await;
        }
    });
}

/// What survives a reconnect: the reader and where each partition is.
struct Reading {
    log: Arc<RecordLog>,
    reader: Reader,
    next: BTreeMap<i32, i64>,
    /// The journal's ranges have been served again in this process.
    replayed: bool,
}

impl Reading {
    /// Connects and reads until an error; `Ok` only when the server stops.
    async fn session(
        &mut self,
        brokers: &[String],
        topic: &str,
        journal: &mut Journal,
        shown: &str,
    ) -> Result<(), String> {
        self.log
            .set_status(format!("connecting to kafka://{shown}"));
        let client = ClientBuilder::new(brokers.to_vec())
            .backoff_config(BackoffConfig {
                deadline: Some(GIVE_UP),
                ..BackoffConfig::default()
            })
            .build()
            .await
            .map_err(|e| format!("cannot reach Kafka at {} ({e})", brokers.join(",")))?;
        let partitions = partitions(&client, topic).await?;
        let mut clients = Vec::new();
        for &p in &partitions {
            let c = client
                .partition_client(topic, p, UnknownTopicHandling::Error)
                .await
                .map_err(|e| format!("cannot read partition {p} of {topic} ({e})"))?;
            clients.push(c);
        }
        if !self.replayed {
            self.replay(&clients, journal, shown).await?;
            self.replayed = true;
        }
        for c in &clients {
            if let std::collections::btree_map::Entry::Vacant(slot) = self.next.entry(c.partition())
            {
                let earliest = c
                    .get_offset(OffsetAt::Earliest)
                    .await
                    .map_err(|e| format!("cannot read the offsets of {topic} ({e})"))?;
                slot.insert(earliest);
            }
        }
        self.log.caught_up();
        self.log.set_status(format!(
            "reading kafka://{shown}: {} partitions",
            clients.len()
        ));
        while !orphaned(&self.log) {
            let fetches = clients.iter().map(|c| {
                let at = self.next[&c.partition()];
                async move {
                    (
                        c,
                        at,
                        c.fetch_records(at, 1..FETCH_BYTES, FETCH_WAIT_MS).await,
                    )
                }
            });
            for (c, at, fetched) in join_all(fetches).await {
                let (records, _high) = match fetched {
                    Ok(fetched) => fetched,
                    Err(e) => {
                        self.skip_deleted(c, at).await?;
                        return Err(format!("reading partition {} failed ({e})", c.partition()));
                    }
                };
                let Some(last) = records.last() else { continue };
                let range = Range {
                    partition: c.partition(),
                    from: at,
                    to: last.offset + 1,
                };
                journal
                    .append(range)
                    .map_err(|e| format!("cannot write the Kafka journal ({e})"))?;
                for r in &records {
                    if let Some(value) = &r.record.value {
                        self.reader.push(value);
                        self.reader.push(b"\n");
                    }
                }
                self.reader.flush();
                self.next.insert(c.partition(), range.to);
            }
        }
        Ok(())
    }

    /// After a failed fetch at `at`: if the topic's retention deleted the
    /// records there before they were read, reading goes on from the
    /// earliest record left, and the status says what was lost.
    async fn skip_deleted(&mut self, c: &PartitionClient, at: i64) -> Result<(), String> {
        let earliest = c.get_offset(OffsetAt::Earliest).await.map_err(|e| {
            format!(
                "cannot read the offsets of partition {} ({e})",
                c.partition()
            )
        })?;
        if at < earliest {
            self.next.insert(c.partition(), earliest);
            self.log.set_status(format!(
                "partition {}: offsets {at} to {} were deleted (retention) before they were read",
                c.partition(),
                earliest - 1
            ));
        }
        Ok(())
    }

    /// Serves the journal's ranges again, in order, so offsets are what
    /// they were before the restart. A journal the topic no longer holds
    /// (recreated, or past its retention) is dropped, and the status says so.
    async fn replay(
        &mut self,
        clients: &[PartitionClient],
        journal: &mut Journal,
        shown: &str,
    ) -> Result<(), String> {
        if journal.ranges.is_empty() {
            return Ok(());
        }
        let by_partition: BTreeMap<i32, &PartitionClient> =
            clients.iter().map(|c| (c.partition(), c)).collect();
        if !self.journal_fits(&by_partition, journal).await? {
            journal
                .reset()
                .map_err(|e| format!("cannot write the Kafka journal ({e})"))?;
            self.log.set_status(format!(
                "kafka://{shown} no longer holds what this server read before (recreated, or past \
                 its retention): reading it from its earliest offset, with new record numbers"
            ));
            return Ok(());
        }
        self.log.set_status(format!(
            "kafka://{shown}: reading again what was served before the restart"
        ));
        for range in journal.ranges.clone() {
            let c = by_partition[&range.partition];
            let mut at = range.from;
            while at < range.to {
                let (records, _) = c
                    .fetch_records(at, 1..FETCH_BYTES, FETCH_WAIT_MS)
                    .await
                    .map_err(|e| {
                        format!("re-reading partition {} failed ({e})", range.partition)
                    })?;
                let Some(last) = records.last() else {
                    return Err(format!(
                        "partition {} has no records at offset {at} any more",
                        range.partition
                    ));
                };
                for r in records.iter().filter(|r| r.offset < range.to) {
                    if let Some(value) = &r.record.value {
                        self.reader.push(value);
                        self.reader.push(b"\n");
                    }
                }
                at = last.offset + 1;
            }
            self.reader.flush();
        }
        self.next = journal.ends();
        Ok(())
    }

    /// Whether every journaled range is still in the topic.
    async fn journal_fits(
        &self,
        clients: &BTreeMap<i32, &PartitionClient>,
        journal: &Journal,
    ) -> Result<bool, String> {
        for (partition, end) in journal.ends() {
            let Some(c) = clients.get(&partition) else {
                return Ok(false);
            };
            let first = journal
                .ranges
                .iter()
                .find(|r| r.partition == partition)
                .map_or(0, |r| r.from);
            let earliest = c.get_offset(OffsetAt::Earliest).await;
            let latest = c.get_offset(OffsetAt::Latest).await;
            match (earliest, latest) {
                (Ok(earliest), Ok(latest)) if earliest <= first && end <= latest => {}
                (Ok(_), Ok(_)) => return Ok(false),
                (Err(e), _) | (_, Err(e)) => return Err(format!("cannot read offsets ({e})")),
            }
        }
        Ok(true)
    }
}

/// The topic's partitions, or why it cannot be read.
async fn partitions(client: &Client, topic: &str) -> Result<Vec<i32>, String> {
    let topics = client
        .list_topics()
        .await
        .map_err(|e| format!("cannot list the topics ({e})"))?;
    match topics.into_iter().find(|t| t.name == topic) {
        Some(t) if !t.partitions.is_empty() => Ok(t.partitions.into_iter().collect()),
        _ => Err(format!("the topic {topic} does not exist (yet)")),
    }
}
