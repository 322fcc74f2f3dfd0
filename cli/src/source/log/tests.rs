//! The record log's behaviour: offsets, bounds, and waiting for pages.

use super::super::lines::LineSplitter;
use super::*;

fn append(log: &RecordLog, text: &[u8]) {
    let mut splitter = LineSplitter::default();
    let mut batch = Batch::default();
    splitter.push(text, &mut batch);
    splitter.finish(&mut batch);
    log.append(&mut batch);
}

fn read_all(log: &RecordLog, mut at: u64, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        match log.next(at, max) {
            Next::Frame { bytes, count, .. } => {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                assert_eq!(text.split('\n').count() as u64, count);
                out.extend(text.split('\n').map(str::to_owned));
                at += count;
            }
            Next::Skipped(_) => {
                out.push("<skipped>".into());
                at += 1;
            }
            Next::Wait | Next::End(_) => return out,
            Next::Gone { first } => panic!("gone below {first}"),
        }
    }
}

#[test]
fn every_offset_reads_the_same_record_whatever_the_frame_size() {
    let log = RecordLog::default();
    append(&log, b"a\nb\nc\n");
    append(&log, b"d\ne\n");
    let all = read_all(&log, 0, 1000);
    assert_eq!(all, ["a", "b", "c", "d", "e"]);
    for from in 0..5 {
        for max in 1..4 {
            assert_eq!(read_all(&log, from, max), all[from as usize..]);
        }
    }
}

#[test]
fn the_oldest_records_leave_at_the_bound_and_a_reader_is_told_where_it_starts() {
    // A page reads each record as it comes.
    let log = RecordLog::with_limits(4, usize::MAX);
    let page = log.cursor(0);
    for i in 0..10 {
        append(&log, format!("r{i}\n").as_bytes());
        page.at(log.end_offset());
    }
    assert_eq!(log.next(0, 10), Next::Gone { first: 6 });
    assert_eq!(read_all(&log, 6, 10), ["r6", "r7", "r8", "r9"]);
    let bytes = RecordLog::with_limits(u64::MAX, 100);
    let page = bytes.cursor(0);
    for _ in 0..100 {
        append(&bytes, &[b'x'; 40]);
        page.at(bytes.end_offset());
    }
    assert!(bytes.ring().bytes <= 100);
    assert_eq!(bytes.end_offset(), 100);
}

#[test]
fn an_ended_log_says_so_after_its_last_record() {
    let log = RecordLog::default();
    append(&log, b"only\n");
    log.end("standard input closed");
    assert!(matches!(log.next(0, 10), Next::Frame { count: 1, .. }));
    assert_eq!(log.next(1, 10), Next::End("standard input closed".into()));
}

#[test]
fn a_full_log_waits_for_a_page_behind_and_loses_nothing() {
    let log = std::sync::Arc::new(RecordLog::with_limits(4, usize::MAX));
    let cursor = log.cursor(0);
    let writer = {
        let log = log.clone();
        std::thread::spawn(move || {
            for i in 0..20 {
                append(&log, format!("r{i}\n").as_bytes());
            }
        })
    };
    let mut read = Vec::new();
    let mut at = 0;
    while at < 20 {
        std::thread::sleep(Duration::from_millis(2));
        assert!(log.end_offset() <= at + 5, "the reader waits for the page");
        match log.next(at, 3) {
            Next::Frame { bytes, count, .. } => {
                read.extend(
                    String::from_utf8(bytes)
                        .unwrap()
                        .split('\n')
                        .map(str::to_owned),
                );
                at += count;
                cursor.at(at);
            }
            Next::Wait => {}
            other => panic!("{other:?} at {at}"),
        }
    }
    writer.join().unwrap();
    assert_eq!(read, (0..20).map(|i| format!("r{i}")).collect::<Vec<_>>());
}

#[test]
fn a_full_log_of_records_no_page_has_read_waits_for_one() {
    let log = std::sync::Arc::new(RecordLog::with_limits(4, usize::MAX));
    let writer = {
        let log = log.clone();
        std::thread::spawn(move || {
            for i in 0..8 {
                append(&log, format!("r{i}\n").as_bytes());
            }
        })
    };
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(log.end_offset(), 4, "full, and nobody has read r0");
    // The first page gets every record from the start.
    let page = log.cursor(0);
    let mut at = 0;
    let mut read = Vec::new();
    while at < 8 {
        read.extend(read_all(&log, at, 1));
        at = read.len() as u64;
        page.at(at);
    }
    writer.join().unwrap();
    assert_eq!(read, (0..8).map(|i| format!("r{i}")).collect::<Vec<_>>());
}

#[test]
fn a_stalled_page_holds_back_the_others_no_more() {
    let log = RecordLog::with_limits(4, usize::MAX).stalled_after(Duration::from_millis(50));
    let stalled = log.cursor(0);
    let reading = log.cursor(0);
    let start = Instant::now();
    for i in 0..10 {
        append(&log, format!("r{i}\n").as_bytes());
        reading.at(log.end_offset());
    }
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert_eq!(log.next(0, 10), Next::Gone { first: 6 });
    // Gone, with everything read: nothing waits.
    drop((stalled, reading));
    let start = Instant::now();
    append(&log, b"r10\n");
    assert!(start.elapsed() < Duration::from_millis(50));
}
