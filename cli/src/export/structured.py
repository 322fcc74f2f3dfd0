# --- Event time on Structured Streaming --------------------------------------
# The records' own stages run in one Python UDF that gives each record's
# rows as (event time, key, value); Spark does the rest with its own
# operators: withWatermark, window or session_window, the aggregation and
# the output mode. A Sparklet batch is one Spark micro-batch and the no-data
# batch Spark runs after it, so with recorded batches (`--input`) the job
# adds one file per batch and waits for Spark to process all of it.

import ast
import os
import shutil
import tempfile
import time

MALFORMED = None  # an accumulator on live sources, set by run()
SPARKLET_URL = os.environ.get("SPARKLET_URL")  # `--sparklet`: where progress goes


def _stage(f, records, bad):
    out = []
    for r in records:
        try:
            out.extend(f(r))
        except Bad:
            bad[0] += 1
    return out


def _days_from_civil(y, m, d):
    y = y - 1 if m <= 2 else y
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((m + 9) % 12) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))\Z",
    re.ASCII)


FIRST_MS, LAST_MS = -62135596800000, 253402300799999  # the years 1 to 9999


def event_time(v):
    """Sparklet's event time of a value: ms since the epoch, or an RFC 3339
    string (fractions past the ms dropped toward the past), in the years 1
    to 9999."""
    t = _event_time(v)
    if not FIRST_MS <= t <= LAST_MS:
        raise Bad(f"with_watermark: not a time: {t} ms since the epoch is outside the years 1 to 9999")
    return t


def _event_time(v):
    if is_num(v) and isinstance(v, int):
        return v
    if isinstance(v, float) and math.isfinite(v) and abs(v) < 9.0e15:
        return math.floor(v)
    if isinstance(v, str):
        m = _RFC3339.match(v)
        if m:
            year, month, day, hour, minute, second = (int(m.group(i)) for i in range(1, 7))
            leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
            days = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
            offset = 0
            if m.group(9):
                oh, om = int(m.group(10)), int(m.group(11))
                offset = (oh * 60 + om) * (1 if m.group(9) == "+" else -1)
                ok_offset = oh <= 23 and om <= 59
            else:
                ok_offset = True
            if (1 <= month <= 12 and 1 <= day <= days[month - 1] and hour <= 23
                    and minute <= 59 and second <= 60 and ok_offset):
                millis = int((m.group(7) or "0")[:3].ljust(3, "0"))
                seconds = (_days_from_civil(year, month, day) * 86400 + hour * 3600
                           + minute * 60 + second - offset * 60)
                return seconds * 1000 + millis
        raise Bad(f"with_watermark: not a time: \"{v[:40]}\" is not an RFC 3339 time like 2026-12-03T16:30:40Z")
    raise Bad(f"with_watermark: not a time: a {type_name(v)} (expected ms since the epoch or an RFC 3339 string)")


def timed_rows(record, bad):
    """A record's rows as the aggregation takes them: (event time, key,
    value lifted to FN); each record a stage cannot handle counts in
    `bad[0]`, as Sparklet counts it malformed."""
    records = [record]
    for f in BEFORE_WATERMARK:
        records = _stage(f, records, bad)
    rows = []
    for r in records:
        try:
            t = event_time(EVENT_TIME(r))
        except Bad:
            bad[0] += 1
            continue
        outs = [r]
        for f in AFTER_WATERMARK:
            outs = _stage(f, outs, bad)
        for x in outs:
            k, v = x if isinstance(x, tuple) else (None, x)
            try:
                rows.append((t, k, lift(AGG[-2], v, AGG_NAME)))
            except Bad:
                bad[0] += 1
    return rows


def _columns(t, k, v):
    """A row as the UDF's struct: the key as text with Sparklet's identity
    (1 and 1.0 stay apart), the value in the column of its type."""
    i = v if isinstance(v, int) and not isinstance(v, bool) else None
    f = v if isinstance(v, float) else None
    s = v if isinstance(v, str) else None
    if AGG[-2] == "mean":
        f = v[0]
    return (t, repr(key(k)), i, f, s)


def _record_of(line):
    """A line of the source as the record: recorded batches hold one JSON
    value per line; a live source's lines are strings, as in Sparklet."""
    if SOURCE[0] != "batches":
        return line
    return from_json(json.loads(line))


def _udf_rows(line):
    bad = [0]
    try:
        rows = [_columns(t, k, v) for t, k, v in timed_rows(_record_of(line), bad)]
    except Bad:
        rows, bad = [], [1]
    if bad[0] and MALFORMED is not None:
        MALFORMED.add(bad[0])
    return rows


def aggregated(spark, lines):
    """The streaming DataFrame of (window start, end, key, partials)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import (ArrayType, DoubleType, LongType, StringType,
                                   StructField, StructType)

    row = StructType([
        StructField("t", LongType()), StructField("k", StringType()),
        StructField("i", LongType()), StructField("f", DoubleType()),
        StructField("s", StringType())])
    rows_of = F.udf(_udf_rows, ArrayType(row), useArrow=False)
    rows = (lines.select(F.explode(rows_of("value")).alias("r")).select("r.*")
            .withColumn("ts", F.timestamp_millis("t"))
            .withWatermark("ts", f"{DELAY_MS} milliseconds"))
    if AGG[0] == "window":
        group = F.window("ts", f"{AGG[1]} milliseconds", f"{AGG[2]} milliseconds")
    else:
        group = F.session_window("ts", f"{AGG[1]} milliseconds")
    fn = AGG[-2]
    parts = {
        "count": [F.count(F.lit(1)).alias("n")],
        "sum": [F.sum("i").alias("i"), F.sum("f").alias("f"), F.count("f").alias("n")],
        "mean": [F.sum("f").alias("f"), F.count("f").alias("n")],
    }.get(fn, [F.expr(f"{fn}(i)").alias("i"), F.expr(f"{fn}(f)").alias("f"),
               F.expr(f"{fn}(s)").alias("s")])
    return rows.groupBy(group.alias("w"), "k").agg(*parts)


def _value(fn, r):
    """A group's value from Spark's partials, as Sparklet's FN gives it."""
    if fn == "count":
        return r["n"]
    if fn == "sum":
        return float(r["i"] or 0) + r["f"] if r["n"] else wrap(r["i"])
    if fn == "mean":
        return r["f"] / r["n"] if r["n"] else None
    found = [x for x in (r["i"], r["f"], r["s"]) if x is not None]
    return functools.reduce(lambda a, b: combine(fn, a, b), found)


def output_of(df):
    """A micro-batch's rows as Sparklet's output rows, by window then key."""
    from pyspark.sql import functions as F

    fn = AGG[-2]
    rows = df.select(F.unix_millis("w.start").alias("start"),
                     F.unix_millis("w.end").alias("end"), "*").collect()
    out = [((r["start"], r["end"]), unkey(ast.literal_eval(r["k"])), _value(fn, r)) for r in rows]
    out.sort(key=functools.cmp_to_key(
        lambda a, b: ((a[0] > b[0]) - (a[0] < b[0])) or total_cmp(a[1], b[1])))
    return [{"window": {"start": w[0], "end": w[1]}, "key": k, "value": v} for w, k, v in out]


def late_rows(records, before, previous):
    """Input rows that counted nowhere: all their windows (or their
    session's first span) end at or before the watermark Spark judges
    them by. Spark reports late groups, not rows; this is Sparklet's
    figure, from the same rows the UDF gives Spark."""
    if AGG[-1] == "complete":
        if AGG[0] == "window":
            return 0  # complete windows drop nothing
        # No no-data batch ran: Spark's late events watermark is the
        # previous micro-batch's, from before the previous batch.
        before = previous
    late = 0
    for r in records:
        for t, _, _ in timed_rows(r, [0]):
            if AGG[0] == "window":
                end = (t // AGG[2]) * AGG[2] + AGG[1]
            else:
                end = t + AGG[1]
            late += end <= before
    return late


def _ms_of(iso):
    from datetime import datetime
    return int(round(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000))


def _event_line(time_ms, output, figures):
    fields = "".join(f',"{name}":{value}' for name, value in figures)
    return '{"time_ms":' + str(time_ms) + ',"output":' + to_json(output) + fields + "}"


def _write_file(directory, n, records):
    """Batch `n` as a file Spark's file source sees whole: written beside
    the directory, then moved in."""
    path = os.path.join(directory + ".tmp", f"{n:08d}.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(to_json(r) + "\n")
    os.replace(path, os.path.join(directory, f"{n:08d}.jsonl"))


def _run_batches(spark, data, scratch):
    """Recorded batches, one file per trigger; prints replay's lines and
    returns the malformed count."""
    inbox = os.path.join(scratch, "in")
    os.makedirs(inbox)
    os.makedirs(inbox + ".tmp")
    outputs = []
    lines = spark.readStream.format("text").option("maxFilesPerTrigger", 1).load(inbox)
    query = (aggregated(spark, lines).writeStream.outputMode(AGG[-1])
             .option("checkpointLocation", os.path.join(scratch, "checkpoint"))
             .foreachBatch(lambda df, batch_id: outputs.append(output_of(df)))
             .start())
    malformed, watermark, before, last_id = 0, 0, 0, -1
    try:
        for n, records in enumerate(data, 1):
            _write_file(inbox, n, records)
            query.processAllAvailable()
            # This batch's micro-batch and its no-data batch (an idle
            # trigger reports progress too, without adding a batch).
            progress = [json.loads(p.json) for p in query.recentProgress]
            progress = [p for p in progress
                        if p["batchId"] > last_id and "addBatch" in p.get("durationMs", {})]
            last_id = max([last_id] + [p["batchId"] for p in progress])
            previous, before = before, watermark
            for p in progress:
                times = p.get("eventTime") or {}
                if "max" in times:
                    watermark = max(watermark, _ms_of(times["max"]) - DELAY_MS)
            ops = [p["stateOperators"][0] for p in progress if p.get("stateOperators")]
            bad = [0]
            for r in records:
                timed_rows(r, bad)
            malformed += bad[0]
            output = [row for rows in outputs for row in rows]
            output.sort(key=functools.cmp_to_key(lambda a, b: (
                (a["window"]["start"] > b["window"]["start"]) - (a["window"]["start"] < b["window"]["start"])
                or (a["window"]["end"] > b["window"]["end"]) - (a["window"]["end"] < b["window"]["end"])
                or total_cmp(a["key"], b["key"]))))
            outputs.clear()
            figures = [
                ("watermark_ms", watermark),
                ("late", sum(o.get("numRowsDroppedByWatermark", 0) for o in ops)),
                ("late_rows", late_rows(records, before, previous)),
                ("state_rows", ops[-1]["numRowsTotal"] if ops else 0),
            ]
            sys.stdout.write(_event_line(n * BATCH_MS, output, figures) + "\n")
            sys.stdout.flush()
    finally:
        query.stop()
    return malformed


def _live_lines(spark):
    kind = SOURCE[0]
    reader = spark.readStream
    if kind == "tcp":
        return reader.format("socket").option("host", SOURCE[1]).option("port", SOURCE[2]).load()
    if kind == "dir":
        return reader.format("text").load(SOURCE[1])
    return (reader.format("kafka").option("kafka.bootstrap.servers", SOURCE[1])
            .option("subscribe", SOURCE[2]).option("startingOffsets", "earliest").load()
            .selectExpr("CAST(value AS STRING) AS value"))


def progress_poster(url):
    """A listener posting each micro-batch's StreamingQueryProgress to a
    `sparklet serve` at `url`, whose dashboard (`?spark=1`) shows it:
    Spark's REST API reports no Structured Streaming query."""
    import urllib.request
    from pyspark.sql.streaming import StreamingQueryListener

    target = url.rstrip("/") + "/spark/progress"

    class PostProgress(StreamingQueryListener):
        def onQueryStarted(self, event):
            pass

        def onQueryProgress(self, event):
            post = urllib.request.Request(
                target, data=event.progress.json.encode("utf-8"),
                headers={"Content-Type": "application/json"})
            try:
                urllib.request.urlopen(post, timeout=5).close()
            except OSError as e:
                print(f"sparklet job: progress not posted to {target}: {e}", file=sys.stderr)

        def onQueryIdle(self, event):
            pass

        def onQueryTerminated(self, event):
            pass

    return PostProgress()


def _print_live(df, batch_id):
    sys.stdout.write(_event_line(int(time.time() * 1000), output_of(df), [("batch", batch_id)]) + "\n")
    sys.stdout.flush()


def run(sc, spark_batch_ms=None, checkpoint=None, batches=None):
    """Runs the pipeline on `sc`. Recorded batches (`--input`) print one
    line per batch as `sparklet replay` does and the call returns the
    malformed count; a live source prints each micro-batch's rows (with
    Spark's batch id) until the job is stopped."""
    global MALFORMED
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.getOrCreate()
    if SPARKLET_URL:
        spark.streams.addListener(progress_poster(SPARKLET_URL))
    # Sparklet's longs wrap as the JVM's do; ANSI mode would fail the sum.
    spark.conf.set("spark.sql.ansi.enabled", "false")
    scratch = tempfile.mkdtemp(prefix="sparklet-export-")
    try:
        if SOURCE[0] == "batches":
            data = read_batches(SOURCE[1]) if batches is None else batches
            # A few records a batch: Spark's 200 state partitions would
            # cost more than the rows (a partition count given is kept).
            if sc.getConf().get("spark.sql.shuffle.partitions") is None:
                spark.conf.set("spark.sql.shuffle.partitions", "2")
            return _run_batches(spark, data, scratch)
        MALFORMED = sc.accumulator(0)
        query = (aggregated(spark, _live_lines(spark)).writeStream.outputMode(AGG[-1])
                 .queryName(PIPELINE)
                 .option("checkpointLocation", checkpoint or os.path.join(scratch, "checkpoint"))
                 .trigger(processingTime=f"{BATCH_MS} milliseconds")
                 .foreachBatch(_print_live)
                 .start())
        query.awaitTermination()
        return MALFORMED.value
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
